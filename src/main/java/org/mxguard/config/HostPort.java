package org.mxguard.config;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Optional;
import java.util.regex.Pattern;
import org.mxguard.dns.InetAddresses;

/**
 * Parses {@code HOST:PORT}, {@code HOST}, {@code [IPv6]:PORT}, {@code [IPv6]} and bare IPv6 into a
 * socket address without any DNS lookup: IP text becomes a resolved address, a host name stays
 * unresolved ({@link InetSocketAddress#createUnresolved}) for whoever connects to decide.
 * Errors are IllegalArgumentExceptions whose message quotes the text and says what is wrong.
 */
public final class HostPort {
    private static final Pattern HOST_NAME =
            Pattern.compile("(?i)[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?(\\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)*\\.?");

    private HostPort() {
    }

    /** An IP address or host name, with {@code defaultPort} when the text has none. */
    public static InetSocketAddress parse(String text, int defaultPort) {
        Parts p = split(text, defaultPort);
        Optional<InetAddress> ip = InetAddresses.parse(p.host);
        if (ip.isPresent()) {
            return new InetSocketAddress(ip.get(), p.port);
        }
        if (p.host.chars().allMatch(c -> c == '.' || (c >= '0' && c <= '9'))) {
            throw new IllegalArgumentException(quote(text) + " is not a valid IP address");
        }
        if (p.bracketed || !HOST_NAME.matcher(p.host).matches() || p.host.length() > 254) {
            throw new IllegalArgumentException(quote(text) + " is neither an IP address nor a host name");
        }
        return InetSocketAddress.createUnresolved(p.host, p.port);
    }

    /**
     * Like {@link #parse} but the host must be an IP address, as for a DNS server (finding the
     * resolver by name would need a resolver).
     */
    public static InetSocketAddress parseIp(String text, int defaultPort) {
        InetSocketAddress a = parse(text, defaultPort);
        if (a.isUnresolved()) {
            throw new IllegalArgumentException(quote(text) + " is a host name; give an IP address");
        }
        return a;
    }

    private record Parts(String host, int port, boolean bracketed) {
    }

    private static Parts split(String text, int defaultPort) {
        String t = text == null ? "" : text.trim();
        if (t.isEmpty()) {
            throw new IllegalArgumentException("empty address (expected HOST, HOST:PORT or [IPv6]:PORT)");
        }
        if (t.startsWith("[")) {
            int close = t.indexOf(']');
            if (close < 0) {
                throw new IllegalArgumentException(quote(text) + " has '[' without ']'");
            }
            String host = t.substring(1, close);
            String rest = t.substring(close + 1);
            if (!rest.isEmpty() && !rest.startsWith(":")) {
                throw new IllegalArgumentException(quote(text) + " has text after ']' that is not :PORT");
            }
            if (InetAddresses.parse(host).isEmpty()) {
                throw new IllegalArgumentException(quote(text) + ": " + quote(host) + " is not an IP address");
            }
            return new Parts(host, rest.isEmpty() ? defaultPort : port(rest.substring(1), text), true);
        }
        int colon = t.indexOf(':');
        if (colon < 0) {
            return new Parts(t, defaultPort, false);
        }
        if (t.indexOf(':', colon + 1) >= 0) {
            // Two or more colons: only a bare IPv6 address, which cannot carry a port.
            if (InetAddresses.parse(t).isEmpty()) {
                throw new IllegalArgumentException(quote(text)
                        + " is not an IPv6 address (write an IPv6 address with a port as [2001:db8::53]:53)");
            }
            return new Parts(t, defaultPort, false);
        }
        if (colon == 0) {
            throw new IllegalArgumentException(quote(text) + " has a port but no host");
        }
        return new Parts(t.substring(0, colon), port(t.substring(colon + 1), text), false);
    }

    private static int port(String digits, String text) {
        if (digits.isEmpty() || digits.length() > 5 || !digits.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new IllegalArgumentException(quote(text) + " has a bad port " + quote(digits) + " (use 1 to 65535)");
        }
        int port = Integer.parseInt(digits);
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException(quote(text) + " has port " + port + " out of range (use 1 to 65535)");
        }
        return port;
    }

    private static String quote(String s) {
        return KeyPath.quote(s);
    }
}
