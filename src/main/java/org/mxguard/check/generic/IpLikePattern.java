package org.mxguard.check.generic;

/**
 * Address-shaped text in a host part, for when the client IP is unknown or is not the address
 * written: four decimal octets with single separators ({@code 73-15-102-43},
 * {@code 185x187x112x2}), twelve zero-padded digits ({@code 126012034056}), a hex IPv4 address as a
 * token with an optional short letter prefix ({@code p5b0c1234}, {@code 0xd5aaf40b},
 * {@code ool-18be1aaf}), 32 IPv6 nibbles, or dashed IPv6 groups.
 */
public final class IpLikePattern {
    private IpLikePattern() {
    }

    /** The first address-shaped text of any of these forms, or null. */
    public static IpMatch find(HostTokens t) {
        IpMatch m = decimal(t);
        return m != null ? m : encoded(t);
    }

    /**
     * Only the decimal forms. Used when the client IP is known but not written: four decimal
     * octets are an ISP naming scheme whatever address they spell, while a hex string that does
     * not decode to the client IP is more likely an id ({@code vps-1a2b3c4d.vps.ovh.net}).
     */
    public static IpMatch decimal(HostTokens t) {
        String text = t.text();
        for (int i = 0; i + 3 < t.runCount(); i++) {
            if (t.octet(i) >= 0 && t.octet(i + 1) >= 0 && t.octet(i + 2) >= 0 && t.octet(i + 3) >= 0
                    && t.singleSeparatorAfter(i) && t.singleSeparatorAfter(i + 1) && t.singleSeparatorAfter(i + 2)) {
                return like("4 decimal octets", text.substring(t.runStart(i), t.runEnd(i + 3)));
            }
        }
        for (int i = 0; i < t.runCount(); i++) {
            if (t.runLength(i) == 12 && paddedOctets(text, t.runStart(i))) {
                return like("12 zero-padded digits", text.substring(t.runStart(i), t.runEnd(i)));
            }
        }
        return null;
    }

    /** Hex IPv4 tokens, IPv6 nibbles and dashed IPv6 groups. */
    private static IpMatch encoded(HostTokens t) {
        String text = t.text();
        int pieceStart = 0;
        for (int i = 0; i <= text.length(); i++) {
            if (i == text.length() || text.charAt(i) == '.' || text.charAt(i) == '-' || text.charAt(i) == '_') {
                IpMatch m = piece(text, pieceStart, i);
                if (m != null) {
                    return m;
                }
                pieceStart = i + 1;
            }
        }
        int[] groups = DashedIpv6.find(text, null);
        if (groups != null) {
            StringBuilder shown = new StringBuilder(40);
            for (int g : groups) {
                shown.append(shown.isEmpty() ? "" : ":").append(Integer.toHexString(g));
            }
            return like("IPv6 groups", shown.toString());
        }
        return null;
    }

    private static IpMatch piece(String s, int from, int to) {
        int len = to - from;
        if (len >= 32 && len <= 35 && mixedHex(s, to - 32, to) && letters(s, from, to - 32, 3)) {
            return like("IPv6 nibbles", s.substring(from, to));
        }
        if (len < 8) {
            return null;
        }
        // p5b0c1234, ool-18be1aaf, 0x3ec6ec81, ip5f5aef4e; x2f7f95e with the leading zero dropped
        if (mixedHex(s, to - 8, to) && (letters(s, from, to - 8, 4) || s.startsWith("0x", from) && len == 10)) {
            return like("hex address", s.substring(from, to));
        }
        if (mixedHex(s, to - 7, to) && to - 7 - from >= 1 && letters(s, from, to - 7, 4)) {
            return like("hex address", s.substring(from, to));
        }
        return null;
    }

    /** All hex, with at least one digit and one letter, so words and plain numbers don't count. */
    private static boolean mixedHex(String s, int from, int to) {
        boolean digit = false;
        boolean letter = false;
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (HostTokens.isDigit(c)) {
                digit = true;
            } else if (c >= 'a' && c <= 'f') {
                letter = true;
            } else {
                return false;
            }
        }
        return digit && letter;
    }

    private static boolean letters(String s, int from, int to, int max) {
        if (to - from > max) {
            return false;
        }
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (c < 'a' || c > 'z') {
                return false;
            }
        }
        return true;
    }

    private static boolean paddedOctets(String s, int from) {
        for (int k = 0; k < 4; k++) {
            int v = (s.charAt(from + k * 3) - '0') * 100 + (s.charAt(from + k * 3 + 1) - '0') * 10 + (s.charAt(from + k * 3 + 2) - '0');
            if (v > 255) {
                return false;
            }
        }
        return true;
    }

    private static IpMatch like(String form, String text) {
        return new IpMatch(IpMatch.Kind.LIKE, form, text);
    }
}
