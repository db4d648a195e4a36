package org.mxguard.cli;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.mxguard.dns.DnsAnswer;
import org.mxguard.dns.DnsNames;
import org.mxguard.dns.HostAddresses;
import org.mxguard.dns.MailHosts;
import org.mxguard.dns.MailRoute;

/** Renders a {@link MailRoute} for {@code mxguard mx}. */
final class MxOutput {
    private MxOutput() {
    }

    static String kind(MailHosts hosts) {
        return switch (hosts) {
            case MailHosts.Mx m -> "mx";
            case MailHosts.ImplicitMx i -> "implicit-mx";
            case MailHosts.NullMx n -> "null-mx";
            case MailHosts.NoSuchDomain n -> "nxdomain";
            case MailHosts.NoMailHosts n -> "no-mail-hosts";
            case MailHosts.Unknown u -> "tempfail";
        };
    }

    static String summary(MailHosts hosts) {
        String d = hosts.domain();
        return switch (hosts) {
            case MailHosts.Mx m -> d + ": mail goes to these MX hosts, lowest preference first"
                    + " (a sender picks at random among equal preferences)";
            case MailHosts.ImplicitMx i -> d + " has no MX records: mail goes to the domain's own address (implicit MX)";
            case MailHosts.NullMx n -> d + " publishes a null MX (RFC 7505): it accepts no mail; senders bounce at once";
            case MailHosts.NoSuchDomain n -> d + " does not exist (NXDOMAIN): mail to it bounces";
            case MailHosts.NoMailHosts n -> d + " exists but has no MX and no address record: mail to it bounces";
            case MailHosts.Unknown u -> d + ": temporary DNS failure, try again later (" + u.reason() + ")";
        };
    }

    /** What is wrong with one MX target, for people. */
    static List<String> problems(HostAddresses h) {
        List<String> p = new ArrayList<>();
        if (h.isIpLiteral()) {
            p.add("target is an IP literal, not a host name (RFC 5321 §5.1)");
        }
        if (h.isCname()) {
            p.add("target is a CNAME (to " + String.join(" -> ", h.aliasChain()) + "); RFC 2181 §10.3 forbids aliases as MX targets");
        }
        if (h.hasTempFail()) {
            p.add("address lookup failed temporarily");
        } else if (h.addresses().isEmpty()) {
            p.add(h.a() instanceof DnsAnswer.NxDomain<InetAddress> ? "target does not exist" : "target has no A or AAAA record");
        }
        return p;
    }

    static String text(MailRoute route) {
        StringBuilder out = new StringBuilder(summary(route.hosts())).append('\n');
        if (route.hosts() instanceof MailHosts.ImplicitMx implicit) {
            out.append("  ").append(route.hosts().domain()).append("  ").append(addresses(implicit.addresses())).append('\n');
        }
        for (MailRoute.PreferenceGroup g : route.groups()) {
            out.append("  preference ").append(g.preference());
            if (g.hosts().size() > 1) {
                out.append(" (").append(g.hosts().size()).append(" hosts, equal preference)");
            }
            out.append(":\n");
            for (HostAddresses h : g.hosts()) {
                out.append("    ").append(h.mx().host()).append("  ").append(addresses(h.addresses())).append('\n');
                for (String p : problems(h)) {
                    out.append("      ! ").append(p).append('\n');
                }
            }
        }
        return out.toString().stripTrailing();
    }

    static String json(MailRoute route) {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("domain", route.hosts().domain());
        root.put("kind", kind(route.hosts()));
        root.put("summary", summary(route.hosts()));
        if (route.hosts() instanceof MailHosts.ImplicitMx implicit) {
            root.put("addresses", implicit.addresses().stream().map(DnsNames::text).toList());
        }
        List<Map<String, Object>> groups = new ArrayList<>();
        for (MailRoute.PreferenceGroup g : route.groups()) {
            List<Map<String, Object>> hosts = new ArrayList<>();
            for (HostAddresses h : g.hosts()) {
                Map<String, Object> host = new LinkedHashMap<>();
                host.put("host", h.mx().host());
                host.put("addresses", h.addresses().stream().map(DnsNames::text).toList());
                host.put("cname", h.aliasChain());
                host.put("ip-literal", h.isIpLiteral());
                host.put("problems", problems(h));
                hosts.add(host);
            }
            Map<String, Object> group = new LinkedHashMap<>(); // Map.of would order keys differently per JVM run
            group.put("preference", g.preference());
            group.put("hosts", hosts);
            groups.add(group);
        }
        root.put("groups", groups);
        return Json.write(root);
    }

    private static String addresses(List<InetAddress> list) {
        return list.isEmpty() ? "(no address)" : String.join(", ", list.stream().map(DnsNames::text).toList());
    }
}
