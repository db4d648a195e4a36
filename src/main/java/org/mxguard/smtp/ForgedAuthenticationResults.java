package org.mxguard.smtp;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Finds the {@code Authentication-Results:} fields of an incoming message that claim to come from
 * us. RFC 8601 §5: a border MTA must remove such fields, or a sender could forge our verdict and
 * downstream filters would believe it. A field claims us when its authserv-id equals ours, ignoring
 * case (and a trailing dot); fields of other authserv-ids are left alone.
 *
 * <p>Only the header block is read: it ends at the first empty line. Lines may end in CRLF or a
 * bare LF; a line starting with a space or tab continues the field before it.
 */
public final class ForgedAuthenticationResults {
    private ForgedAuthenticationResults() {
    }

    /** One header field as a byte range of the message: its first line to its last line's end. */
    public record Span(int start, int end) {
    }

    /** The fields to drop, in message order. */
    public static List<Span> find(byte[] message, String authservId) {
        String ours = comparable(authservId);
        List<Span> found = new ArrayList<>();
        int fieldStart = -1;
        int pos = 0;
        while (pos < message.length) {
            int end = lineEnd(message, pos);
            boolean empty = end - pos <= 2 && isLineBreakOnly(message, pos, end);
            boolean continuation = message[pos] == ' ' || message[pos] == '\t';
            if (!continuation || empty) {
                if (fieldStart >= 0 && claimsUs(message, fieldStart, pos, ours)) {
                    found.add(new Span(fieldStart, pos));
                }
                fieldStart = empty ? -1 : pos;
                if (empty) {
                    return found;
                }
            }
            pos = end;
        }
        if (fieldStart >= 0 && claimsUs(message, fieldStart, pos, ours)) {
            found.add(new Span(fieldStart, pos));
        }
        return found;
    }

    /** The message without the fields {@link #find} names. */
    public static byte[] remove(byte[] message, String authservId) {
        List<Span> spans = find(message, authservId);
        if (spans.isEmpty()) {
            return message;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(message.length);
        int pos = 0;
        for (Span s : spans) {
            out.write(message, pos, s.start() - pos);
            pos = s.end();
        }
        out.write(message, pos, message.length - pos);
        return out.toByteArray();
    }

    /** The index after the line starting at {@code pos}, its LF included. */
    private static int lineEnd(byte[] m, int pos) {
        for (int i = pos; i < m.length; i++) {
            if (m[i] == '\n') {
                return i + 1;
            }
        }
        return m.length;
    }

    private static boolean isLineBreakOnly(byte[] m, int pos, int end) {
        return end - pos == 1 && m[pos] == '\n' || end - pos == 2 && m[pos] == '\r' && m[pos + 1] == '\n';
    }

    private static boolean claimsUs(byte[] m, int start, int end, String ours) {
        // ISO-8859-1 maps byte to char one for one; the name and a host-name id are ASCII anyway
        String field = new String(m, start, end - start, StandardCharsets.ISO_8859_1).replace("\r", "").replace("\n", "");
        int colon = field.indexOf(':');
        if (colon < 0 || !field.substring(0, colon).strip().equalsIgnoreCase(AuthenticationResultsHeader.NAME)) {
            return false;
        }
        return authservId(field.substring(colon + 1)).map(id -> comparable(id).equals(ours)).orElse(false);
    }

    /**
     * The authserv-id of an unfolded field body (RFC 8601 §2.2: {@code [CFWS] authserv-id}, a
     * token or a quoted-string), or empty when there is none.
     */
    static Optional<String> authservId(String body) {
        int i = skipCfws(body, 0);
        if (i >= body.length()) {
            return Optional.empty();
        }
        StringBuilder id = new StringBuilder();
        if (body.charAt(i) == '"') {
            for (i++; i < body.length() && body.charAt(i) != '"'; i++) {
                if (body.charAt(i) == '\\' && i + 1 < body.length()) {
                    i++;
                }
                id.append(body.charAt(i));
            }
        } else {
            for (; i < body.length() && !endsToken(body.charAt(i)); i++) {
                id.append(body.charAt(i));
            }
        }
        return id.isEmpty() ? Optional.empty() : Optional.of(id.toString().strip());
    }

    private static boolean endsToken(char c) {
        return c == ' ' || c == '\t' || c == ';' || c == '(' || c == '"';
    }

    /** Skips white space and (nested) comments. */
    private static int skipCfws(String s, int i) {
        int depth = 0;
        for (; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && depth > 0) {
                i++;
            } else if (c == '(') {
                depth++;
            } else if (c == ')' && depth > 0) {
                depth--;
            } else if (depth == 0 && c != ' ' && c != '\t') {
                return i;
            }
        }
        return i;
    }

    private static String comparable(String id) {
        String s = id.strip().toLowerCase(java.util.Locale.ROOT);
        return s.endsWith(".") ? s.substring(0, s.length() - 1) : s;
    }
}
