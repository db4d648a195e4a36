package org.mxguard.smtp;

import java.net.IDN;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.mxguard.check.HostNameSyntax;
import org.mxguard.dns.DnsNames;
import org.mxguard.dns.InetAddresses;

/**
 * The one normal form of a mail domain, so that a path's domain and a configured relay domain
 * compare equal exactly when they name the same thing: lower-case A-labels without a trailing
 * dot, or a canonical address literal.
 */
final class MailDomain {
    private static final Pattern IPV4 = Pattern.compile("(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})");
    private static final Pattern IPV6_TEXT = Pattern.compile("[0-9A-Fa-f:.]+");

    private MailDomain() {
    }

    /**
     * {@code Bücher.Example.} becomes {@code xn--bcher-kva.example}. U-labels go through
     * {@link IDN#toASCII} (IDNA2003, the JDK's; it maps ß to ss where IDNA2008 keeps it, which only
     * matters in that both sides of a comparison use this same function). One trailing dot is
     * dropped (Postfix does the same); the result must be an RFC 1123 FQDN, at most 253 octets.
     *
     * @throws IllegalArgumentException saying why the text is no domain
     */
    static String normalize(String text) {
        String ascii = text;
        if (!isAscii(text)) {
            try {
                ascii = IDN.toASCII(text, IDN.USE_STD3_ASCII_RULES);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("not an internationalized domain name: " + e.getMessage());
            }
        }
        ascii = ascii.toLowerCase(Locale.ROOT);
        if (ascii.endsWith(".")) {
            ascii = ascii.substring(0, ascii.length() - 1);
        }
        String problem = HostNameSyntax.problem(ascii);
        if (problem != null) {
            throw new IllegalArgumentException(problem);
        }
        return ascii;
    }

    /**
     * An RFC 5321 §4.1.3 address literal, {@code [192.0.2.1]} or {@code [IPv6:2001:db8::1]}, in
     * canonical form: no leading zeros, compressed IPv6, and an IPv4-mapped IPv6 address as IPv4
     * (one spelling per machine). General literals with other tags are refused: none is registered.
     *
     * @throws IllegalArgumentException saying why the text is no address literal
     */
    static String literal(String text) {
        if (text.length() < 2 || text.charAt(0) != '[' || text.charAt(text.length() - 1) != ']') {
            throw new IllegalArgumentException("address literal not in brackets");
        }
        String inner = text.substring(1, text.length() - 1);
        InetAddress address;
        if (inner.regionMatches(true, 0, "IPv6:", 0, 5)) {
            String v6 = inner.substring(5);
            // a colon makes it IPv6 text; the character set keeps zone ids (%eth0) out
            if (v6.indexOf(':') < 0 || !IPV6_TEXT.matcher(v6).matches()) {
                throw new IllegalArgumentException("bad IPv6 address literal");
            }
            address = InetAddresses.parse(v6)
                    .orElseThrow(() -> new IllegalArgumentException("bad IPv6 address literal"));
        } else {
            address = ipv4(inner);
        }
        return address instanceof Inet4Address
                ? "[" + address.getHostAddress() + "]"
                : "[IPv6:" + DnsNames.text(address) + "]";
    }

    /** RFC 5321 IPv4-address-literal: four Snum of 1 to 3 decimal digits, each at most 255. */
    private static InetAddress ipv4(String text) {
        Matcher m = IPV4.matcher(text);
        if (!m.matches()) {
            throw new IllegalArgumentException("unsupported address literal");
        }
        byte[] bytes = new byte[4];
        for (int i = 0; i < 4; i++) {
            int n = Integer.parseInt(m.group(i + 1));
            if (n > 255) {
                throw new IllegalArgumentException("bad IPv4 address literal");
            }
            bytes[i] = (byte) n;
        }
        try {
            return InetAddress.getByAddress(bytes);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e); // four bytes are always an address
        }
    }

    /**
     * A relay domain as configured: a domain ({@code example.org}, that domain only) or
     * {@code .example.org} (its subdomains only), the transport(5) notation Transports uses.
     */
    static String relayKey(String text) {
        String t = text.strip();
        boolean subdomains = t.startsWith(".");
        try {
            return (subdomains ? "." : "") + normalize(subdomains ? t.substring(1) : t);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("bad relay domain \"" + text + "\": " + e.getMessage());
        }
    }

    static boolean isAscii(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) >= 0x80) {
                return false;
            }
        }
        return true;
    }
}
