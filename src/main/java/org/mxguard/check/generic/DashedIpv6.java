package org.mxguard.check.generic;

/**
 * IPv6 written as dash-separated groups inside a label, with "--" standing for "::":
 * {@code 2001-1c00-8d85-5700-266e-96ff-fe07-7dcc.cable.dynamic.v6.ziggo.nl},
 * {@code ip6-2001-db8-1--5.example.net}. Only labels with "--" or at least seven dashes are
 * looked at, so ordinary dashed IPv4 names cost nothing here.
 */
public final class DashedIpv6 {
    private static final int MAX_TOKENS = 24;

    private DashedIpv6() {
    }

    /**
     * The eight groups of the first dashed IPv6 address in the host part that equals
     * {@code target}, or, when {@code target} is null, that looks like a global unicast address
     * (first group 2xxx or 3xxx, at least three groups written). Null if none.
     */
    public static int[] find(String hostPart, int[] target) {
        int labelStart = 0;
        while (labelStart <= hostPart.length()) {
            int dot = hostPart.indexOf('.', labelStart);
            int labelEnd = dot < 0 ? hostPart.length() : dot;
            int[] found = inLabel(hostPart, labelStart, labelEnd, target);
            if (found != null) {
                return found;
            }
            if (dot < 0) {
                break;
            }
            labelStart = dot + 1;
        }
        return null;
    }

    private static int[] inLabel(String s, int from, int to, int[] target) {
        int dashes = 0;
        boolean doubleDash = false;
        for (int i = from; i < to; i++) {
            if (s.charAt(i) == '-') {
                dashes++;
                doubleDash |= i + 1 < to && s.charAt(i + 1) == '-';
            }
        }
        if (!doubleDash && dashes < 7) {
            return null;
        }
        int[] starts = new int[MAX_TOKENS];
        int[] ends = new int[MAX_TOKENS];
        int n = 0;
        int tokenStart = from;
        for (int i = from; i <= to && n < MAX_TOKENS; i++) {
            if (i == to || s.charAt(i) == '-') {
                starts[n] = tokenStart;
                ends[n++] = i;
                tokenStart = i + 1;
            }
        }
        for (int first = 0; first < n; first++) {
            for (int last = Math.min(n, first + 9); last >= first + 3; last--) {
                int[] groups = parse(s, starts, ends, first, last);
                if (groups != null && accept(groups, target, s, starts[first], ends[first])) {
                    return groups;
                }
            }
        }
        return null;
    }

    private static boolean accept(int[] groups, int[] target, String s, int firstStart, int firstEnd) {
        if (target != null) {
            return java.util.Arrays.equals(groups, target);
        }
        char lead = firstEnd - firstStart == 4 ? s.charAt(firstStart) : 0;
        return lead == '2' || lead == '3';
    }

    /** Tokens [first, last) as eight groups, or null if they are not an IPv6 address. */
    private static int[] parse(String s, int[] starts, int[] ends, int first, int last) {
        int gapAt = -1;
        int gapLen = 0;
        int written = 0;
        for (int k = first; k < last; k++) {
            int len = ends[k] - starts[k];
            if (len == 0) {
                if (gapAt < 0) {
                    gapAt = k;
                } else if (k != gapAt + gapLen) {
                    return null;
                }
                gapLen++;
            } else if (len > 4 || !allHex(s, starts[k], ends[k])) {
                return null;
            } else {
                written++;
            }
        }
        if (gapAt < 0 ? written != 8 : written > 7 || written < 2) {
            return null;
        }
        boolean edge = gapAt == first || gapAt + gapLen == last;
        if (gapAt >= 0 && gapLen != (edge ? 2 : 1)) {
            return null;
        }
        int[] groups = new int[8];
        int g = 0;
        for (int k = first; k < last; k++) {
            if (k == gapAt) {
                g += 8 - written;
                k += gapLen - 1;
                continue;
            }
            groups[g++] = Integer.parseInt(s, starts[k], ends[k], 16);
        }
        return groups;
    }

    private static boolean allHex(String s, int from, int to) {
        for (int i = from; i < to; i++) {
            if (!HostTokens.isHex(s.charAt(i))) {
                return false;
            }
        }
        return true;
    }
}
