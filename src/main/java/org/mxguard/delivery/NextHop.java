package org.mxguard.delivery;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.regex.Pattern;
import org.mxguard.dns.DnsNames;
import org.mxguard.dns.InetAddresses;

/**
 * A configured destination (a relay domain's next hop or the smart host): a host name or an IP
 * address, and a port unless the {@linkplain Transports#defaultPort() default} applies. A name is
 * resolved with A/AAAA only, never MX, like Postfix's {@code [host]:port}: the configuration
 * names the very machine to talk to.
 */
public record NextHop(String host, OptionalInt port) {
    private static final Pattern HOST_NAME =
            Pattern.compile("(?i)[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?(\\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)*");

    public NextHop {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(port, "port");
        Optional<InetAddress> literal = InetAddresses.parse(host);
        host = literal.isPresent() ? DnsNames.text(literal.get()) : DnsNames.normalize(host);
        if (literal.isEmpty() && (!HOST_NAME.matcher(host).matches() || host.length() > 253)) {
            throw new IllegalArgumentException("\"" + host + "\" is neither an IP address nor a host name");
        }
        if (port.isPresent() && (port.getAsInt() < 1 || port.getAsInt() > 65535)) {
            throw new IllegalArgumentException("port " + port.getAsInt() + " out of range (1 to 65535)");
        }
    }

    public static NextHop of(String host) {
        return new NextHop(host, OptionalInt.empty());
    }

    public static NextHop of(String host, int port) {
        return new NextHop(host, OptionalInt.of(port));
    }

    /**
     * Parses {@code HOST}, {@code HOST:PORT}, {@code [HOST]}, {@code [HOST]:PORT} (Postfix's
     * brackets, accepted and meaning the same: no MX lookup is ever made), {@code [IPv6]:PORT} and
     * bare IPv6 (which cannot carry a port).
     */
    public static NextHop parse(String text) {
        String t = Objects.requireNonNull(text, "text").trim();
        try {
            if (t.startsWith("[")) {
                int close = t.indexOf(']');
                String rest = close < 0 ? "" : t.substring(close + 1);
                if (close < 0 || !(rest.isEmpty() || rest.startsWith(":"))) {
                    throw new IllegalArgumentException("expected [HOST] or [HOST]:PORT");
                }
                String host = t.substring(1, close);
                return rest.isEmpty() ? of(host) : of(host, port(rest.substring(1)));
            }
            int colon = t.indexOf(':');
            if (colon < 0 || t.indexOf(':', colon + 1) >= 0) {
                return of(t); // no port, or a bare IPv6 address
            }
            return of(t.substring(0, colon), port(t.substring(colon + 1)));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("bad next hop \"" + text + "\": " + e.getMessage(), e);
        }
    }

    private static int port(String digits) {
        if (digits.isEmpty() || digits.length() > 5 || !digits.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new IllegalArgumentException("bad port \"" + digits + "\"");
        }
        return Integer.parseInt(digits);
    }

    /** The address when the host is written as one. */
    public Optional<InetAddress> literal() {
        return InetAddresses.parse(host);
    }

    public int portOr(int defaultPort) {
        return port.orElse(defaultPort);
    }

    /** Parseable again: {@code host}, {@code host:port}, {@code [2001:db8::1]:port}. */
    @Override
    public String toString() {
        boolean v6 = literal().filter(a -> a instanceof Inet6Address).isPresent();
        String h = v6 && port.isPresent() ? "[" + host + "]" : host;
        return port.isPresent() ? h + ":" + port.getAsInt() : h;
    }
}
