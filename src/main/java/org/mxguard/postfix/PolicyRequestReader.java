package org.mxguard.postfix;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.mxguard.postfix.PolicyProtocolException.Kind;

/**
 * Reads policy requests from one connection: {@code name=value} lines ending in LF (a CR before it is
 * dropped), up to an empty line. Lines and requests are limited in size, so that a client cannot make
 * the server hold an unbounded request. Only the attributes mxguard uses are kept ({@link
 * PolicyRequest#USED}); the others are checked for form and dropped. Values are UTF-8 (SMTPUTF8
 * addresses); bytes that are not become U+FFFD. Empty lines between requests are skipped. It buffers
 * the stream itself, without a lock per byte. Not thread-safe: one per connection.
 */
final class PolicyRequestReader {
    private final InputStream in;
    private final int maxLineBytes;
    private final int maxRequestBytes;
    private final byte[] line;
    private final byte[] buffer = new byte[8192];
    /** The names of {@link PolicyRequest#USED} in ASCII, by their index: a line's name is matched without a String. */
    private static final byte[][] NAMES = names();
    private int position;
    private int limit;

    PolicyRequestReader(InputStream in, int maxLineBytes, int maxRequestBytes) {
        this.in = in;
        this.maxLineBytes = maxLineBytes;
        this.maxRequestBytes = maxRequestBytes;
        this.line = new byte[maxLineBytes];
    }

    /** The next request, or null when the client closed the connection between requests. */
    PolicyRequest next() throws IOException {
        String[] attributes = null; // by PolicyRequest's index, made with the first attribute kept
        int requestBytes = 0;
        while (true) {
            int length = readLine();
            if (length < 0) {
                if (attributes == null && requestBytes == 0) {
                    return null;
                }
                throw new PolicyProtocolException(Kind.TRUNCATED, "connection closed in the middle of a request");
            }
            requestBytes += length + 1;
            if (requestBytes > maxRequestBytes) {
                throw new PolicyProtocolException(Kind.REQUEST_TOO_LARGE,
                        "request longer than " + maxRequestBytes + " bytes");
            }
            int end = length > 0 && line[length - 1] == '\r' ? length - 1 : length;
            if (end == 0) {
                if (attributes == null) {
                    requestBytes = 0; // a stray empty line between requests
                    continue;
                }
                return new PolicyRequest(attributes);
            }
            int equals = indexOf(line, (byte) '=', end);
            if (equals <= 0) {
                throw new PolicyProtocolException(Kind.MALFORMED_LINE, equals < 0
                        ? "a line without '=': " + preview(end) : "an attribute without a name: " + preview(end));
            }
            int index = index(line, equals);
            if (index >= 0) {
                if (attributes == null) {
                    attributes = new String[PolicyRequest.COUNT];
                }
                attributes[index] = new String(line, equals + 1, end - equals - 1, StandardCharsets.UTF_8);
            }
        }
    }

    /**
     * One line into {@link #line}, without its LF: its length, or -1 at the end of the stream before
     * any byte of it (a line cut off by the end of the stream counts as cut off).
     */
    private int readLine() throws IOException {
        int length = 0;
        while (true) {
            if (position == limit && !fill()) {
                if (length == 0) {
                    return -1;
                }
                throw new PolicyProtocolException(Kind.TRUNCATED, "connection closed in the middle of a line");
            }
            // the buffered bytes up to the LF (or all of them) at once, not one call a byte
            int start = position;
            int lf = start;
            while (lf < limit && buffer[lf] != '\n') {
                lf++;
            }
            int n = lf - start;
            if (length + n >= maxLineBytes) {
                // the LF counts too: a line of exactly the limit, newline included, is allowed
                throw new PolicyProtocolException(Kind.LINE_TOO_LONG, "a line longer than " + maxLineBytes + " bytes");
            }
            System.arraycopy(buffer, start, line, length, n);
            length += n;
            if (lf < limit) {
                position = lf + 1;
                return length;
            }
            position = limit;
        }
    }

    /** Reads more into the buffer; false at the end of the stream. */
    private boolean fill() throws IOException {
        int n = in.read(buffer, 0, buffer.length);
        if (n <= 0) {
            return false;
        }
        position = 0;
        limit = n;
        return true;
    }

    private static byte[][] names() {
        byte[][] names = new byte[PolicyRequest.COUNT][];
        for (String name : PolicyRequest.USED) {
            names[PolicyRequest.index(name)] = name.getBytes(StandardCharsets.ISO_8859_1);
        }
        return names;
    }

    /** The {@link PolicyRequest#index} of the name in bytes[0, length), or -1 for one mxguard does not use. */
    private static int index(byte[] bytes, int length) {
        for (int i = 0; i < NAMES.length; i++) {
            byte[] name = NAMES[i];
            if (name.length == length && Arrays.equals(name, 0, length, bytes, 0, length)) {
                return i;
            }
        }
        return -1;
    }

    private static int indexOf(byte[] bytes, byte wanted, int end) {
        for (int i = 0; i < end; i++) {
            if (bytes[i] == wanted) {
                return i;
            }
        }
        return -1;
    }

    /** The start of a bad line for the log, its control characters made visible. */
    private String preview(int end) {
        String text = new String(line, 0, Math.min(end, 60), StandardCharsets.UTF_8);
        return '"' + text.replaceAll("\\p{Cntrl}", "?") + (end > 60 ? "...\"" : "\"");
    }
}
