package org.mxguard.audit;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.mxguard.check.GenericNameClassifier;
import org.mxguard.check.ReverseDns;
import org.mxguard.dns.DnsNames;
import org.mxguard.dns.HostAddresses;
import org.mxguard.dns.MailHosts;
import org.mxguard.dns.MailRoute;
import org.mxguard.dns.MailRouteLookup;
import org.mxguard.dns.Resolver;
import org.mxguard.smtp.SmtpProbe;

/**
 * Audits a domain's own mail DNS from a receiver's side: the MX set, the reverse DNS of every MX
 * and egress address, and whether every egress address is an MX host address (multi-WAN).
 */
public final class Auditor {
    /** Probes block on sockets: one virtual thread each, all at once. */
    private static final ExecutorService PROBES = Executors.newVirtualThreadPerTaskExecutor();
    /** Beyond its own timeout, what a probe may take before the audit stops waiting for it (QUIT, scheduling). */
    private static final Duration PROBE_GRACE = Duration.ofSeconds(3);

    /**
     * How to probe the MX addresses over SMTP.
     *
     * @param port     the port to connect to (25; tests use another)
     * @param timeout  for each address: connecting, the greeting and the EHLO reply together
     * @param ehloName the name said in EHLO
     */
    public record Probe(int port, Duration timeout, String ehloName) {
        /** A name that is plainly not a mail server's own (RFC 2606 .invalid): the probe sends no mail. */
        public static final String EHLO_NAME = "mxguard-audit.invalid";

        public Probe {
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("port " + port + " is not between 1 and 65535");
            }
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("the probe timeout must be positive");
            }
            Objects.requireNonNull(ehloName, "ehloName");
        }
    }

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
        return audit(domain, egress, helo, Optional.empty());
    }

    /**
     * As {@link #audit(String, List, List)}, and with {@code probe} also connects to every MX
     * address over SMTP, all at once; each probe ends within its timeout (the audit waits a little
     * longer at most, then counts it as timed out).
     */
    public CompletableFuture<AuditReport> audit(String domain, List<InetAddress> egress, List<String> helo,
            Optional<Probe> probe) {
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
            Map<InetAddress, CompletableFuture<SmtpProbe.Result>> probes = new LinkedHashMap<>();
            probe.ifPresent(p -> mxHostOf.keySet().forEach(ip -> probes.put(ip, start(ip, p))));
            List<CompletableFuture<?>> waits = new ArrayList<>(reverse.values());
            waits.addAll(probes.values());
            return CompletableFuture.allOf(waits.toArray(CompletableFuture[]::new)).thenApply(done -> {
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
                if (probe.isPresent()) {
                    List<ProbeAudit.Probed> probed = new ArrayList<>();
                    Map<InetAddress, ReverseDns.Confirmation> confirmations = new LinkedHashMap<>();
                    probes.forEach((ip, r) -> {
                        probed.add(new ProbeAudit.Probed(ip, probe.get().port(), mxHostOf.get(ip), probe.get().ehloName(), r.join()));
                        confirmations.put(ip, reverse.get(ip).join());
                    });
                    findings.addAll(ProbeAudit.findings(d, route, probed, confirmations));
                }
                return new AuditReport(d, out, findings);
            });
        });
    }

    private static CompletableFuture<SmtpProbe.Result> start(InetAddress ip, Probe p) {
        Duration wait = p.timeout().plus(PROBE_GRACE);
        return CompletableFuture.supplyAsync(() -> SmtpProbe.probe(new InetSocketAddress(ip, p.port()), p.timeout(), p.ehloName()),
                        PROBES)
                .completeOnTimeout(new SmtpProbe.Result(SmtpProbe.Outcome.TIMED_OUT, Optional.empty(), Optional.empty(),
                        "no result within the audit's deadline of " + wait.toSeconds() + " s", Optional.empty()),
                        wait.toMillis(), TimeUnit.MILLISECONDS);
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
