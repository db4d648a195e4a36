package org.mxguard.dns;

import com.github.benmanes.caffeine.cache.AsyncCache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.Ticker;
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
