package org.mxguard.delivery;

import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/** The text conventions a notification shares: dates, folded fields, safe values, CRLF. */
final class DsnFormat {
    static final String CRLF = "\r\n";
    /** Where lines are folded when they can be; RFC 5322 §2.1.1's "SHOULD". */
    static final int PREFERRED_LINE = 78;
    /** The hard limit without the CRLF (RFC 5322 §2.1.1, RFC 5321 §4.5.3.1.6). */
    static final int MAX_LINE = 998;

    // RFC 5322 §3.3 with a numeric zone; "GMT", which RFC_1123_DATE_TIME writes, is obsolete syntax.
    private static final DateTimeFormatter RFC_5322_DATE =
            DateTimeFormatter.ofPattern("EEE, d MMM yyyy HH:mm:ss xx", Locale.US);

    private DsnFormat() {
    }

    static String date(Instant instant, ZoneId zone) {
        return RFC_5322_DATE.format(instant.atZone(zone));
    }

    /** One header or report field, 7-bit, folded at spaces; always ends in CRLF. */
    static String field(String name, String value) {
        return wrap(name + ": " + ascii(value), " ") + CRLF;
    }

    /**
     * A header field whose value may keep UTF-8: only for the To: address of an internationalised
     * sender, which can only be reached over SMTPUTF8 (RFC 6531), where UTF-8 headers are allowed.
     */
    static String utf8Field(String name, String value) {
        return wrap(name + ": " + withoutControls(value), " ") + CRLF;
    }

    /**
     * Breaks text at spaces into lines of at most {@value #PREFERRED_LINE} characters where a
     * word allows it and never more than {@value #MAX_LINE}; continuation lines start with
     * {@code indent}. Runs of spaces become one. The lines are joined with CRLF, no final CRLF.
     */
    static String wrap(String text, String indent) {
        StringBuilder out = new StringBuilder();
        StringBuilder line = new StringBuilder();
        boolean lineHasWord = false;
        for (String word : text.strip().split(" +")) {
            if (lineHasWord && line.length() + 1 + word.length() > PREFERRED_LINE) {
                out.append(line).append(CRLF);
                line.setLength(0);
                line.append(indent);
                lineHasWord = false;
            }
            if (lineHasWord) {
                line.append(' ');
            }
            line.append(word);
            lineHasWord = true;
            // A word longer than the hard limit (a long token in a reply, say) is cut.
            while (line.length() > MAX_LINE) {
                out.append(line, 0, MAX_LINE).append(CRLF);
                String rest = line.substring(MAX_LINE);
                line.setLength(0);
                line.append(indent).append(rest);
            }
        }
        return out.append(line).toString();
    }

    /**
     * A value safe for a header or a report field: see {@link #withoutControls}, and non-ASCII
     * becomes '?', keeping the report 7-bit; SMTP replies are ASCII anyway (RFC 5321 §2.4).
     */
    static String ascii(String value) {
        return withoutControls(value).replaceAll("[^\\x20-\\x7e]", "?");
    }

    /** Control characters become spaces: a CR or LF in a value would otherwise start a new field. */
    static String withoutControls(String value) {
        return value.replaceAll("\\p{Cntrl}", " ");
    }

    /**
     * An address with its RFC 3464 address type: {@code rfc822; a@b}, or for an internationalised
     * address RFC 6533's {@code utf-8;} type in its 7-bit xtext form. Control characters are left
     * to {@link #field}, which makes them spaces.
     */
    static String typedAddress(String address) {
        String a = address.strip();
        if (a.chars().allMatch(c -> c < 0x80)) {
            return "rfc822; " + a;
        }
        StringBuilder xtext = new StringBuilder("utf-8; ");
        a.codePoints().forEach(c -> {
            boolean plain = c > 0x20 && c < 0x7f && c != '\\' && c != '+' && c != '=';
            xtext.append(plain ? Character.toString(c)
                    : "\\x{" + String.format(Locale.ROOT, "%02X", c) + "}");
        });
        return xtext.toString();
    }
}
