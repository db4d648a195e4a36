package org.mxguard.delivery;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.mxguard.dns.DnsNames;

/**
 * How mail leaves, from the configuration: relay domains go to their fixed next hop, everything
 * else to the smart host when there is one, otherwise by MX.
 *
 * <p>Relay domain keys follow Postfix's transport(5) convention: {@code example.org} matches that
 * domain only, {@code .example.org} matches every subdomain of it (not the domain itself); the
 * most specific key wins. Exact by default because subdomains are often separate mail systems,
 * and sending their mail to the parent's internal host should be said, not assumed.
 *
 * @param relayDomains domain key → next hop
 * @param smartHost    where all other mail goes, if set
 * @param defaultPort  the port of MX hosts and of next hops without one (25; tests use another)
 * @param addressOrder which address family of one host is tried first
 */
public record Transports(Map<String, NextHop> relayDomains, Optional<NextHop> smartHost, int defaultPort,
        AddressOrder addressOrder) {
    public static final int SMTP_PORT = 25;

    public Transports {
        Map<String, NextHop> keys = new LinkedHashMap<>();
        relayDomains.forEach((domain, hop) -> {
            String key = relayKey(domain);
            if (keys.put(key, Objects.requireNonNull(hop, "next hop of " + domain)) != null) {
                throw new IllegalArgumentException("relay domain \"" + key + "\" is given twice");
            }
        });
        relayDomains = Map.copyOf(keys);
        Objects.requireNonNull(smartHost, "smartHost");
        Objects.requireNonNull(addressOrder, "addressOrder");
        if (defaultPort < 1 || defaultPort > 65535) {
            throw new IllegalArgumentException("default port " + defaultPort + " out of range (1 to 65535)");
        }
    }

    /** Nothing configured: every domain by MX, on port 25, IPv4 first. */
    public static Transports mxOnly() {
        return new Transports(Map.of(), Optional.empty(), SMTP_PORT, AddressOrder.IPV4_FIRST);
    }

    public Transports withRelayDomain(String domain, NextHop nextHop) {
        Map<String, NextHop> more = new LinkedHashMap<>(relayDomains);
        more.put(domain, nextHop);
        return new Transports(more, smartHost, defaultPort, addressOrder);
    }

    public Transports withSmartHost(NextHop host) {
        return new Transports(relayDomains, Optional.of(host), defaultPort, addressOrder);
    }

    /** For {@code --delivery-port}: talk to MX hosts (and port-less next hops) on another port. */
    public Transports withDefaultPort(int port) {
        return new Transports(relayDomains, smartHost, port, addressOrder);
    }

    public Transports withAddressOrder(AddressOrder order) {
        return new Transports(relayDomains, smartHost, defaultPort, order);
    }

    /** The relay domain key matching {@code domain}, most specific first. */
    public Optional<String> relayKeyFor(String domain) {
        String d = aLabels(DnsNames.normalize(domain));
        if (relayDomains.containsKey(d)) {
            return Optional.of(d);
        }
        for (int dot = d.indexOf('.'); dot >= 0; dot = d.indexOf('.', dot + 1)) {
            String parent = d.substring(dot); // ".example.org" for "a.example.org"
            if (relayDomains.containsKey(parent)) {
                return Optional.of(parent);
            }
        }
        return Optional.empty();
    }

    private static String relayKey(String domain) {
        String key = DnsNames.normalize(Objects.requireNonNull(domain, "relay domain"));
        if (key.isEmpty() || key.equals(".") || key.contains("..") || key.indexOf(' ') >= 0) {
            throw new IllegalArgumentException("bad relay domain \"" + domain + "\"");
        }
        try {
            return aLabels(key);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("bad relay domain \"" + domain + "\": " + e.getMessage(), e);
        }
    }

    /**
     * An internationalized name in A-labels, lower case: the form the SMTP server's recipients
     * arrive in, so that a relay domain given as {@code bücher.example} matches mail for it.
     */
    private static String aLabels(String name) {
        boolean ascii = name.chars().allMatch(c -> c < 0x80);
        String converted = ascii ? name : (name.startsWith(".") ? "." : "")
                + java.net.IDN.toASCII(name.startsWith(".") ? name.substring(1) : name, java.net.IDN.USE_STD3_ASCII_RULES);
        return converted.toLowerCase(java.util.Locale.ROOT);
    }
}
