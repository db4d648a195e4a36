package org.mxguard.smtp;

/**
 * The part of a mailbox left of the '@' (RFC 5321 §4.1.2), case preserved as the RFC requires.
 *
 * @param value  the local part with the quoting removed: {@code "a b"} gives {@code a b},
 *               {@code "a\"b"} gives {@code a"b}
 * @param quoted whether the client sent it as a Quoted-string
 */
public record LocalPart(String value, boolean quoted) {
    public LocalPart {
        java.util.Objects.requireNonNull(value, "value");
    }

    /**
     * The form to write in a path: the Dot-string when the value is one (RFC 5321 §4.1.2 tells
     * senders not to quote needlessly), else a Quoted-string with '"' and '\' escaped.
     */
    public String wire() {
        if (isDotString(value)) {
            return value;
        }
        StringBuilder sb = new StringBuilder(value.length() + 2).append('"');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '"' || c == '\\') {
                sb.append('\\');
            }
            sb.append(c);
        }
        return sb.append('"').toString();
    }

    /** RFC 5321 Dot-string: atoms of atext (RFC 6531: and non-ASCII) joined by single dots. */
    static boolean isDotString(String s) {
        if (s.isEmpty() || s.charAt(0) == '.' || s.charAt(s.length() - 1) == '.' || s.contains("..")) {
            return false;
        }
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            if (cp != '.' && !isAtext(cp)) {
                return false;
            }
            i += Character.charCount(cp);
        }
        return true;
    }

    /** RFC 5322 atext, extended by RFC 6531 with every non-ASCII character. */
    static boolean isAtext(int cp) {
        return (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') || (cp >= '0' && cp <= '9')
                || (cp < 0x80 && "!#$%&'*+-/=?^_`{|}~".indexOf(cp) >= 0) || isUtf8NonAscii(cp);
    }

    /**
     * RFC 6532 UTF8-non-ascii, less C1 controls, lone surrogates and U+FFFD: the last two are what
     * a failed UTF-8 decoding leaves behind, never a character of anyone's mailbox.
     */
    static boolean isUtf8NonAscii(int cp) {
        return cp >= 0xa0 && cp != 0xfffd && !(cp >= Character.MIN_SURROGATE && cp <= Character.MAX_SURROGATE);
    }
}
