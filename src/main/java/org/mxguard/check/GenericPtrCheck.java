package org.mxguard.check;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.mxguard.dns.DnsAnswer;
import org.mxguard.dns.MailHosts;
import org.mxguard.dns.MailHostsLookup;
import org.mxguard.dns.MxRecord;
import org.mxguard.dns.Resolver;

/**
 * {@code generic-ptr}: the client's PTR name looks like a specific host, not a generic or dynamic
 * ISP name. The name-based {@link GenericNameClassifier} decides; DNS adds one structural signal
 * on top: a name flagged only for embedding the IP (no dynamic word) that forward-confirms and is
 * an MX host of its own registrable domain is a mail server.
 */
public final class GenericPtrCheck implements Check {
    public static final String NAME = "generic-ptr";

    private final GenericNameClassifier classifier;

    public GenericPtrCheck(GenericNameClassifier classifier) {
        this.classifier = classifier;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Stage stage() {
        return Stage.CONNECT;
    }

    @Override
    public CompletableFuture<CheckResult> run(SessionFacts facts, Resolver dns) {
        return Guard.of(NAME, ReverseDns.confirm(facts.clientIp(), dns).thenCompose(c -> {
            if (c.ptr() instanceof DnsAnswer.TempFail<String>) {
                return done(CheckResult.of(NAME, Result.TEMPERROR, "dns-tempfail", "PTR lookup failed temporarily", Map.of()));
            }
            String name = c.bestName();
            if (name == null) {
                return done(CheckResult.none(NAME, "no PTR name"));
            }
            Classification k = classifier.classify(name, c.ip());
            Map<String, String> evidence = Evidence.map();
            evidence.put("ptr-name", name);
            evidence.put("classifier", k.reason());
            if (!k.generic()) {
                return done(CheckResult.pass(NAME, name + " looks like a specific host", evidence));
            }
            CheckResult generic = CheckResult.of(NAME, Result.FAIL, "generic", name + " looks generic: " + k.reason(), evidence);
            boolean onlyIp = k.ipEmbedded() && !k.dynamicWord();
            if (!onlyIp || !c.isConfirmed(name)) {
                return done(generic);
            }
            String domain = RegistrableDomain.of(name);
            return MailHostsLookup.find(domain, dns).thenApply(hosts -> {
                if (hosts instanceof MailHosts.Mx mx && isMxHost(mx, name)) {
                    Map<String, String> withMx = Evidence.map();
                    withMx.putAll(generic.evidence());
                    withMx.put("MX " + domain, Evidence.values(mx.records()));
                    return CheckResult.pass(NAME, name + " embeds the IP but is a forward-confirmed MX host of " + domain, withMx);
                }
                return generic;
            });
        }));
    }

    private static boolean isMxHost(MailHosts.Mx mx, String name) {
        for (MxRecord r : mx.records()) {
            if (r.host().equals(name)) {
                return true;
            }
        }
        return false;
    }

    private static CompletableFuture<CheckResult> done(CheckResult r) {
        return CompletableFuture.completedFuture(r);
    }
}
