package org.mxguard.smtp;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.mxguard.policy.Reply;

/**
 * One RFC 5321 §4.1.2 esmtp-param after a path: {@code KEYWORD} or {@code KEYWORD=value}.
 *
 * @param keyword upper case (keywords are case-insensitive)
 * @param value   absent for a bare keyword
 * @param text    as the client sent it, for replies
 */
record EsmtpParameter(String keyword, Optional<String> value, String text) {
    static final Reply SYNTAX = new Reply(501, "5.5.4", "Syntax error in parameters");

    /**
     * Splits the text after the path's '>'. Parameters are separated by spaces; runs of spaces and
     * trailing spaces are tolerated, as they cost nothing to accept.
     */
    static List<EsmtpParameter> split(String text) throws SmtpArgumentException {
        List<EsmtpParameter> params = new ArrayList<>();
        for (String token : text.split(" ")) {
            if (!token.isEmpty()) {
                params.add(parse(token));
            }
        }
        return params;
    }

    private static EsmtpParameter parse(String token) throws SmtpArgumentException {
        int eq = token.indexOf('=');
        String keyword = eq < 0 ? token : token.substring(0, eq);
        if (!isKeyword(keyword)) {
            throw new SmtpArgumentException(SYNTAX, "bad parameter keyword in " + printable(token));
        }
        if (eq < 0) {
            return new EsmtpParameter(keyword.toUpperCase(Locale.ROOT), Optional.empty(), token);
        }
        String value = token.substring(eq + 1);
        if (!isValue(value)) {
            throw new SmtpArgumentException(SYNTAX, "bad parameter value in " + printable(token));
        }
        return new EsmtpParameter(keyword.toUpperCase(Locale.ROOT), Optional.of(value), token);
    }

    /** esmtp-keyword = (ALPHA / DIGIT) *(ALPHA / DIGIT / "-") */
    private static boolean isKeyword(String s) {
        if (s.isEmpty() || s.charAt(0) == '-') {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-')) {
                return false;
            }
        }
        return true;
    }

    /** esmtp-value = 1*(%d33-60 / %d62-126), RFC 6531 adding UTF8-non-ascii */
    private static boolean isValue(String s) {
        if (s.isEmpty()) {
            return false;
        }
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            boolean ok = (cp >= 33 && cp <= 126 && cp != '=') || LocalPart.isUtf8NonAscii(cp);
            if (!ok) {
                return false;
            }
            i += Character.charCount(cp);
        }
        return true;
    }

    /** The client's text made safe for a reply line: printable ASCII, at most 64 characters. */
    static String printable(String s) {
        StringBuilder sb = new StringBuilder(Math.min(s.length(), 67));
        for (int i = 0; i < s.length() && i < 64; i++) {
            char c = s.charAt(i);
            sb.append(c >= 0x20 && c < 0x7f ? c : '?');
        }
        return s.length() > 64 ? sb.append("...").toString() : sb.toString();
    }
}
