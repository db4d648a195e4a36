package org.mxguard.dns;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.Locale;

/** Small helpers for host names and reverse names. */
public final class DnsNames {
    private DnsNames() {
    }

    /** Lower case, no trailing dot; the root becomes "". */
    public static String normalize(String name) {
        if (isNormal(name)) {
            return name; // the common case on hot paths: names that came out of DNS answers
        }
        String n = name.trim().toLowerCase(Locale.ROOT);
        while (n.endsWith(".")) {
            n = n.substring(0, n.length() - 1);
        }
        return n;
    }

    private static boolean isNormal(String name) {
        int n = name.length();
        if (n > 0 && (name.charAt(n - 1) == '.' || name.charAt(0) <= ' ')) {
            return false;
        }
        for (int i = 0; i < n; i++) {
            char c = name.charAt(i);
            if ((c >= 'A' && c <= 'Z') || c <= ' ' || c > 0x7e) {
                return false;
            }
        }
        return true;
    }

    /** The in-addr.arpa or ip6.arpa name for an address. */
    public static String reverseName(InetAddress address) {
        byte[] bytes = address.getAddress();
        StringBuilder sb = new StringBuilder(80);
        if (address instanceof Inet4Address) {
            for (int i = bytes.length - 1; i >= 0; i--) {
                sb.append(bytes[i] & 0xff).append('.');
            }
            return sb.append("in-addr.arpa").toString();
        }
        for (int i = bytes.length - 1; i >= 0; i--) {
            sb.append(Character.forDigit(bytes[i] & 0x0f, 16)).append('.');
            sb.append(Character.forDigit((bytes[i] >> 4) & 0x0f, 16)).append('.');
        }
        return sb.append("ip6.arpa").toString();
    }

    /** The address family's record type: A for IPv4, AAAA for IPv6. */
    public static RecordType addressType(InetAddress address) {
        return address instanceof Inet6Address ? RecordType.AAAA : RecordType.A;
    }

    /**
     * IPv4-mapped IPv6 addresses (::ffff:192.0.2.7), as a dual-stack socket reports IPv4 clients,
     * become plain IPv4 so that PTR and A comparisons work.
     */
    public static InetAddress canonical(InetAddress address) {
        if (address instanceof Inet6Address v6) {
            byte[] b = v6.getAddress();
            boolean mapped = true;
            for (int i = 0; i < 10; i++) {
                mapped &= b[i] == 0;
            }
            mapped &= (b[10] & 0xff) == 0xff && (b[11] & 0xff) == 0xff;
            if (mapped) {
                try {
                    return InetAddress.getByAddress(new byte[] {b[12], b[13], b[14], b[15]});
                } catch (java.net.UnknownHostException e) {
                    throw new IllegalStateException(e);
                }
            }
        }
        return address;
    }

    /** HOST:PORT for messages and logs, with brackets around IPv6 ({@code [2001:db8::1]:25}). */
    public static String text(java.net.InetSocketAddress address) {
        String host = address.getAddress() == null ? address.getHostString() : text(address.getAddress());
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + address.getPort();
    }

    /** Text of an address: dotted quad, or compressed IPv6 without zone. */
    public static String text(InetAddress address) {
        if (address instanceof Inet6Address) {
            return compressIpv6(address.getAddress());
        }
        return address.getHostAddress();
    }

    private static String compressIpv6(byte[] b) {
        int[] groups = new int[8];
        for (int i = 0; i < 8; i++) {
            groups[i] = ((b[2 * i] & 0xff) << 8) | (b[2 * i + 1] & 0xff);
        }
        int bestStart = -1;
        int bestLen = 1;
        for (int i = 0; i < 8; ) {
            if (groups[i] == 0) {
                int j = i;
                while (j < 8 && groups[j] == 0) {
                    j++;
                }
                if (j - i > bestLen) {
                    bestStart = i;
                    bestLen = j - i;
                }
                i = j;
            } else {
                i++;
            }
        }
        StringBuilder sb = new StringBuilder(39);
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                sb.append("::");
                i += bestLen - 1;
                continue;
            }
            if (sb.length() > 0 && sb.charAt(sb.length() - 1) != ':') {
                sb.append(':');
            }
            sb.append(Integer.toHexString(groups[i]));
        }
        return sb.toString();
    }
}
