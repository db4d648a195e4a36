package org.mxguard.check.generic;

import java.net.Inet6Address;

/**
 * Finds a given IPv6 address in a host part: all 32 nibbles in a row
 * ({@code p200300cbc709620016baaf70999d6a1a.dip0.t-ipconnect.de},
 * {@code 2a01cb0585290000c08fcfaf4969c46f.ipv6.abo.wanadoo.fr}), reversed nibbles as in ip6.arpa,
 * dash-separated groups with "--" for "::", and, as a partial match, the 64-bit prefix or
 * interface identifier written out in full.
 */
public final class Ipv6InName {
    private Ipv6InName() {
    }

    /** The strongest match of {@code ip} in the host part, or null. */
    public static IpMatch find(String hostPart, Inet6Address ip) {
        byte[] address = ip.getAddress();
        if (DashedIpv6.find(hostPart, groups(address)) != null) {
            return match(IpMatch.Kind.FULL, "dashed groups", ip);
        }
        String nibbles = nibbles(address);
        String compact = alphanumeric(hostPart);
        if (compact.contains(nibbles)) {
            return match(IpMatch.Kind.FULL, "hex nibbles", ip);
        }
        if (compact.contains(new StringBuilder(nibbles).reverse())) {
            return match(IpMatch.Kind.FULL, "reversed nibbles", ip);
        }
        String prefix = nibbles.substring(0, 16);
        String interfaceId = nibbles.substring(16);
        // a short interface id (::610, ::1) is too common to mean anything on its own
        if (nonZeroGroups(address, 8) >= 2 && compact.contains(interfaceId)) {
            return match(IpMatch.Kind.PARTIAL, "interface id", ip);
        }
        if (compact.contains(prefix)) {
            return match(IpMatch.Kind.PARTIAL, "/64 prefix", ip);
        }
        return null;
    }

    // formatting the address costs more than the search, so only on a match
    private static IpMatch match(IpMatch.Kind kind, String form, Inet6Address ip) {
        return new IpMatch(kind, form, ip.getHostAddress());
    }

    static String nibbles(byte[] address) {
        char[] out = new char[32];
        for (int i = 0; i < 16; i++) {
            out[i * 2] = Character.forDigit((address[i] >> 4) & 0xf, 16);
            out[i * 2 + 1] = Character.forDigit(address[i] & 0xf, 16);
        }
        return new String(out);
    }

    static int[] groups(byte[] address) {
        int[] g = new int[8];
        for (int i = 0; i < 8; i++) {
            g[i] = ((address[i * 2] & 0xff) << 8) | (address[i * 2 + 1] & 0xff);
        }
        return g;
    }

    private static int nonZeroGroups(byte[] address, int fromByte) {
        int n = 0;
        for (int i = fromByte; i < 16; i += 2) {
            if (address[i] != 0 || address[i + 1] != 0) {
                n++;
            }
        }
        return n;
    }

    private static String alphanumeric(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (HostTokens.isDigit(c) || (c >= 'a' && c <= 'z')) {
                sb.append(c);
            }
        }
        return sb.toString();
    }
}
