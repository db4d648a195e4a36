package org.mxguard.check;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.mxguard.dns.InetAddresses;
import org.mxguard.dns.MailHosts;
import org.mxguard.dns.MailHostsLookup;
import org.mxguard.dns.Resolver;

/** {@code sender-domain}: the MAIL FROM domain can receive mail: a non-null MX, or an address record. */
public final class SenderDomainCheck implements Check {
    public static final String NAME = "sender-domain";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Stage stage() {
        return Stage.MAIL;
    }

    @Override
    public CompletableFuture<CheckResult> run(SessionFacts facts, Resolver dns) {
        if (facts.mailFrom() == null) {
            return done(CheckResult.none(NAME, "no MAIL FROM given"));
        }
        if (MailAddress.isNullPath(facts.mailFrom())) {
            return done(CheckResult.none(NAME, "null reverse-path <>"));
        }
        Optional<String> domain = facts.mailFromDomain();
        if (domain.isEmpty()) {
            return done(CheckResult.of(NAME, Result.FAIL, "no-domain", "MAIL FROM " + facts.mailFrom() + " has no domain", Map.of()));
        }
        String d = domain.get();
        if (d.startsWith("[") || InetAddresses.isLiteral(d)) {
            return done(CheckResult.none(NAME, "sender domain is an address literal; no DNS to check"));
        }
        String syntax = HostNameSyntax.problem(d);
        if (syntax != null) {
            return done(CheckResult.of(NAME, Result.FAIL, "syntax", "sender domain " + d + ": " + syntax, Map.of()));
        }
        return Guard.of(NAME, MailHostsLookup.find(d, dns).thenApply(SenderDomainCheck::judge));
    }

    static CheckResult judge(MailHosts hosts) {
        String d = hosts.domain();
        Map<String, String> evidence = Evidence.map();
        return switch (hosts) {
            case MailHosts.Mx mx -> {
                evidence.put("MX " + d, Evidence.values(mx.records()));
                yield CheckResult.pass(NAME, d + " has MX hosts", evidence);
            }
            case MailHosts.ImplicitMx implicit -> {
                evidence.put("MX " + d, "NODATA");
                evidence.put("A " + d, Evidence.of(implicit.a()));
                evidence.put("AAAA " + d, Evidence.of(implicit.aaaa()));
                yield CheckResult.pass(NAME, d + " has no MX but an address record (implicit MX)", evidence);
            }
            case MailHosts.NullMx n -> {
                evidence.put("MX " + d, "0 . (null MX)");
                yield CheckResult.of(NAME, Result.FAIL, "null-mx", d + " publishes a null MX: it sends no mail (RFC 7505)", evidence);
            }
            case MailHosts.NoSuchDomain n -> {
                evidence.put("MX " + d, "NXDOMAIN");
                yield CheckResult.of(NAME, Result.FAIL, "nxdomain", "sender domain " + d + " does not exist", evidence);
            }
            case MailHosts.NoMailHosts n -> {
                evidence.put("MX " + d, "NODATA");
                evidence.put("A/AAAA " + d, "NODATA");
                yield CheckResult.of(NAME, Result.FAIL, "no-mail-host", "sender domain " + d + " has no MX and no address record", evidence);
            }
            case MailHosts.Unknown u -> {
                evidence.put("lookup", u.reason());
                yield CheckResult.of(NAME, Result.TEMPERROR, "dns-tempfail", "lookup of sender domain " + d + " failed temporarily", evidence);
            }
        };
    }

    private static CompletableFuture<CheckResult> done(CheckResult r) {
        return CompletableFuture.completedFuture(r);
    }
}
