package org.mxguard.delivery;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
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
        return new File(file, "");
    }

    /** A queue file sent after the header fields the gateway added in front of it (Envelope#traceHeaders). */
    static SmtpBody of(String prefix, Path file) {
        return new File(file, prefix);
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

    /** A message in a file, such as a queue file, with header fields to send before it ("" for none). */
    record File(Path path, String prefix) implements SmtpBody {
        public File {
            Objects.requireNonNull(path, "path");
            Objects.requireNonNull(prefix, "prefix");
        }

        @Override
        public long size() {
            try {
                return prefix.getBytes(StandardCharsets.UTF_8).length + Files.size(path);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read the size of " + path, e);
            }
        }

        @Override
        public InputStream open() throws IOException {
            InputStream file = Files.newInputStream(path);
            return prefix.isEmpty() ? file
                    : new SequenceInputStream(new ByteArrayInputStream(prefix.getBytes(StandardCharsets.UTF_8)), file);
        }
    }
}
