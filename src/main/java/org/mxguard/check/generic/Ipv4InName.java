package org.mxguard.check.generic;

/**
 * Finds a given IPv4 address in a host part, in the forms ISPs use:
 * four decimal octets in any order with any separators ({@code 33-35-12-100},
 * {@code 100.12.35.33}, {@code 33.red-83-45-6}, {@code host31-166-dynamic.54-79}), zero-padded or
 * glued ({@code 033035012100}, {@code softbank126012034056}), hex ({@code p5b0c1234},
 * {@code 0x21230c64}, {@code x2f7f95e}), three hex octets plus a decimal one
 * ({@code 54f9a1-2}), and, as a partial match, two or three octets ({@code 168-207},
 * {@code w90-89}, {@code mail-4318}).
 */
public final class Ipv4InName {
    private Ipv4InName() {
    }

    /** The strongest match of {@code address} (4 bytes) in the tokens, or null. */
    public static IpMatch find(HostTokens t, byte[] address) {
        int[] o = {address[0] & 0xff, address[1] & 0xff, address[2] & 0xff, address[3] & 0xff};
        IpMatch m = decimalWindow(t, o);
        if (m == null) {
            m = glued(t, o);
        }
        if (m == null) {
            m = hex(t.text(), o);
        }
        if (m == null) {
            m = partial(t, o);
        }
        return m;
    }

    private static IpMatch decimalWindow(HostTokens t, int[] o) {
        for (int i = 0; i + 3 < t.runCount(); i++) {
            if (sameOctets(t, i, o)) {
                int[] got = {t.octet(i), t.octet(i + 1), t.octet(i + 2), t.octet(i + 3)};
                return new IpMatch(IpMatch.Kind.FULL, order(got, o) + ", " + separators(t, i, 4), dotted(o));
            }
        }
        return null;
    }

    /** The four runs from {@code first} hold the four octets, in any order. */
    private static boolean sameOctets(HostTokens t, int first, int[] o) {
        int used = 0;
        for (int k = 0; k < 4; k++) {
            int v = t.octet(first + k);
            if (v < 0) {
                return false;
            }
            int j = 0;
            while (j < 4 && (o[j] != v || (used & (1 << j)) != 0)) {
                j++;
            }
            if (j == 4) {
                return false;
            }
            used |= 1 << j;
        }
        return true;
    }

    private static String order(int[] got, int[] o) {
        if (got[0] == o[0] && got[1] == o[1] && got[2] == o[2] && got[3] == o[3]) {
            return "forward";
        }
        if (got[0] == o[3] && got[1] == o[2] && got[2] == o[1] && got[3] == o[0]) {
            return "reversed";
        }
        return "split";
    }

    /** "dashes", "dots", ... when all gaps between the runs are the same single character. */
    static String separators(HostTokens t, int first, int count) {
        char sep = 0;
        for (int k = first; k < first + count - 1; k++) {
            int from = t.runEnd(k);
            int to = t.runStart(k + 1);
            if (to - from != 1) {
                return "mixed separators";
            }
            char c = t.text().charAt(from);
            if (sep != 0 && c != sep) {
                return "mixed separators";
            }
            sep = c;
        }
        return switch (sep) {
            case '-' -> "dashes";
            case '.' -> "dots";
            case '_' -> "underscores";
            case 'x' -> "x separators";
            default -> "mixed separators";
        };
    }

    /** A single digit run holding all four octets, padded to three digits or not. */
    private static IpMatch glued(HostTokens t, int[] o) {
        String text = t.text();
        String fwdPadded = null;
        for (int i = 0; i < t.runCount(); i++) {
            int len = t.runLength(i);
            if (len < 4 || len > 12) {
                continue;
            }
            if (fwdPadded == null) {
                fwdPadded = padded(o[0], o[1], o[2], o[3]);
            }
            int start = t.runStart(i);
            if (len == 12 && text.regionMatches(start, fwdPadded, 0, 12)) {
                return new IpMatch(IpMatch.Kind.FULL, "zero-padded, no separator", dotted(o));
            }
            if (len == 12 && text.regionMatches(start, padded(o[3], o[2], o[1], o[0]), 0, 12)) {
                return new IpMatch(IpMatch.Kind.FULL, "reversed, zero-padded, no separator", dotted(o));
            }
            String plain = "" + o[0] + o[1] + o[2] + o[3];
            if (plain.length() == len && text.regionMatches(start, plain, 0, len)) {
                return new IpMatch(IpMatch.Kind.FULL, "no separator", dotted(o));
            }
            String reversed = "" + o[3] + o[2] + o[1] + o[0];
            if (reversed.length() == len && text.regionMatches(start, reversed, 0, len)) {
                return new IpMatch(IpMatch.Kind.FULL, "reversed, no separator", dotted(o));
            }
        }
        return null;
    }

