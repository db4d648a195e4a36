package org.mxguard.check;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.mxguard.dns.DnsAnswer;
import org.mxguard.dns.DnsNames;
import org.mxguard.dns.MailHosts;
import org.mxguard.dns.MailHostsLookup;
import org.mxguard.dns.MxRecord;
import org.mxguard.dns.RecordType;
import org.mxguard.dns.Resolver;

/**
 * {@code reverse-mx:<source>}: the client IP is an address of an MX host of the sender's domain
 * (or of the domain itself under an implicit MX). Only the client's address family is compared:
 * an IPv4 client cannot equal an AAAA record, and the saved queries stay within the budget.
 */
public final class ReverseMxCheck implements Check {
    /** Where the domain to compare comes from. */
    public enum Source {
        MAIL_FROM("mail-from", "MAIL FROM"),
        FROM("from", "From: header"),
        REPLY_TO("reply-to", "Reply-To: header"),
        PTR("ptr", "PTR name");

        private final String id;
        private final String label;

        Source(String id, String label) {
            this.id = id;
            this.label = label;
        }

        public String id() {
            return id;
        }
    }

    public static final String PREFIX = "reverse-mx:";
    /** The name of a comparison shared by several sources before each check renames it. */
    private static final String SHARED = "reverse-mx";

    private final Source source;
    private final String name;

    public ReverseMxCheck(Source source) {
        this.source = source;
        this.name = PREFIX + source.id;
    }

    public static List<ReverseMxCheck> all() {
        return List.of(new ReverseMxCheck(Source.MAIL_FROM), new ReverseMxCheck(Source.FROM),
                new ReverseMxCheck(Source.REPLY_TO), new ReverseMxCheck(Source.PTR));
    }

    @Override
    public String name() {
        return name;
    }

    /** The headers' domains at the end of DATA; MAIL FROM's and the PTR name's at MAIL, as the issue places them. */
    @Override
    public Stage stage() {
        return source == Source.FROM || source == Source.REPLY_TO ? Stage.DATA : Stage.MAIL;
    }

    @Override
    public CompletableFuture<CheckResult> run(SessionFacts facts, Resolver dns) {
        return Guard.of(name, domain(facts, dns).thenCompose(found -> {
            if (found.outcome != null) {
                return CompletableFuture.completedFuture(found.outcome);
            }
            InetAddress ip = facts.clientIp();
            // MAIL FROM, From: and Reply-To: usually name one domain: compare it once per verdict
            return dns.derive(new CompareKey(found.domain, ip),
                    () -> MailHostsLookup.find(found.domain, dns).thenCompose(hosts -> compare(hosts, ip, dns)))
                    .thenApply(shared -> named(shared, found.ptrName));
        }));
    }

    /** A domain to compare (with the PTR name it came from, for the ptr source), or an outcome reached without one. */
    private record Found(String domain, String ptrName, CheckResult outcome) {
    }

    private record CompareKey(String domain, InetAddress ip) {
    }

    private CheckResult named(CheckResult shared, String ptrName) {
        if (ptrName == null) {
            return shared.withName(name);
        }
        Map<String, String> evidence = Evidence.map();
        evidence.put("ptr-name", ptrName);
        evidence.putAll(shared.evidence());
        return CheckResult.of(name, shared.result(), shared.problem(), shared.reason(), evidence);
    }

    private CompletableFuture<Found> domain(SessionFacts facts, Resolver dns) {
        if (source == Source.PTR) {
            return ReverseDns.confirm(facts.clientIp(), dns).thenApply(c -> {
                if (c.ptr() instanceof DnsAnswer.TempFail<String>) {
                    return new Found(null, null, CheckResult.of(name, Result.TEMPERROR, "dns-tempfail", "PTR lookup failed temporarily", Map.of()));
                }
                String best = c.bestName();
                if (best == null) {
                    return new Found(null, null, CheckResult.none(name, "no PTR name"));
                }
                return new Found(RegistrableDomain.of(best), best, null);
            });
        }
        String address = switch (source) {
            case MAIL_FROM -> facts.mailFrom();
            case FROM -> facts.from();
            case REPLY_TO -> facts.replyTo();
            case PTR -> throw new IllegalStateException();
        };
        Optional<String> domain = MailAddress.domainOf(address);
        if (domain.isEmpty() || domain.get().startsWith("[")) {
            String why = address == null ? "no " + source.label + " given"
                    : MailAddress.isNullPath(address) ? "null reverse-path <>" : "no domain in " + source.label;
            return CompletableFuture.completedFuture(new Found(null, null, CheckResult.none(name, why)));
        }
        return CompletableFuture.completedFuture(new Found(domain.get(), null, null));
    }

