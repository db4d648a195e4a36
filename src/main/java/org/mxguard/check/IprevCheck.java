package org.mxguard.check;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Pattern;
import org.mxguard.dns.DnsAnswer;
import org.mxguard.dns.DnsNames;
import org.mxguard.dns.Resolver;

/**
 * {@code iprev} (RFC 8601 §3): some PTR name of the client IP has an address record equal to
 * the IP. Every PTR name is considered, each with A and AAAA.
 */
public final class IprevCheck implements Check {
    public static final String NAME = "iprev";
    /** Evidence key listing the forward-confirmed names, comma-separated. */
    public static final String CONFIRMED = "confirmed";
    /** ", " between names (compiled once: String.split compiles a two-character separator each time). */
    private static final Pattern LIST_SEPARATOR = Pattern.compile(", ", Pattern.LITERAL);

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
        return Guard.of(NAME, ReverseDns.confirm(facts.clientIp(), dns).thenApply(IprevCheck::judge));
    }

    static CheckResult judge(ReverseDns.Confirmation c) {
        String ip = DnsNames.text(c.ip());
        Map<String, String> evidence = Evidence.map();
        evidence.put("ptr", Evidence.of(c.ptr()));
        for (ReverseDns.NameCheck n : c.names()) {
            evidence.put("A " + n.name(), Evidence.of(n.a()));
            evidence.put("AAAA " + n.name(), Evidence.of(n.aaaa()));
        }
        List<String> confirmed = c.confirmedNames();
        if (!confirmed.isEmpty()) {
            evidence.put(CONFIRMED, String.join(", ", confirmed));
            return CheckResult.pass(NAME, "PTR name " + confirmed.get(0) + " resolves back to " + ip, evidence);
        }
        return switch (c.ptr()) {
            case DnsAnswer.TempFail<String> t ->
                    CheckResult.of(NAME, Result.TEMPERROR, "dns-tempfail", "PTR lookup for " + ip + " failed temporarily", evidence);
            case DnsAnswer.NxDomain<String> n -> CheckResult.of(NAME, Result.FAIL, "no-ptr", "no PTR record for " + ip, evidence);
            case DnsAnswer.NoData<String> n -> CheckResult.of(NAME, Result.FAIL, "no-ptr", "no PTR record for " + ip, evidence);
            case DnsAnswer.Records<String> r -> unconfirmed(c, ip, evidence);
        };
    }

    private static CheckResult unconfirmed(ReverseDns.Confirmation c, String ip, Map<String, String> evidence) {
        String names = String.join(", ", c.ptr().values());
        if (c.anyTempFailed()) {
            return CheckResult.of(NAME, Result.TEMPERROR, "dns-tempfail",
                    "no PTR name confirmed yet and a forward lookup failed temporarily (" + names + ")", evidence);
        }
        if (c.anyOverBudget()) {
            return CheckResult.of(NAME, Result.PERMERROR, "query-budget",
                    "DNS query budget exhausted before every PTR name of " + ip + " could be checked", evidence);
        }
        return CheckResult.of(NAME, Result.FAIL, "unconfirmed",
                "no PTR name of " + ip + " resolves back to it (" + names + ")", evidence);
    }

    /** The forward-confirmed names recorded in an iprev result (for PTR-suffix allowlists). */
    public static List<String> confirmedNames(CheckResult iprev) {
        String v = iprev.evidence().get(CONFIRMED);
        return v == null || v.isEmpty() ? List.of() : List.of(LIST_SEPARATOR.split(v)); // as v.split(", ")
    }
}
