package org.mxguard.smtp;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Optional;
import org.mxguard.dns.DnsNames;

/**
 * Strict IP address text as the PROXY protocol and XCLIENT send it: never a DNS lookup, no
 * brackets, no zone index, and IPv4 only as four decimal numbers without leading zeros (which some
 * parsers would read as octal).
 */
final class IpLiteral {
    private IpLiteral() {
    }

    /** A dotted-quad IPv4 address. */
    static Optional<InetAddress> ipv4(String text) {
        String[] parts = text.split("\\.", -1);
        if (parts.length != 4) {
            return Optional.empty();
        }
        byte[] bytes = new byte[4];
        for (int i = 0; i < 4; i++) {
            int value = decimal(parts[i], 255);
            if (value < 0) {
                return Optional.empty();
            }
            bytes[i] = (byte) value;
        }
        return Optional.of(address(bytes));
    }

    /**
     * An IPv6 address in any RFC 4291 §2.2 text form (with {@code ::}, or an IPv4 tail); an
     * IPv4-mapped one comes back as the IPv4 address, as {@link DnsNames#canonical} makes every
     * client address.
     */
    static Optional<InetAddress> ipv6(String text) {
        if (text.indexOf(':') < 0 || text.length() > 45) {
            return Optional.empty();
        }
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            boolean ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == ':' || c == '.';
            if (!ok) {
                return Optional.empty(); // no zone index, no brackets
            }
        }
        if (!com.google.common.net.InetAddresses.isInetAddress(text)) {
            return Optional.empty();
        }
        return Optional.of(DnsNames.canonical(com.google.common.net.InetAddresses.forString(text)));
    }

    /** Decimal digits without a leading zero, at most {@code max}; -1 if not. */
    static int decimal(String text, int max) {
        int digits = String.valueOf(max).length();
        if (text.isEmpty() || text.length() > digits || (text.length() > 1 && text.charAt(0) == '0')) {
            return -1;
        }
        int value = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            value = value * 10 + (c - '0');
        }
        return value <= max ? value : -1;
    }

    /** The address of 4 or 16 bytes, canonical (an IPv4-mapped IPv6 address is made IPv4). */
    static InetAddress address(byte[] bytes) {
        try {
            return DnsNames.canonical(InetAddress.getByAddress(bytes));
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("not 4 or 16 bytes: " + bytes.length, e);
        }
    }
}
