package org.mxguard.check;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.mxguard.dns.Resolver;

/** The checks a verdict runs, in reporting order. Their lookups start together and share one {@link org.mxguard.dns.Lookups}. */
public final class CheckSuite {
    private final List<Check> checks;

    public CheckSuite(List<Check> checks) {
        this.checks = List.copyOf(checks);
    }

    /** Every check mxguard has, in the order of the SMTP conversation. */
    public static CheckSuite standard(LocalIdentity us, GenericNameClassifier classifier) {
        List<Check> all = new ArrayList<>();
        all.add(new IprevCheck());
        all.add(new GenericPtrCheck(classifier));
        all.add(new HeloCheck(us));
        all.add(new SenderDomainCheck());
        all.addAll(ReverseMxCheck.all());
        return new CheckSuite(all);
    }

    public List<Check> checks() {
        return checks;
    }

    public List<String> names() {
        return checks.stream().map(Check::name).toList();
    }

    /** A started check, or one skipped with the reason (an allowlist). */
    public record Started(String name, CompletableFuture<CheckResult> result) {
    }

    /** Starts every check not in {@code skip}; a skipped one answers {@code none} with the reason mapped to it. */
    public List<Started> start(SessionFacts facts, Resolver dns, Map<String, String> skip) {
        List<Started> started = new ArrayList<>(checks.size());
        for (Check check : checks) {
            String skipped = skip.get(check.name());
            CompletableFuture<CheckResult> result = skipped != null
                    ? CompletableFuture.completedFuture(CheckResult.of(check.name(), Result.NONE, "allowlisted", skipped, Map.of()))
                    : check.run(facts, dns);
            started.add(new Started(check.name(), result));
        }
        return started;
    }
}
