package org.mxguard.testbed;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

import org.xbill.DNS.Address;
import org.xbill.DNS.ReverseMap;

/**
 * A small builder that renders one master (RFC 1035) zone file for NSD.
 *
 * <p>All names may be given with or without the trailing dot; they are always treated as
 * absolute. Owner names must lie inside the zone's origin; targets (PTR, MX, CNAME, NS) may be
 * anywhere. The apex SOA and NS records are generated: {@code SOA ns.test. hostmaster.test.
 * (serial 3600 600 86400 60)} and {@code NS ns.test.}, with a default TTL of 300 and an SOA
 * minimum (negative-caching TTL) of 60.
 *
 * <pre>{@code
 * Zone z = new Zone("example.test")
 *     .a("mail.example.test", "127.0.5.1")
 *     .mx("example.test", 10, "mail.example.test")
 *     .delegate("sub.example.test", "ns.sub.example.test", "127.0.0.1");
 * String text = z.render();
 * }</pre>
 */
public final class Zone {

    /** Default TTL of every record. */
    public static final int DEFAULT_TTL = 300;
    /** SOA minimum, i.e. the negative-caching TTL (RFC 2308). */
    public static final int SOA_MINIMUM = 60;
    /** The name server host named in every generated apex NS record. */
    public static final String APEX_NS = "ns.test.";

    private final String origin;
    private final List<String> records = new ArrayList<>();
    private final long serial;

    /** Starts an empty zone for {@code origin} ({@code "."} for the root). */
    public Zone(String origin) {
        this(origin, 2024010101L);
    }

    /** Starts an empty zone for {@code origin} with an explicit SOA serial. */
    public Zone(String origin, long serial) {
        this.origin = absolute(origin);
        this.serial = serial;
    }

    /** The zone's origin, absolute and lower case, e.g. {@code "test."}. */
    public String origin() {
        return origin;
    }

    /** A file name for this zone, e.g. {@code "test.zone"}, {@code "root.zone"}. */
    public String fileName() {
        return origin.equals(".") ? "root.zone" : origin.substring(0, origin.length() - 1) + ".zone";
    }

    /** Whether {@code name} is at or below this zone's origin. */
    public boolean contains(String name) {
        String n = absolute(name);
        return origin.equals(".") || n.equals(origin) || n.endsWith("." + origin);
    }

    /** Owner {@code name} gets {@code A ipv4}. */
    public Zone a(String name, String ipv4) {
        if (!Address.isDottedQuad(ipv4)) {
            throw new IllegalArgumentException("not an IPv4 address: " + ipv4);
        }
        return record(name, "A", ipv4);
    }

    /** Owner {@code name} gets {@code AAAA ipv6}. */
    public Zone aaaa(String name, String ipv6) {
        InetAddress addr = parse(ipv6, Address.IPv6);
        return record(name, "AAAA", addr.getHostAddress());
    }

    /** Owner {@code name} gets {@code MX preference host}; host {@code "."} gives a null MX (RFC 7505). */
    public Zone mx(String name, int preference, String host) {
        return record(name, "MX", preference + " " + absolute(host));
    }

    /** Owner {@code name} (a reverse name like {@code 1.0.0.127.in-addr.arpa}) gets {@code PTR target}. */
    public Zone ptr(String name, String target) {
        return record(name, "PTR", absolute(target));
    }

    /** Adds one PTR record per target at the reverse name of {@code ip} (IPv4 or IPv6). */
    public Zone ptrFor(String ip, String... targets) {
        String reverse = reverseName(ip);
        for (String t : targets) {
            ptr(reverse, t);
        }
        return this;
    }

    /** Owner {@code name} gets {@code CNAME target}. */
    public Zone cname(String name, String target) {
        return record(name, "CNAME", absolute(target));
    }

    /** Owner {@code name} gets one TXT record made of the given character-strings. */
    public Zone txt(String name, String... strings) {
        StringBuilder sb = new StringBuilder();
        for (String s : strings) {
            if (!sb.isEmpty()) {
                sb.append(' ');
            }
            sb.append('"').append(s.replace("\\", "\\\\").replace("\"", "\\\"")).append('"');
        }
        return record(name, "TXT", sb.toString());
    }

    /** Owner {@code name} gets {@code NS host} (below the apex this is a delegation point). */
    public Zone ns(String name, String host) {
        return record(name, "NS", absolute(host));
    }

    /**
     * Delegates {@code child} to {@code nsHost}, adding an {@code A glueIp} glue record when the
     * host lies inside the zone (glueIp may be null for out-of-zone hosts).
     */
    public Zone delegate(String child, String nsHost, String glueIp) {
        ns(child, nsHost);
        if (glueIp != null) {
            if (Address.isDottedQuad(glueIp)) {
                a(nsHost, glueIp);
            } else {
                aaaa(nsHost, glueIp);
            }
        }
        return this;
    }

    /** Adds a record in presentation format: {@code name TTL IN type rdata}. */
    public Zone record(String name, String type, String rdata) {
        return record(name, DEFAULT_TTL, type, rdata);
    }

    /** Adds a record with an explicit TTL. */
    public Zone record(String name, int ttl, String type, String rdata) {
        String owner = absolute(name);
        if (!contains(owner)) {
            throw new IllegalArgumentException(owner + " is not inside zone " + origin);
        }
        records.add(owner + " " + ttl + " IN " + type.toUpperCase(Locale.ROOT) + " " + rdata);
        return this;
    }

    /** The records added so far (without the generated SOA/NS), in presentation format. */
    public List<String> records() {
        return Collections.unmodifiableList(records);
    }

    /** Renders the zone file text. */
    public String render() {
        StringBuilder sb = new StringBuilder();
        sb.append("; generated by org.mxguard.testbed.Zone\n");
        sb.append("$ORIGIN ").append(origin).append('\n');
        sb.append("$TTL ").append(DEFAULT_TTL).append('\n');
        sb.append(origin).append(' ').append(DEFAULT_TTL).append(" IN SOA ").append(APEX_NS)
                .append(" hostmaster.test. ").append(serial).append(" 3600 600 86400 ")
                .append(SOA_MINIMUM).append('\n');
        sb.append(origin).append(' ').append(DEFAULT_TTL).append(" IN NS ").append(APEX_NS).append('\n');
        for (String r : records) {
            sb.append(r).append('\n');
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        return "Zone[" + origin + ", " + records.size() + " records]";
    }

    /** Lower-cases {@code name} and appends the trailing dot if missing. */
    public static String absolute(String name) {
        Objects.requireNonNull(name, "name");
        String n = name.toLowerCase(Locale.ROOT);
        return n.endsWith(".") ? n : n + ".";
    }

    /** The reverse-lookup name of an IPv4 or IPv6 literal, e.g. {@code 1.1.0.127.in-addr.arpa.}. */
    public static String reverseName(String ip) {
        int family = ip.indexOf(':') >= 0 ? Address.IPv6 : Address.IPv4;
        return ReverseMap.fromAddress(parse(ip, family)).toString().toLowerCase(Locale.ROOT);
    }

    private static InetAddress parse(String ip, int family) {
        try {
            return Address.getByAddress(ip, family);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("not an IP literal: " + ip, e);
        }
    }
}
