package org.mxguard.dns;

import com.github.benmanes.caffeine.cache.AsyncCache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.Ticker;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.BiFunction;
import java.util.concurrent.TimeUnit;

/**
 * A size-bounded cache in front of a resolver. Records live for their TTL, NXDOMAIN and NODATA
 * for their negative TTL (RFC 2308); temporary failures are not kept. Identical questions asked
 * while one is in flight share it.
 */
public final class CachingResolver implements Resolver {
    /** Upper bound on how long anything is kept, whatever the TTL says. */
    public static final long MAX_TTL_SECONDS = 86_400;
    /** Upper bound for negative answers, as resolvers commonly cap them (RFC 2308 §5 suggests 1–3 hours). */
    public static final long MAX_NEGATIVE_TTL_SECONDS = 3_600;

    private final Resolver delegate;
    private final AsyncCache<DnsQuestion, DnsAnswer<?>> cache;
    private final BiFunction<DnsQuestion, Executor, CompletableFuture<DnsAnswer<?>>> load;

    public CachingResolver(Resolver delegate, long maxEntries) {
        this(delegate, maxEntries, Ticker.systemTicker());
    }

    public CachingResolver(Resolver delegate, long maxEntries, Ticker ticker) {
        this.delegate = delegate;
        this.load = (q, executor) -> this.delegate.lookup(q);
        this.cache = Caffeine.newBuilder()
                .maximumSize(maxEntries)
                .ticker(ticker)
                .executor(Runnable::run)
                .expireAfter(new TtlExpiry())
                .buildAsync();
    }

    @Override
    public CompletableFuture<DnsAnswer<?>> lookup(DnsQuestion question) {
        return cache.get(question, load);
    }

    /**
     * Forgets every answer (as {@code unbound-control flush_zone .} does): after an administrator
     * fixed a zone, the next verdicts ask again instead of waiting out the old answers' TTLs.
     */
    public void clear() {
        cache.synchronous().invalidateAll();
    }

    /**
     * The answer held for {@code question}, its TTL counted down to what is left of its lifetime
     * here (as a recursive resolver reports it); empty when none is held or it is still being asked.
     */
    public Optional<DnsAnswer<?>> held(DnsQuestion question) {
        CompletableFuture<DnsAnswer<?>> pending = cache.getIfPresent(question);
        if (pending == null || !pending.isDone() || pending.isCompletedExceptionally()) {
            return Optional.empty();
        }
        Optional<Duration> left = cache.synchronous().policy().expireVariably()
                .flatMap(expiry -> expiry.getExpiresAfter(question));
        return left.map(duration -> withTtl(pending.join(), duration.toSeconds()));
    }

    /**
     * Takes an answer learned elsewhere (another node of a cluster), its TTL being what is left of
     * it, unless an answer to that question is held or being asked already; a temporary failure or
     * an expired answer is not taken.
     *
     * @return whether it was taken
     */
    public boolean adopt(DnsAnswer<?> answer) {
        long lifetime = lifetimeSeconds(answer);
        if (lifetime <= 0) {
            return false;
        }
        return cache.asMap().putIfAbsent(answer.question(), CompletableFuture.completedFuture(answer)) == null;
    }

    /** The same answer with {@code ttlSeconds} as its (negative) TTL. */
    static DnsAnswer<?> withTtl(DnsAnswer<?> answer, long ttlSeconds) {
        return switch (answer) {
            case DnsAnswer.Records<?> r -> new DnsAnswer.Records<>(r.question(), r.records(), ttlSeconds, r.cnames());
            case DnsAnswer.NxDomain<?> n -> new DnsAnswer.NxDomain<>(n.question(), ttlSeconds);
            case DnsAnswer.NoData<?> n -> new DnsAnswer.NoData<>(n.question(), ttlSeconds, n.cnames());
            case DnsAnswer.TempFail<?> t -> t;
        };
    }

    /** Entries currently held (for metrics and tests). */
    public long size() {
        return cache.synchronous().estimatedSize();
    }

    static long lifetimeSeconds(DnsAnswer<?> answer) {
        return switch (answer) {
            case DnsAnswer.Records<?> r -> Math.min(r.ttlSeconds(), MAX_TTL_SECONDS);
            case DnsAnswer.NxDomain<?> n -> Math.min(n.negativeTtlSeconds(), MAX_NEGATIVE_TTL_SECONDS);
            case DnsAnswer.NoData<?> n -> Math.min(n.negativeTtlSeconds(), MAX_NEGATIVE_TTL_SECONDS);
            case DnsAnswer.TempFail<?> t -> 0;
        };
    }

    private static final class TtlExpiry implements Expiry<DnsQuestion, DnsAnswer<?>> {
        @Override
        public long expireAfterCreate(DnsQuestion key, DnsAnswer<?> value, long currentTime) {
            return TimeUnit.SECONDS.toNanos(lifetimeSeconds(value));
        }

        @Override
        public long expireAfterUpdate(DnsQuestion key, DnsAnswer<?> value, long currentTime, long currentDuration) {
            return expireAfterCreate(key, value, currentTime);
        }

        @Override
        public long expireAfterRead(DnsQuestion key, DnsAnswer<?> value, long currentTime, long currentDuration) {
            return currentDuration;
        }
    }
}
