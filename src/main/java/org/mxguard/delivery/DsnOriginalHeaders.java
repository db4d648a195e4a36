package org.mxguard.delivery;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The header section of the message being returned, without its body. Like Postfix's default, a
 * bounce carries only the headers: it stays small, does not send a large or harmful body back,
 * and is still enough for the sender to recognise the message.
 *
 * <p>The bytes are kept as they came, except that every line ends in CRLF and a line longer than
 * 998 octets is folded; 8-bit octets (raw UTF-8 in a Subject, say) are kept, and the report then
 * encodes this part as quoted-printable so the whole notification stays 7-bit.
 */
public final class DsnOriginalHeaders {
    private static final int MAX_LINE = DsnFormat.MAX_LINE;
    private static final DsnOriginalHeaders NONE = new DsnOriginalHeaders(new byte[0]);

    private final byte[] crlfLines;

    private DsnOriginalHeaders(byte[] crlfLines) {
        this.crlfLines = crlfLines;
    }

    /** The headers of a whole message: everything before the first empty line (CRLF or bare LF). */
    public static DsnOriginalHeaders of(byte[] message) {
        // ISO-8859-1 maps each octet to one char, so lengths are octets and nothing is lost.
        String text = new String(message, 0, endOfHeaders(message), StandardCharsets.ISO_8859_1);
        StringBuilder out = new StringBuilder();
        for (String line : text.split("\r\n|\r|\n")) {
            if (!line.isEmpty()) {
                out.append(foldLongLine(line)).append("\r\n");
            }
        }
        return new DsnOriginalHeaders(out.toString().getBytes(StandardCharsets.ISO_8859_1));
    }

    // The offset of the first empty line, without looking at (possibly large) bodies beyond it.
    private static int endOfHeaders(byte[] message) {
        int lineStart = 0;
        for (int i = 0; i < message.length; i++) {
            if (message[i] == '\r' || message[i] == '\n') {
                if (i == lineStart) {
                    return lineStart;
                }
                if (message[i] == '\r' && i + 1 < message.length && message[i + 1] == '\n') {
                    i++;
                }
                lineStart = i + 1;
            }
        }
        return message.length;
    }

    /** For a message whose content is not at hand: the report then has no third part. */
    public static DsnOriginalHeaders none() {
        return NONE;
    }

    /** The header lines, each ending in CRLF. */
    public byte[] bytes() {
        return crlfLines.clone();
    }

    public boolean isEmpty() {
        return crlfLines.length == 0;
    }

    /** True when some octet is not 7-bit ASCII. */
    public boolean hasEightBitOctets() {
        for (byte b : crlfLines) {
            if (b < 0) {
                return true;
            }
        }
        return false;
    }

    /** The unfolded value of the first field with this name (case-insensitive). */
    public Optional<String> value(String name) {
        String wanted = name.toLowerCase(Locale.ROOT);
        for (String field : unfoldedFields()) {
            int colon = field.indexOf(':');
            if (colon > 0 && field.substring(0, colon).strip().toLowerCase(Locale.ROOT).equals(wanted)) {
                return Optional.of(field.substring(colon + 1).strip());
            }
        }
        return Optional.empty();
    }

    private List<String> unfoldedFields() {
        List<String> fields = new ArrayList<>();
        for (String line : new String(crlfLines, StandardCharsets.ISO_8859_1).split("\r\n")) {
            boolean continuation = !line.isEmpty() && (line.charAt(0) == ' ' || line.charAt(0) == '\t');
            if (continuation && !fields.isEmpty()) {
                fields.set(fields.size() - 1, fields.getLast() + line);
            } else {
                fields.add(line);
            }
        }
        return fields;
    }

    // A line this long breaks SMTP's limit; folding it adds whitespace but keeps every octet.
    private static String foldLongLine(String line) {
        if (line.length() <= MAX_LINE) {
            return line;
        }
        StringBuilder folded = new StringBuilder(line.substring(0, MAX_LINE));
        for (int at = MAX_LINE; at < line.length(); at += MAX_LINE - 1) {
            folded.append("\r\n ").append(line, at, Math.min(line.length(), at + MAX_LINE - 1));
        }
        return folded.toString();
    }
}
