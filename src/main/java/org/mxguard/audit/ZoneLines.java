package org.mxguard.audit;

import java.net.InetAddress;
import org.mxguard.dns.DnsNames;

/** Zone-file lines for fixes: absolute names, so each line means the same in any zone file. */
final class ZoneLines {
    private ZoneLines() {
    }

    static String mx(String domain, int preference, String host) {
        return domain + ". IN MX " + preference + " " + host + ".";
    }

    static String address(String host, InetAddress ip) {
        return host + ". IN " + DnsNames.addressType(ip) + " " + DnsNames.text(ip);
    }

    static String ptr(InetAddress ip, String host) {
        return DnsNames.reverseName(ip) + ". IN PTR " + host + ".";
    }
}
