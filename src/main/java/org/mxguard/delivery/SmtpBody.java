package org.mxguard.delivery;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;

/**
 * The message as stored: header and body, lines ending in CRLF or bare LF, not dot-stuffed. It
 * is read once per transaction, so a large queue file never has to sit in memory.
 */
public sealed interface SmtpBody {
    /** Octets as stored; what {@code SIZE=} declares (RFC 1870 asks for an estimate). */
    long size();

    InputStream open() throws IOException;

    static SmtpBody of(byte[] message) {
        return new Bytes(message);
    }

    static SmtpBody of(Path file) {
        return new File(file);
    }

    /** A message held in memory. The array is copied: a body never changes under a transaction. */
    record Bytes(byte[] message) implements SmtpBody {
        public Bytes {
            message = message.clone();
        }

        @Override
        public byte[] message() {
            return message.clone();
        }

        @Override
        public long size() {
            return message.length;
        }

        @Override
        public InputStream open() {
            return new ByteArrayInputStream(message);
        }

        /** True when some octet has the high bit set (RFC 6152 8-bit data). */
        public boolean has8bit() {
            for (byte b : message) {
                if (b < 0) {
                    return true;
                }
            }
            return false;
        }
    }

    /** A message in a file, such as a queue file. */
    record File(Path path) implements SmtpBody {
        public File {
            Objects.requireNonNull(path, "path");
        }

        @Override
        public long size() {
            try {
                return Files.size(path);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read the size of " + path, e);
            }
        }

        @Override
        public InputStream open() throws IOException {
            return Files.newInputStream(path);
        }
    }
}
