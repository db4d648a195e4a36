package org.mxguard.audit;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.mxguard.check.GenericNameClassifier;
import org.mxguard.check.ReverseDns;
import org.mxguard.dns.DnsNames;
import org.mxguard.dns.HostAddresses;
import org.mxguard.dns.MailHosts;
import org.mxguard.dns.MailRoute;
import org.mxguard.dns.MailRouteLookup;
import org.mxguard.dns.Resolver;

/**
 * Audits a domain's own mail DNS from a receiver's side: the MX set, the reverse DNS of every MX
 * and egress address, and whether every egress address is an MX host address (multi-WAN).
 */
public final class Auditor {
    private final Resolver dns;
    private final GenericNameClassifier classifier;

    public Auditor(Resolver dns, GenericNameClassifier classifier) {
        this.dns = dns;
        this.classifier = classifier;
    }

    /**
     * @param egress the addresses mail leaves from; empty when unknown
     * @param helo the HELO names: none, one for every egress address, or one per egress address in order
     * @throws IllegalArgumentException when the HELO names cannot be paired with the egress addresses
     */
    public CompletableFuture<AuditReport> audit(String domain, List<InetAddress> egress, List<String> helo) {
        String d = DnsNames.normalize(domain);
        List<InetAddress> out = egress.stream().map(DnsNames::canonical).distinct().toList();
        Map<InetAddress, String> heloOf = pairHelo(out, helo);
        return MailRouteLookup.find(d, dns).thenCompose(route -> {
            Map<InetAddress, String> mxHostOf = mxHostOf(route);
            Set<InetAddress> all = new LinkedHashSet<>(mxHostOf.keySet());
            all.addAll(out);
            Map<InetAddress, CompletableFuture<ReverseDns.Confirmation>> reverse = new LinkedHashMap<>();
            for (InetAddress ip : all) {
                reverse.put(ip, ReverseDns.confirm(ip, dns));
            }
            return CompletableFuture.allOf(reverse.values().toArray(CompletableFuture[]::new)).thenApply(done -> {
                Set<String> taken = new LinkedHashSet<>();
                route.mxHosts().forEach(h -> taken.add(h.mx().host()));
                HostNamer namer = new HostNamer(d, taken);
                Map<InetAddress, String> names = new LinkedHashMap<>();
                for (InetAddress ip : all) {
                    names.put(ip, mxHostOf.containsKey(ip) ? mxHostOf.get(ip) : proposedName(d, reverse.get(ip).join(), namer));
                }
                // after the egress names: a fix that knows its address gets the first new name
                List<String> newMxHosts = out.stream().filter(ip -> !mxHostOf.containsKey(ip)).map(names::get).toList();
                List<Finding> findings = new ArrayList<>(MxSetAudit.findings(route, namer, newMxHosts));
                for (InetAddress ip : all) {
                    boolean isEgress = out.contains(ip);
                    String role = isEgress && mxHostOf.containsKey(ip) ? "egress address of MX host " + mxHostOf.get(ip)
                            : isEgress ? "egress address" : "address of MX host " + mxHostOf.get(ip);
                    String given = heloOf.get(ip);
                    // an MX host that also sends usually says its own name in HELO
                    String assumed = given == null && mxHostOf.containsKey(ip) ? mxHostOf.get(ip) : null;
                    AddressAudit a = new AddressAudit(ip, role, d, names.get(ip), given != null ? given : assumed,
                            given == null && assumed != null);
                    findings.addAll(a.findings(reverse.get(ip).join(), classifier));
                }
                findings.addAll(EgressCoverageAudit.findings(route, out, names));
                return new AuditReport(d, out, findings);
            });
        });
    }

    /** The egress address's confirmed PTR name when it is in the domain (it has A and PTR already), else a fresh name. */
    private static String proposedName(String d, ReverseDns.Confirmation c, HostNamer namer) {
        for (String n : c.confirmedNames()) {
            if (n.equals(d) || n.endsWith("." + d)) {
                return n;
            }
        }
        return namer.fresh();
    }

    /** Every address of the mail hosts with the (first) host name it belongs to; IP-literal targets have none. */
    private static Map<InetAddress, String> mxHostOf(MailRoute route) {
        Map<InetAddress, String> of = new LinkedHashMap<>();
        if (route.hosts() instanceof MailHosts.ImplicitMx implicit) {
            implicit.addresses().forEach(ip -> of.putIfAbsent(ip, implicit.domain()));
        }
        for (HostAddresses h : route.mxHosts()) {
            if (!h.isIpLiteral()) {
                h.addresses().forEach(ip -> of.putIfAbsent(ip, h.mx().host()));
            }
        }
        return of;
    }

    private static Map<InetAddress, String> pairHelo(List<InetAddress> egress, List<String> helo) {
        Map<InetAddress, String> of = new LinkedHashMap<>();
        if (helo.isEmpty()) {
            return of;
        }
        if (egress.isEmpty()) {
            throw new IllegalArgumentException("--helo needs --egress: a HELO name is judged against the address it is said from");
        }
        if (helo.size() != 1 && helo.size() != egress.size()) {
            throw new IllegalArgumentException("give one --helo for every egress address, or one per --egress in the same order ("
                    + helo.size() + " HELO names, " + egress.size() + " egress addresses)");
        }
        for (int i = 0; i < egress.size(); i++) {
            of.put(egress.get(i), DnsNames.normalize(helo.get(helo.size() == 1 ? 0 : i)));
        }
        return of;
    }
}
