package org.mxguard.cluster;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.Ticker;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.mxguard.dns.DnsAnswer;

/**
 * The state of one node, in its memory: the default, and what a Redis-backed node falls back to.
 * Each record expires after its own time to live; each kind holds at most {@link #MAX_ENTRIES}
 * (beyond that Caffeine evicts, so a flood of addresses costs bounded memory and at worst forgets
 * some).
 */
public final class LocalState implements SharedState {
    public static final long MAX_ENTRIES = 1_000_000;

    /** A value and how long it lives from when it was written. */
    private record Timed<V>(V value, long ttlNanos) {
    }

    /** A rate window: its start and the connections counted in it. */
    private record Window(long started, long count) {
    }

    private final Ticker ticker;
    private final Cache<InetAddress, Timed<Boolean>> trapped;
    private final Cache<InetAddress, Timed<Boolean>> greeted;
    private final Cache<String, Timed<PrimaryHealth>> primaries;
    private final Cache<InetAddress, Window> rates;

    public LocalState() {
        this(Ticker.systemTicker());
    }

    /** @param ticker the clock expiry is measured with (tests pass a fake one) */
    public LocalState(Ticker ticker) {
        this.ticker = Objects.requireNonNull(ticker, "ticker");
        this.trapped = timed(ticker);
        this.greeted = timed(ticker);
        this.primaries = timed(ticker);
        // a window older than a day is of no use to any rate limit
        this.rates = Caffeine.newBuilder().expireAfterAccess(Duration.ofDays(1)).maximumSize(MAX_ENTRIES).ticker(ticker)
                .build();
    }

    private static <K, V> Cache<K, Timed<V>> timed(Ticker ticker) {
        return Caffeine.newBuilder().maximumSize(MAX_ENTRIES).ticker(ticker).expireAfter(new Expiry<K, Timed<V>>() {
            @Override
            public long expireAfterCreate(K key, Timed<V> value, long currentTime) {
                return value.ttlNanos();
            }

            @Override
            public long expireAfterUpdate(K key, Timed<V> value, long currentTime, long currentDuration) {
                return value.ttlNanos();
            }

            @Override
            public long expireAfterRead(K key, Timed<V> value, long currentTime, long currentDuration) {
                return currentDuration; // reading never extends a record
            }
        }).build();
    }

    @Override
    public ClientStanding connected(InetAddress client, Duration rateWindow) {
        long connections = 0;
        if (rateWindow.isPositive()) {
            long now = ticker.read();
            long window = rateWindow.toNanos();
            connections = rates.asMap().merge(client, new Window(now, 1), (old, one) ->
                    now - old.started() >= window ? one : new Window(old.started(), old.count() + 1)).count();
        }
        return new ClientStanding(trapped(client), greeted.getIfPresent(client) != null, connections);
    }

    @Override
    public boolean trapped(InetAddress client) {
        return trapped.getIfPresent(client) != null;
    }

    @Override
    public boolean recordTrapHit(InetAddress client, Duration expiry) {
        return trapped.asMap().put(client, new Timed<>(Boolean.TRUE, expiry.toNanos())) == null;
    }

    @Override
    public void recordGreetingPass(InetAddress client, Duration ttl) {
        greeted.put(client, new Timed<>(Boolean.TRUE, ttl.toNanos()));
    }

    /** Nothing to keep: this node's own DNS cache holds the answers already. */
    @Override
    public void shareReverseDns(InetAddress client, List<DnsAnswer<?>> answers) {
    }

    @Override
    public Optional<PrimaryHealth> primaryHealth(String key) {
        return Optional.ofNullable(primaries.getIfPresent(key)).map(Timed::value);
    }

    @Override
    public void publishPrimaryHealth(String key, PrimaryHealth health, Duration ttl) {
        primaries.put(key, new Timed<>(health, ttl.toNanos()));
    }

    /** Trap records held now (approximate: expired ones may still count until Caffeine cleans up). */
    public long trappedCount() {
        return trapped.estimatedSize();
    }
}
