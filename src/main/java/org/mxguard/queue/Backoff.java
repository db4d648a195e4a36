package org.mxguard.queue;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.random.RandomGenerator;

/**
 * When to try a deferred message again, and when to give up on it. The defaults are Postfix's:
 * the first retry after {@code minimal_backoff_time} (300 s), doubling with every deferred attempt
 * up to {@code maximal_backoff_time} (4000 s), bounced after {@code maximal_queue_lifetime} (5 days).
 *
 * <p>Each delay is shortened by a random fraction of at most {@code jitter}, so that the messages a
 * dead destination deferred together do not all come back in the same second; the maximum stays a
 * maximum.
 */
public final class Backoff {
    public static final Duration DEFAULT_MINIMUM = Duration.ofSeconds(300);
    public static final Duration DEFAULT_MAXIMUM = Duration.ofSeconds(4000);
    public static final Duration DEFAULT_LIFETIME = Duration.ofDays(5);
    public static final double DEFAULT_JITTER = 0.1;

    private final Duration minimum;
    private final Duration maximum;
    private final Duration lifetime;
    private final double jitter;
    private final RandomGenerator random;

    public Backoff(Duration minimum, Duration maximum, Duration lifetime, double jitter, RandomGenerator random) {
        if (minimum.isNegative() || minimum.isZero() || maximum.compareTo(minimum) < 0) {
            throw new IllegalArgumentException("need 0 < minimum <= maximum, got " + minimum + " and " + maximum);
        }
        if (lifetime.isNegative()) {
            throw new IllegalArgumentException("negative lifetime " + lifetime);
        }
        if (!(jitter >= 0 && jitter < 1)) {
            throw new IllegalArgumentException("jitter must be in [0, 1): " + jitter);
        }
        this.minimum = minimum;
        this.maximum = maximum;
        this.lifetime = lifetime;
        this.jitter = jitter;
        this.random = Objects.requireNonNull(random, "random");
    }

    public static Backoff postfixDefaults(RandomGenerator random) {
        return new Backoff(DEFAULT_MINIMUM, DEFAULT_MAXIMUM, DEFAULT_LIFETIME, DEFAULT_JITTER, random);
    }

    public Duration minimum() {
        return minimum;
    }

    public Duration maximum() {
        return maximum;
    }

    public Duration lifetime() {
        return lifetime;
    }

    /** The delay after the {@code attempts}-th deferred attempt, before jitter: minimum × 2^(attempts−1), capped. */
    public Duration delay(int attempts) {
        if (attempts < 1) {
            throw new IllegalArgumentException("attempts start at 1: " + attempts);
        }
        long minimumMillis = minimum.toMillis();
        int doublings = attempts - 1;
        // compare before shifting so that a long-deferred message cannot overflow into a short delay
        if (doublings >= 62 || minimumMillis > maximum.toMillis() >>> doublings) {
            return maximum;
        }
        return Duration.ofMillis(minimumMillis << doublings);
    }

    /**
     * When to try again after the {@code attempts}-th deferred attempt ended at {@code now}. Never
     * past the end of the message's lifetime while that is still ahead, so that the last attempt
     * comes on time; once it is behind (the bounce could not be handed over), the plain schedule.
     */
    public Instant nextAttempt(Instant arrival, int attempts, Instant now) {
        long millis = delay(attempts).toMillis();
        long shortened = millis - (long) (millis * jitter * random.nextDouble());
        Instant next = now.plusMillis(shortened);
        Instant end = arrival.plus(lifetime);
        return next.isAfter(end) && end.isAfter(now) ? end : next;
    }

    /** The message has been in the queue for its whole lifetime: what is still deferred bounces. */
    public boolean expired(Instant arrival, Instant now) {
        return !now.isBefore(arrival.plus(lifetime));
    }
}
