package org.mxguard.dns;

import java.net.InetAddress;
import java.util.Optional;

/** Parses IP address text without ever touching DNS (InetAddress.getByName would resolve names). */
public final class InetAddresses {
    private InetAddresses() {
    }

    public static boolean isLiteral(String text) {
        return parse(text).isPresent();
    }

    public static Optional<InetAddress> parse(String text) {
        String t = text.trim();
        if (t.startsWith("[") && t.endsWith("]")) {
            t = t.substring(1, t.length() - 1);
        }
        if (t.regionMatches(true, 0, "IPv6:", 0, 5)) {
            t = t.substring(5);
        }
        if (!com.google.common.net.InetAddresses.isInetAddress(t)) {
            return Optional.empty();
        }
        return Optional.of(DnsNames.canonical(com.google.common.net.InetAddresses.forString(t)));
    }

    /** Parses or throws IllegalArgumentException naming the bad text. */
    public static InetAddress require(String text) {
        return parse(text).orElseThrow(() -> new IllegalArgumentException("not an IP address: " + text));
    }
}