    private static IpMatch hex(String text, int[] o) {
        String fwd = hex8(o[0], o[1], o[2], o[3]);
        if (hexAt(text, fwd, false)) {
            return new IpMatch(IpMatch.Kind.FULL, "hex", dotted(o));
        }
        if (hexAt(text, hex8(o[3], o[2], o[1], o[0]), false)) {
            return new IpMatch(IpMatch.Kind.FULL, "reversed hex", dotted(o));
        }
        // x2f7f95e.dyn.telefonica.de: the leading zero of a first octet below 16 is dropped
        if (o[0] < 16 && hexAt(text, fwd.substring(1), true)) {
            return new IpMatch(IpMatch.Kind.FULL, "hex", dotted(o));
        }
        // dsl-hkibng11-54f9a1-2.dhcp.inet.fi: three octets in hex, the last in decimal
        String first3 = fwd.substring(0, 6);
        for (int at = text.indexOf(first3); at >= 0; at = text.indexOf(first3, at + 1)) {
            if ((at == 0 || !HostTokens.isHex(text.charAt(at - 1))) && decimalAfter(text, at + 6) == o[3]) {
                return new IpMatch(IpMatch.Kind.FULL, "hex + decimal", dotted(o));
            }
        }
        return null;
    }

    /** The hex string occurs and is not the middle of a longer hex string. */
    private static boolean hexAt(String text, String hex, boolean boundedBefore) {
        for (int at = text.indexOf(hex); at >= 0; at = text.indexOf(hex, at + 1)) {
            int end = at + hex.length();
            boolean after = end == text.length() || !HostTokens.isHex(text.charAt(end));
            boolean before = !boundedBefore || at == 0 || !HostTokens.isHex(text.charAt(at - 1));
            if (after && before) {
                return true;
            }
        }
        return false;
    }

    /** The decimal octet after one separator at {@code from}, or -1. */
    private static int decimalAfter(String text, int from) {
        if (from >= text.length() || "-._".indexOf(text.charAt(from)) < 0) {
            return -1;
        }
        int value = 0;
        int digits = 0;
        for (int i = from + 1; i < text.length() && HostTokens.isDigit(text.charAt(i)); i++) {
            value = value * 10 + (text.charAt(i) - '0');
            digits++;
        }
        return digits >= 1 && digits <= 3 ? value : -1;
    }

    /** Two adjacent runs holding the last two (or first two) octets, or one run gluing them. */
    private static IpMatch partial(HostTokens t, int[] o) {
        for (int i = 0; i + 1 < t.runCount(); i++) {
            if (!t.singleSeparatorAfter(i)) {
                continue;
            }
            int v = t.octet(i);
            int w = t.octet(i + 1);
            if (v < 0 || w < 0) {
                continue;
            }
            String seps = separators(t, i, 2);
            if (v == o[2] && w == o[3]) {
                return new IpMatch(IpMatch.Kind.PARTIAL, "last octets, " + seps, o[2] + "." + o[3]);
            }
            if (v == o[3] && w == o[2]) {
                return new IpMatch(IpMatch.Kind.PARTIAL, "last octets reversed, " + seps, o[2] + "." + o[3]);
            }
            if (v == o[0] && w == o[1]) {
                return new IpMatch(IpMatch.Kind.PARTIAL, "first octets, " + seps, o[0] + "." + o[1]);
            }
        }
        String text = t.text();
        String[] glued = null;
        for (int i = 0; i < t.runCount(); i++) {
            int len = t.runLength(i);
            if (len < 3 || len > 9) {
                continue;
            }
            if (glued == null) {
                String padded = padded(0, o[1], o[2], o[3]);
                glued = new String[] {"" + o[2] + o[3], "" + o[3] + o[2], "" + o[1] + o[2] + o[3],
                    padded.substring(6), padded.substring(3)};
            }
            for (String g : glued) {
                if (g.length() == len && text.regionMatches(t.runStart(i), g, 0, len)) {
                    return new IpMatch(IpMatch.Kind.PARTIAL, "last octets, no separator", o[2] + "." + o[3]);
                }
            }
        }
        return null;
    }

    static String padded(int a, int b, int c, int d) {
        char[] out = new char[12];
        int[] v = {a, b, c, d};
        for (int k = 0; k < 4; k++) {
            out[k * 3] = (char) ('0' + v[k] / 100);
            out[k * 3 + 1] = (char) ('0' + v[k] / 10 % 10);
            out[k * 3 + 2] = (char) ('0' + v[k] % 10);
        }
        return new String(out);
    }

    static String hex8(int a, int b, int c, int d) {
        char[] out = new char[8];
        int[] v = {a, b, c, d};
        for (int k = 0; k < 4; k++) {
            out[k * 2] = Character.forDigit(v[k] >> 4, 16);
            out[k * 2 + 1] = Character.forDigit(v[k] & 0xf, 16);
        }
        return new String(out);
    }

    static String dotted(int[] o) {
        return o[0] + "." + o[1] + "." + o[2] + "." + o[3];
    }
}
