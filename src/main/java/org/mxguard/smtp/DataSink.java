package org.mxguard.smtp;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Optional;

/**
 * Where DATA goes while it is read: the spool draft's file. The message's header section is held
 * back until it is complete, so that {@code Authentication-Results:} fields claiming our
 * authserv-id can be dropped before anything is stored (RFC 8601 §5: otherwise a sender could
 * forge our verdict), and is kept for the end-of-data checks (From:, Reply-To:); the body streams
 * through. A failed write (full disk) stops the writing but not the reading: the session must
 * read to the end of data to stay in step with the client, and only then say it was not queued.
 */
final class DataSink extends OutputStream {
    /** A header section longer than this is stored as it came: the checks see the fields within it. */
    static final int HEADER_LIMIT = 64 * 1024;

    private final OutputStream file;
    private final String authservId;
    private final ByteArrayOutputStream header = new ByteArrayOutputStream(2048);
    private boolean headerDone;
    private byte[] storedHeader;
    /** The last bytes seen, to find the blank line that ends the header section. */
    private int last3;
    private int forged;
    private IOException failure;

    DataSink(OutputStream file, String authservId) {
        this.file = file;
        this.authservId = authservId;
    }

    @Override
    public void write(int b) {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] bytes, int offset, int length) {
        int i = offset;
        int end = offset + length;
        while (i < end && !headerDone) {
            byte b = bytes[i++];
            header.write(b);
            last3 = (last3 << 8 | (b & 0xff)) & 0xffffff;
            // CRLF CRLF ends the header section (the first CRLF ended its last field); CRLF first: none
            boolean blankLine = header.size() == 2 && last3 == 0x0d0a || last3 == 0x0a0d0a;
            if (blankLine || header.size() >= HEADER_LIMIT) {
                releaseHeader(blankLine);
            }
        }
        if (i < end) {
            store(bytes, i, end - i);
        }
    }

    /** Called when the data has ended: a message that is all header is stored now. */
    void finish() throws IOException {
        if (!headerDone) {
            releaseHeader(true);
        }
        if (failure == null) {
            try {
                file.flush();
            } catch (IOException e) {
                failure = e;
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    /** How many forged {@code Authentication-Results:} fields were dropped. */
    int forgedFieldsDropped() {
        return forged;
    }

    private void releaseHeader(boolean complete) {
        headerDone = true;
        byte[] received = header.toByteArray();
        // a section cut at the limit may end inside a field: it is stored untouched rather than half-read
        byte[] kept = complete ? ForgedAuthenticationResults.remove(received, authservId) : received;
        forged = complete ? ForgedAuthenticationResults.find(received, authservId).size() : 0;
        storedHeader = kept;
        store(kept, 0, kept.length);
    }

    private void store(byte[] bytes, int offset, int length) {
        if (failure == null) {
            try {
                file.write(bytes, offset, length);
            } catch (IOException e) {
                failure = e;
            }
        }
    }

    /**
     * The first field called {@code name} (case-insensitive) of the stored header section, unfolded
     * and trimmed; empty when there is none.
     */
    Optional<String> field(String name) {
        String text = new String(storedHeader == null ? header.toByteArray() : storedHeader, StandardCharsets.UTF_8);
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