    private static CompletableFuture<CheckResult> compare(MailHosts hosts, InetAddress ip, Resolver dns) {
        String d = hosts.domain();
        String ipText = DnsNames.text(ip);
        RecordType family = DnsNames.addressType(ip);
        Map<String, String> evidence = Evidence.map();
        evidence.put("domain", d);
        return switch (hosts) {
            case MailHosts.Mx mx -> {
                evidence.put("MX " + d, Evidence.values(mx.records()));
                yield hostAddresses(mx, family, dns).thenApply(answers -> judgeHosts(mx.records(), answers, ip, family, evidence));
            }
            case MailHosts.ImplicitMx implicit -> {
                DnsAnswer<InetAddress> answer = implicit.family(family);
                evidence.put("MX " + d, "NODATA (implicit MX)");
                evidence.put(family + " " + d, Evidence.of(answer));
                if (answer.values().contains(ip)) {
                    yield done(CheckResult.pass(SHARED, ipText + " is an address of " + d + " (implicit MX)", evidence));
                }
                if (!answer.isDefinitive()) {
                    yield done(result(Result.TEMPERROR, "dns-tempfail", "address lookup of " + d + " failed temporarily", evidence));
                }
                yield done(result(Result.FAIL, "not-mx", ipText + " is not an address of " + d + " (implicit MX)", evidence));
            }
            case MailHosts.NullMx n -> done(result(Result.FAIL, "null-mx", d + " publishes a null MX: it has no mail hosts", evidence));
            case MailHosts.NoSuchDomain n -> done(result(Result.FAIL, "nxdomain", d + " does not exist", evidence));
            case MailHosts.NoMailHosts n -> done(result(Result.FAIL, "no-mail-host", d + " has no MX and no address record", evidence));
            case MailHosts.Unknown u -> {
                evidence.put("lookup", u.reason());
                yield done(result(Result.TEMPERROR, "dns-tempfail", "MX lookup of " + d + " failed temporarily", evidence));
            }
        };
    }

    /** One address family of every MX host. */
    private static CompletableFuture<List<DnsAnswer<InetAddress>>> hostAddresses(MailHosts.Mx mx, RecordType family, Resolver dns) {
        List<CompletableFuture<DnsAnswer<InetAddress>>> lookups = new ArrayList<>(mx.records().size());
        for (MxRecord r : mx.records()) {
            lookups.add(Budget.orNull(dns.addresses(r.host(), family)));
        }
        return Futures.all(lookups);
    }

    private static CheckResult judgeHosts(List<MxRecord> records, List<DnsAnswer<InetAddress>> answers, InetAddress ip,
            RecordType family, Map<String, String> evidence) {
        String ipText = DnsNames.text(ip);
        boolean temp = false;
        boolean budget = false;
        String match = null;
        for (int i = 0; i < records.size(); i++) {
            DnsAnswer<InetAddress> answer = answers.get(i);
            String host = records.get(i).host();
            evidence.put(family + " " + host, Evidence.of(answer));
            if (answer == null) {
                budget = true;
            } else if (!answer.isDefinitive()) {
                temp = true;
            } else if (match == null && answer.values().contains(ip)) {
                match = host;
            }
        }
        String d = evidence.get("domain");
        if (match != null) {
            return CheckResult.pass(SHARED, ipText + " is an address of MX host " + match, evidence);
        }
        if (temp) {
            return result(Result.TEMPERROR, "dns-tempfail", "an MX host address lookup failed temporarily", evidence);
        }
        if (budget) {
            return result(Result.PERMERROR, "query-budget", "DNS query budget exhausted before every MX host was checked", evidence);
        }
        return result(Result.FAIL, "not-mx", ipText + " is not an address of any MX host of " + d, evidence);
    }

    private static CheckResult result(Result result, String problem, String reason, Map<String, String> evidence) {
        return CheckResult.of(SHARED, result, problem, reason, evidence);
    }

    private static CompletableFuture<CheckResult> done(CheckResult r) {
        return CompletableFuture.completedFuture(r);
    }
}
