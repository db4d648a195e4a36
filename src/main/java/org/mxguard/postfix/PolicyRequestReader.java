package org.mxguard.postfix;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.mxguard.postfix.PolicyProtocolException.Kind;

/**
 * Reads policy requests from one connection as its bytes arrive: {@code name=value} lines ending in LF
 * (a CR before it is dropped), up to an empty line. The bytes come in whatever pieces the socket
 * gives; a line or request cut between two reads is put together. Lines and requests are limited in
 * size, so that a client cannot make the server hold an unbounded request. Only the attributes mxguard
 * uses are kept ({@link PolicyRequest#USED}); the others are checked for form and dropped. Values are
 * UTF-8 (SMTPUTF8 addresses); bytes that are not become U+FFFD. Empty lines between requests are
 * skipped. Not thread-safe: one per connection.
 */
final class PolicyRequestReader {
    private final int maxLineBytes;
    private final int maxRequestBytes;
    private final byte[] line;
    /** The names of {@link PolicyRequest#USED} in ASCII, by their index: a line's name is matched without a String. */
    private static final byte[][] NAMES = names();
    /** The bytes of the line under way, in {@link #line}. */
    private int length;
    /** The request under way, by PolicyRequest's index; made with its first attribute kept. */
    private String[] attributes;
    /** An attribute line of the request under way was read (one mxguard does not use counts too). */
    private boolean inRequest;
    private int requestBytes;

    PolicyRequestReader(int maxLineBytes, int maxRequestBytes) {
        this.maxLineBytes = maxLineBytes;
        this.maxRequestBytes = maxRequestBytes;
        this.line = new byte[maxLineBytes];
    }

    /**
     * Reads from the bytes (a heap buffer, from its position to its limit) up to the end of the next
     * request: that request, or null when the bytes end first (they are all taken, and the next call
     * goes on where this one stopped).
     */
    PolicyRequest next(ByteBuffer bytes) throws PolicyProtocolException {
        byte[] array = bytes.array();
        int offset = bytes.arrayOffset();
        int position = offset + bytes.position();
        int limit = offset + bytes.limit();
        try {
            while (position < limit) {
                // the bytes up to the LF (or all of them) at once, not one call a byte
                int lf = position;
                while (lf < limit && array[lf] != '\n') {
                    lf++;
                }
                int n = lf - position;
                if (length + n >= maxLineBytes) {
                    // the LF counts too: a line of exactly the limit, newline included, is allowed
                    throw new PolicyProtocolException(Kind.LINE_TOO_LONG, "a line longer than " + maxLineBytes + " bytes");
                }
                if (lf == limit) {
                    System.arraycopy(array, position, line, length, n); // the rest comes with the next bytes
                    length += n;
                    position = limit;
                    return null;
                }
                PolicyRequest request;
                if (length == 0) {
                    request = endOfLine(array, position, n); // whole in the bytes read: taken where it is
                } else {
                    System.arraycopy(array, position, line, length, n);
                    request = endOfLine(line, 0, length + n);
                    length = 0;
                }
                position = lf + 1;
                if (request != null) {
                    return request;
                }
            }
            return null;
        } finally {
            bytes.position(position - offset);
        }
    }

    /**
     * The client closed the connection: fine between requests, a {@link Kind#TRUNCATED} request in
     * the middle of one.
     */
    void endOfStream() throws PolicyProtocolException {
        if (length > 0) {
            throw new PolicyProtocolException(Kind.TRUNCATED, "connection closed in the middle of a line");
        }
        if (inRequest) {
            throw new PolicyProtocolException(Kind.TRUNCATED, "connection closed in the middle of a request");
        }
    }

    /** A whole line, bytes[from, from + lineLength) without its LF: the request when it was its empty last line. */
    private PolicyRequest endOfLine(byte[] bytes, int from, int lineLength) throws PolicyProtocolException {
        requestBytes += lineLength + 1;
        if (requestBytes > maxRequestBytes) {
            throw new PolicyProtocolException(Kind.REQUEST_TOO_LARGE, "request longer than " + maxRequestBytes + " bytes");
        }
        int end = from + (lineLength > 0 && bytes[from + lineLength - 1] == '\r' ? lineLength - 1 : lineLength);
        if (end == from) {
            requestBytes = 0;
            if (!inRequest) {
                return null; // a stray empty line between requests
            }
            // a request of attributes mxguard does not use is a request all the same: it gets its answer
            PolicyRequest request = new PolicyRequest(attributes != null ? attributes : new String[PolicyRequest.COUNT]);
            attributes = null;
            inRequest = false;
            return request;
        }
        inRequest = true;
        int equals = indexOf(bytes, (byte) '=', from, end);
        if (equals <= from) {
            throw new PolicyProtocolException(Kind.MALFORMED_LINE, equals < 0
                    ? "a line without '=': " + preview(bytes, from, end) : "an attribute without a name: " + preview(bytes, from, end));
        }
        int index = index(bytes, from, equals);
        if (index >= 0) {
            if (attributes == null) {
                attributes = new String[PolicyRequest.COUNT];
            }
            attributes[index] = new String(bytes, equals + 1, end - equals - 1, StandardCharsets.UTF_8);
        }
        return null;
    }

    private static byte[][] names() {
        byte[][] names = new byte[PolicyRequest.COUNT][];
        for (String name : PolicyRequest.USED) {
            names[PolicyRequest.index(name)] = name.getBytes(StandardCharsets.ISO_8859_1);
        }
        return names;
    }

    /** The {@link PolicyRequest#index} of the name in bytes[from, end), or -1 for one mxguard does not use. */
    private static int index(byte[] bytes, int from, int end) {
        int length = end - from;
        for (int i = 0; i < NAMES.length; i++) {
            byte[] name = NAMES[i];
            if (name.length == length && Arrays.equals(name, 0, length, bytes, from, end)) {
                return i;
            }
        }
        return -1;
    }

    private static int indexOf(byte[] bytes, byte wanted, int from, int end) {
        for (int i = from; i < end; i++) {
            if (bytes[i] == wanted) {
                return i;
            }
        }
        return -1;
    }

    /** The start of a bad line for the log, its control characters made visible. */
    private static String preview(byte[] bytes, int from, int end) {
        String text = new String(bytes, from, Math.min(end - from, 60), StandardCharsets.UTF_8);
        return '"' + text.replaceAll("\\p{Cntrl}", "?") + (end - from > 60 ? "...\"" : "\"");
    }
}
