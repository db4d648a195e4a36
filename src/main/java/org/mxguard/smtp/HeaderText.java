package org.mxguard.smtp;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;

/**
 * The text rules the trace headers share: making untrusted text safe, quoting, RFC 5322 dates and
 * folding. Everything a client or a DNS answer supplies passes {@link #printable} first, so no CR,
 * LF or other control character reaches a header; {@link #field} then only ever breaks a line
 * before a single space, which is a legal fold in every position this package writes one.
 */
final class HeaderText {
    static final String CRLF = "\r\n";
    /** Where lines are folded when they can be; RFC 5322 §2.1.1's "SHOULD". */
    static final int PREFERRED_LINE = 78;
    /** The hard limit in octets without the CRLF (RFC 5322 §2.1.1, RFC 5321 §4.5.3.1.6). */
    static final int MAX_LINE = 998;

    // RFC 5322 §3.3 with a numeric zone; "GMT", which RFC_1123_DATE_TIME writes, is obsolete syntax.
    private static final DateTimeFormatter RFC_5322_DATE =
            DateTimeFormatter.ofPattern("EEE, d MMM yyyy HH:mm:ss xx", Locale.US);
    private static final String TSPECIALS = "()<>@,;:\\\"/[]?=";

    private HeaderText() {
    }

    static String date(Instant instant, ZoneId zone) {
        return RFC_5322_DATE.format(instant.atZone(zone));
    }

    /**
     * Untrusted text made safe for a header: controls and any kind of white space become one space
     * (so a CR or LF can never start a line, and folding always finds single spaces), code points
     * that cannot be written ({@code utf8} false: anything beyond ASCII) become '?', and more than
     * {@code max} code points are cut and marked with "...". Null becomes "".
     */
    static String printable(String text, boolean utf8, int max) {
        if (text == null) {
            return "";
        }
        StringBuilder out = new StringBuilder(Math.min(text.length(), max + 3));
        int kept = 0;
        boolean space = false;
        for (int i = 0; i < text.length(); ) {
            int c = text.codePointAt(i);
            i += Character.charCount(c);
            if (Character.isISOControl(c) || Character.isWhitespace(c) || Character.isSpaceChar(c)) {
                space = kept > 0;
                continue;
            }
            if (kept + (space ? 1 : 0) >= max) {
                out.append("...");
                return out.toString();
            }
            if (space) {
                out.append(' ');
                kept++;
                space = false;
            }
            out.appendCodePoint(writable(c, utf8) ? c : '?');
            kept++;
        }
        return out.toString();
    }

    /** Whether a non-space, non-control code point may appear as itself. */
    private static boolean writable(int c, boolean utf8) {
        if (c < 0x80) {
            return true;
        }
        if (!utf8) {
            return false;
        }
        // unpaired surrogates have no UTF-8 form; format and separator characters can hide or reflow text
        return switch (Character.getType(c)) {
            case Character.SURROGATE, Character.FORMAT, Character.UNASSIGNED, Character.PRIVATE_USE,
                    Character.LINE_SEPARATOR, Character.PARAGRAPH_SEPARATOR -> false;
            default -> true;
        };
    }

    /** An RFC 2045 token: printable ASCII without space and tspecials (the form of RFC 8601's {@code value}). */
    static boolean isToken(String s) {
        if (s.isEmpty()) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c <= ' ' || c >= 0x7f || TSPECIALS.indexOf(c) >= 0) {
                return false;
            }
        }
        return true;
    }

    /** An RFC 5322 quoted-string of text already made {@link #printable}: '"' and '\' escaped. */
    static String quoted(String printable) {
        return '"' + escape(printable, "\"\\") + '"';
    }

    /** An RFC 5322 comment of text already made {@link #printable}: parentheses and '\' escaped. */
    static String comment(String printable) {
        return '(' + escape(printable, "()\\") + ')';
    }

    private static String escape(String s, String special) {
        StringBuilder out = new StringBuilder(s.length() + 8);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (special.indexOf(c) >= 0) {
                out.append('\\');
            }
            out.append(c);
        }
        return out.toString();
    }

    /** A field of clauses that are each one part; see {@link #fieldOfParts}. */
    static String field(String name, List<String> clauses) {
        return fieldOfParts(name, clauses.stream().map(List::of).toList());
    }

    /**
     * One header field: {@code name:} then the clauses, each a list of parts. A clause stays on one
     * line when it fits in {@value #PREFERRED_LINE} octets, on the current line if it can, else on a
     * new one; a clause too long for any line is broken between its parts, and a part too long for
     * a line between its words. A fold is a CRLF inserted before a space, so unfolding gives back
     * exactly the parts joined by single spaces. Parts must be non-empty with single inner spaces
     * (what {@link #printable} makes); a word is never broken, so callers cap what they put in
     * one, which keeps every line within {@value #MAX_LINE} octets. Ends in CRLF.
     */
    static String fieldOfParts(String name, List<List<String>> clauses) {
        Folder f = new Folder(name + ":");
        for (List<String> clause : clauses) {
            f.clause(clause);
        }
        return f.finish();
    }

    /** The greedy line filler behind {@link #fieldOfParts}. */
    private static final class Folder {
        private final StringBuilder out = new StringBuilder(256);
        private final StringBuilder line = new StringBuilder(PREFERRED_LINE + 2);
        private int width;
        private boolean lineHasText;

        Folder(String start) {
            line.append(start);
            width = octets(start);
        }

        void clause(List<String> parts) {
            String whole = String.join(" ", parts);
            if (place(whole)) {
                return;
            }
            for (String part : parts) {
                if (!place(part)) {
                    for (String word : part.split(" ")) {
                        if (lineHasText && !fits(word)) {
                            newLine();
                        }
                        append(word);
                    }
                }
            }
        }

        /** Puts text on this line, or else on a fresh one; false when it fits on neither. */
        private boolean place(String text) {
            if (fits(text)) {
                append(text);
                return true;
            }
            newLine();
            if (fits(text)) {
                append(text);
                return true;
            }
            return false;
        }

        private boolean fits(String text) {
            return width + 1 + octets(text) <= PREFERRED_LINE;
        }

        private void append(String text) {
            line.append(' ').append(text);
            width += 1 + octets(text);
            lineHasText = true;
        }

        /** Ends the line, unless nothing but the field name is on it. */
        private void newLine() {
            if (lineHasText) {
                out.append(line).append(CRLF);
                line.setLength(0);
                width = 0;
                lineHasText = false;
            }
        }

        String finish() {
            return out.append(line).append(CRLF).toString();
        }
    }

    static int octets(CharSequence s) {
        return s.toString().getBytes(StandardCharsets.UTF_8).length;
    }
}
