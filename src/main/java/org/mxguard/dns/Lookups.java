package org.mxguard.dns;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * The DNS view of one verdict: every distinct question is asked once (checks that need the same
 * answer share it) and counted against a budget, so a hostile domain with 50 MX hosts or an IP with
 * 30 PTR names cannot make one client cost hundreds of queries. Cache hits count too, so a verdict
 * does not depend on what happens to be cached.
 */
public final class Lookups implements Resolver {
    public static final int DEFAULT_BUDGET = 20;

    private final Resolver resolver;
    private final int budget;
    private final ConcurrentHashMap<DnsQuestion, CompletableFuture<DnsAnswer<?>>> asked = new ConcurrentHashMap<>(16);
    private final AtomicInteger sent = new AtomicInteger();
    private final AtomicInteger refused = new AtomicInteger();
    private final ConcurrentHashMap<Object, CompletableFuture<?>> derived = new ConcurrentHashMap<>(4);

    public Lookups(Resolver resolver, int budget) {
        if (budget < 1) {
            throw new IllegalArgumentException("query budget must be at least 1, was " + budget);
        }
        this.resolver = resolver;
        this.budget = budget;
    }

    @Override
    public CompletableFuture<DnsAnswer<?>> lookup(DnsQuestion question) {
        CompletableFuture<DnsAnswer<?>> known = asked.get(question);
        if (known != null) {
            return known;
        }
        return asked.computeIfAbsent(question, q -> {
            if (sent.get() >= budget) {
                refused.incrementAndGet();
                return CompletableFuture.failedFuture(new QueryBudgetExceededException(budget, q));
            }
            sent.incrementAndGet();
            return resolver.lookup(q);
        });
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T> CompletableFuture<T> derive(Object key, Supplier<CompletableFuture<T>> computation) {
        CompletableFuture<?> known = derived.get(key);
        if (known == null) {
            // not computeIfAbsent: the computation asks lookups, which may complete and recurse
            CompletableFuture<T> fresh = computation.get();
            known = derived.putIfAbsent(key, fresh);
            if (known == null) {
                return fresh;
            }
        }
        return (CompletableFuture<T>) known;
    }

    /** Distinct questions asked so far (answered from the cache or the network); never more than the budget. */
    public int questionsAsked() {
        return sent.get();
    }

    /** Distinct questions the budget refused. */
    public int questionsRefused() {
        return refused.get();
    }

    public int budget() {
        return budget;
    }

    /** The answers received so far, for logs and evidence. */
    public List<DnsAnswer<?>> answers() {
        return asked.values().stream().filter(f -> f.isDone() && !f.isCompletedExceptionally())
                .map(CompletableFuture::join).toList();
    }
}
