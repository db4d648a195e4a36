package org.mxguard.smtp;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Optional;

/**
 * Where DATA goes while it is read: the spool draft's file, with the message's header section kept
 * aside for the end-of-data checks (From:, Reply-To:). A failed write (full disk) stops the writing
 * but not the reading: the session must still read to the end of data to stay in step with the
 * client, and only then answer that the message was not queued.
 */
final class DataSink extends OutputStream {
    /** Header sections longer than this are not kept whole: the checks see the fields within it. */
    static final int HEADER_LIMIT = 64 * 1024;

    private final OutputStream file;
    private final ByteArrayOutputStream header = new ByteArrayOutputStream(2048);
    private boolean headerDone;
    /** The last bytes seen, to find the blank line that ends the header section. */
    private int last3;
    private IOException failure;

    DataSink(OutputStream file) {
        this.file = file;
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] bytes, int offset, int length) {
        keepHeader(bytes, offset, length);
        if (failure == null) {
            try {
                file.write(bytes, offset, length);
            } catch (IOException e) {
                failure = e;
            }
        }
    }

    @Override
    public void flush() {
        if (failure == null) {
            try {
                file.flush();
            } catch (IOException e) {
                failure = e;
            }
        }
    }

    /** The write failure, if there was one: thrown once reading is over. */
    void throwFailure() throws IOException {
        if (failure != null) {
            throw failure;
        }
    }

    private void keepHeader(byte[] bytes, int offset, int length) {
        for (int i = offset; i < offset + length && !headerDone; i++) {
            if (header.size() >= HEADER_LIMIT) {
                headerDone = true;
                break;
            }
            header.write(bytes[i]);
            last3 = (last3 << 8 | (bytes[i] & 0xff)) & 0xffffff;
            // CRLF CRLF: the empty line after the header section (the first CRLF ended the last field)
            if (header.size() >= 2 && (header.size() == 2 && last3 == 0x0d0a || last3 == 0x0a0d0a)) {
                headerDone = true;
            }
        }
    }

    /**
     * The first field called {@code name} (case-insensitive), unfolded and trimmed; empty when the
     * header section has none.
     */
    Optional<String> field(String name) {
        String text = header.toString(StandardCharsets.UTF_8);
        String wanted = name.toLowerCase(Locale.ROOT) + ":";
        String[] lines = text.split("\r\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i];
            if (line.isEmpty()) {
                break; // end of the header section
            }
            if (line.toLowerCase(Locale.ROOT).startsWith(wanted)) {
                StringBuilder value = new StringBuilder(line.substring(wanted.length()));
                while (i + 1 < lines.length && !lines[i + 1].isEmpty()
                        && (lines[i + 1].charAt(0) == ' ' || lines[i + 1].charAt(0) == '\t')) {
                    value.append(' ').append(lines[++i].strip());
                }
                return Optional.of(value.toString().strip());
            }
        }
        return Optional.empty();
    }
}
