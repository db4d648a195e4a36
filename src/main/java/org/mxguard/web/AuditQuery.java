package org.mxguard.web;

import java.net.IDN;
import java.net.InetAddress;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import org.mxguard.dns.DnsNames;
import org.mxguard.dns.InetAddresses;

/**
 * What one audit asks, as a web form or URL gives it: {@code domain}, {@code egress} and
 * {@code helo}. Each of the repeatable fields may also hold several values separated by white
 * space or commas (one line each in the form's text areas).
 *
 * @param domain the domain, lower case, without trailing dot (IDN as A-labels)
 * @param egress the egress addresses, in the order given, without repeats
 * @param helo the HELO names, in the order given
 */
public record AuditQuery(String domain, List<InetAddress> egress, List<String> helo) {
    /** More than a multi-WAN site has; keeps one request's work small. */
    public static final int MAX_EGRESS = 16;

    private static final Pattern SEPARATORS = Pattern.compile("[\\s,]+");
    // letters, digits, hyphen inside a label; underscore too, as some hosts' names have it
    private static final Pattern LABEL = Pattern.compile("[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?");

    public AuditQuery {
        egress = List.copyOf(egress);
        helo = List.copyOf(helo);
    }

    /** Input a person typed wrong; its message says what and is safe to show (after escaping). */
    public static final class BadQuery extends IllegalArgumentException {
        public BadQuery(String message) {
            super(message);
        }
    }

    /**
     * Reads and checks the query parameters.
     *
     * @throws BadQuery the domain is missing or no host name, an egress is no IP address, a HELO name is no host name
     */
    public static AuditQuery parse(Map<String, List<String>> params) {
        List<String> domains = values(params, "domain");
        if (domains.isEmpty()) {
            throw new BadQuery("give the domain to audit");
        }
        if (domains.size() > 1) {
            throw new BadQuery("give one domain, not " + domains.size());
        }
        String domain = hostName(domains.get(0), "domain");
        List<InetAddress> egress = new ArrayList<>();
        for (String e : values(params, "egress")) {
            InetAddress ip = InetAddresses.parse(e).orElseThrow(() -> new BadQuery("egress " + e + ": not an IP address"));
            ip = DnsNames.canonical(ip);
            if (!egress.contains(ip)) {
                egress.add(ip);
            }
        }
        if (egress.size() > MAX_EGRESS) {
            throw new BadQuery("at most " + MAX_EGRESS + " egress addresses, not " + egress.size());
        }
        List<String> helo = new ArrayList<>();
        for (String h : values(params, "helo")) {
            helo.add(hostName(h, "helo"));
        }
        if (helo.size() > MAX_EGRESS) {
            throw new BadQuery("at most " + MAX_EGRESS + " HELO names, not " + helo.size());
        }
        return new AuditQuery(domain, egress, helo);
    }

    /** The query string that asks this again ({@code domain=..&egress=..&egress=..}): the shareable part of a URL. */
    public String queryString() {
        StringBuilder q = new StringBuilder("domain=").append(encode(domain));
        egress.forEach(ip -> q.append("&egress=").append(encode(DnsNames.text(ip))));
        helo.forEach(h -> q.append("&helo=").append(encode(h)));
        return q.toString();
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private static List<String> values(Map<String, List<String>> params, String name) {
        List<String> out = new ArrayList<>();
        for (String v : params.getOrDefault(name, List.of())) {
            for (String part : SEPARATORS.split(v.strip())) {
                if (!part.isEmpty()) {
                    out.add(part);
                }
            }
        }
        return out;
    }

    private static String hostName(String text, String field) {
        String name = DnsNames.normalize(text);
        try {
            name = IDN.toASCII(name, 0).toLowerCase(Locale.ROOT);
        } catch (IllegalArgumentException e) {
            throw new BadQuery(field + " " + text + ": not a host name");
        }
        if (name.isEmpty() || name.length() > 253 || InetAddresses.isLiteral(name)) {
            throw new BadQuery(field + " " + text + ": not a host name");
        }
        for (String label : name.split("\\.", -1)) {
            if (!LABEL.matcher(label).matches()) {
                throw new BadQuery(field + " " + text + ": not a host name");
            }
        }
        return name;
    }
}
