package org.mxguard.queue;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * How many deliveries may be under way to one destination at once (Postfix's
 * {@code default_destination_concurrency_limit}, 20). A destination that hangs holds at most its
 * own slots, so the others keep flowing. Never blocks: a busy destination is skipped and tried on
 * the next pass.
 */
public final class DestinationLimiter {
    public static final int DEFAULT_LIMIT = 20;

    private final int defaultLimit;
    private final Map<String, Integer> limits;
    private final ConcurrentHashMap<String, Integer> inUse = new ConcurrentHashMap<>();

    public DestinationLimiter() {
        this(DEFAULT_LIMIT, Map.of());
    }

    /** @param limits per-destination exceptions to {@code defaultLimit} */
    public DestinationLimiter(int defaultLimit, Map<String, Integer> limits) {
        if (defaultLimit < 1 || limits.values().stream().anyMatch(limit -> limit < 1)) {
            throw new IllegalArgumentException("a limit below 1 would never deliver");
        }
        this.defaultLimit = defaultLimit;
        this.limits = Map.copyOf(limits);
    }

    public int limit(String destination) {
        return limits.getOrDefault(destination, defaultLimit);
    }

    /** Takes a slot for {@code destination} if one is free; every true must be matched by a {@link #release}. */
    public boolean tryAcquire(String destination) {
        int limit = limit(destination);
        boolean[] acquired = {false};
        inUse.compute(destination, (d, n) -> {
            int current = n == null ? 0 : n;
            if (current >= limit) {
                return n;
            }
            acquired[0] = true;
            return current + 1;
        });
        return acquired[0];
    }

    public void release(String destination) {
        inUse.compute(destination, (d, n) -> {
            if (n == null) {
                throw new IllegalStateException("no slot held for " + destination);
            }
            return n == 1 ? null : n - 1; // idle destinations leave no entry behind
        });
    }

    public int inUse(String destination) {
        return inUse.getOrDefault(destination, 0);
    }
}
