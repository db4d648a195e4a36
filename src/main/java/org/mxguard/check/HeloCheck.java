package org.mxguard.check;

import java.net.InetAddress;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.mxguard.dns.DnsAnswer;
import org.mxguard.dns.DnsNames;
import org.mxguard.dns.InetAddresses;
import org.mxguard.dns.RecordType;
import org.mxguard.dns.Resolver;

/**
 * {@code helo}: the HELO/EHLO name is an FQDN that resolves, or an address literal equal to the
 * client IP. Whether it equals the PTR name is recorded as evidence only: big senders
 * legitimately fail strict HELO = PTR equality.
 */
public final class HeloCheck implements Check {
    public static final String NAME = "helo";

    private final LocalIdentity us;

    public HeloCheck(LocalIdentity us) {
        this.us = us;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Stage stage() {
        return Stage.HELO;
    }

    @Override
    public CompletableFuture<CheckResult> run(SessionFacts facts, Resolver dns) {
        if (facts.helo() == null) {
            return CompletableFuture.completedFuture(CheckResult.none(NAME, "no HELO/EHLO given"));
        }
        String raw = facts.helo().trim();
        InetAddress client = facts.clientIp();
        if (raw.startsWith("[") && raw.endsWith("]")) {
            return CompletableFuture.completedFuture(literal(raw, client));
        }
        if (InetAddresses.isLiteral(raw)) {
            return done(fail("bare-ip", "HELO " + raw + " is an IP address without brackets"));
        }
        String name = DnsNames.normalize(raw);
        if (name.equals("localhost") || name.startsWith("localhost.")) {
            return done(fail("localhost", "HELO " + raw + " is localhost"));
        }
        String syntax = HostNameSyntax.problem(name);
        if (syntax != null) {
            return done(fail("syntax", "HELO " + raw + ": " + syntax));
        }
        if (us.hostNames().contains(name)) {
            return done(fail("our-name", "HELO " + raw + " claims to be this server"));
        }
        CompletableFuture<DnsAnswer<InetAddress>> a = Budget.orNull(dns.addresses(name, RecordType.A));
        CompletableFuture<DnsAnswer<InetAddress>> aaaa = Budget.orNull(dns.addresses(name, RecordType.AAAA));
        CompletableFuture<Optional<ReverseDns.Confirmation>> ptr = ReverseDns.confirm(client, dns)
                .thenApply(Optional::of).exceptionally(budget -> Optional.empty());
        return Guard.of(NAME, a.thenCombine(aaaa, List::of)
                .thenCombine(ptr, (answers, reverse) -> judge(name, client, answers.get(0), answers.get(1), reverse)));
    }

    private CheckResult literal(String raw, InetAddress client) {
        // RFC 5321 §4.1.3: "[" IPv4 "]" or "[IPv6:" IPv6 "]"; an IPv6 address without its tag
        // (or the tag on an IPv4 address) is not a literal any conforming client sends
        String inner = raw.substring(1, raw.length() - 1);
        boolean tagged = inner.regionMatches(true, 0, "IPv6:", 0, 5);
        String address = tagged ? inner.substring(5) : inner;
        Optional<InetAddress> ip = tagged == address.contains(":") ? InetAddresses.parse(address) : Optional.empty();
        if (ip.isEmpty()) {
            return fail("syntax", "HELO " + raw + " is not a valid address literal"
                    + (!tagged && address.contains(":") ? " (an IPv6 literal is [IPv6:address], RFC 5321 §4.1.3)" : ""));
        }
        if (ip.get().equals(client)) {
            return CheckResult.pass(NAME, "address literal " + raw + " is the client IP", Map.of());
        }
        if (us.addresses().contains(ip.get())) {
            return fail("our-address", "HELO " + raw + " claims to be this server's address");
        }
        return fail("literal-mismatch", "address literal " + raw + " is not the client IP " + DnsNames.text(client));
    }

    private static CheckResult judge(String name, InetAddress client, DnsAnswer<InetAddress> a,
            DnsAnswer<InetAddress> aaaa, Optional<ReverseDns.Confirmation> reverse) {
        Map<String, String> evidence = Evidence.map();
        evidence.put("A " + name, Evidence.of(a));
        evidence.put("AAAA " + name, Evidence.of(aaaa));
        boolean toClient = (a != null && a.values().contains(client)) || (aaaa != null && aaaa.values().contains(client));
        evidence.put("resolves-to-client", toClient ? "yes" : "no");
        evidence.put("matches-ptr", ptrRelation(name, reverse));
        if (a instanceof DnsAnswer.Records<InetAddress> || aaaa instanceof DnsAnswer.Records<InetAddress>) {
            return CheckResult.pass(NAME, "HELO " + name + " resolves" + (toClient ? " to the client IP" : ""), evidence);
        }
        if ((a != null && !a.isDefinitive()) || (aaaa != null && !aaaa.isDefinitive())) {
            return CheckResult.of(NAME, Result.TEMPERROR, "dns-tempfail", "address lookup of HELO " + name + " failed temporarily", evidence);
        }
        if (a == null || aaaa == null) {
            return CheckResult.of(NAME, Result.PERMERROR, "query-budget", "DNS query budget exhausted checking HELO " + name, evidence);
        }
        if (a instanceof DnsAnswer.NxDomain<InetAddress>) {
            return CheckResult.of(NAME, Result.FAIL, "nxdomain", "HELO " + name + " does not exist", evidence);
        }
        return CheckResult.of(NAME, Result.FAIL, "no-address", "HELO " + name + " has no address record", evidence);
    }

    private static String ptrRelation(String helo, Optional<ReverseDns.Confirmation> reverse) {
        if (reverse.isEmpty() || reverse.get().ptr().values().isEmpty()) {
            return "no PTR";
        }
        List<String> names = reverse.get().ptr().values();
        if (names.contains(helo)) {
            return "same name";
        }
        String domain = RegistrableDomain.of(helo);
        for (String ptr : names) {
            if (RegistrableDomain.of(ptr).equals(domain)) {
                return "same registrable domain (" + ptr + ")";
            }
        }
        return "differs (" + String.join(", ", names) + ")";
    }

    private static CheckResult fail(String problem, String reason) {
        return CheckResult.of(NAME, Result.FAIL, problem, reason, Map.of());
    }

    private static CompletableFuture<CheckResult> done(CheckResult r) {
        return CompletableFuture.completedFuture(r);
    }
}
