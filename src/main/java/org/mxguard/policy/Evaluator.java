package org.mxguard.policy;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.mxguard.check.CheckResult;
import org.mxguard.check.CheckSuite;
import org.mxguard.check.SessionFacts;
import org.mxguard.dns.Lookups;
import org.mxguard.dns.Resolver;

/**
 * One verdict from facts: skip what the allowlist covers, start every check at once on a
 * per-verdict {@link Lookups} (shared answers, one query budget), then let the {@link Policy} decide.
 */
public final class Evaluator {
    private final CheckSuite suite;
    private final Policy policy;
    private final Resolver resolver;
    private final int queryBudget;

    public Evaluator(CheckSuite suite, Policy policy, Resolver resolver, int queryBudget) {
        this.suite = suite;
        this.policy = policy;
        this.resolver = resolver;
        this.queryBudget = queryBudget;
    }

    /** A verdict with the DNS work it took: distinct questions asked, and those the budget refused. */
    public record Evaluation(Verdict verdict, List<CheckResult> results, int dnsQuestions, int dnsRefused) {
    }

    public CompletableFuture<Evaluation> evaluate(SessionFacts facts) {
        Lookups lookups = new Lookups(resolver, queryBudget);
        Map<String, String> skip = Map.of();
        if (!policy.allowlist().entries().isEmpty()) {
            skip = new HashMap<>();
            for (String name : suite.names()) {
                var hit = policy.allowlist().before(name, facts);
                if (hit.isPresent()) {
                    skip.put(name, hit.get().describe());
                }
            }
        }
        List<CheckSuite.Started> started = suite.start(facts, lookups, skip);
        CompletableFuture<?>[] all = new CompletableFuture<?>[started.size()];
        for (int i = 0; i < all.length; i++) {
            all[i] = started.get(i).result();
        }
        return CompletableFuture.allOf(all).thenApply(done -> {
            List<CheckResult> results = new ArrayList<>(all.length);
            for (CheckSuite.Started s : started) {
                results.add(s.result().join());
            }
            return new Evaluation(policy.decide(results), results, lookups.questionsAsked(), lookups.questionsRefused());
        });
    }
}
