package org.mxguard.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import org.mxguard.queue.Backoff;
import org.mxguard.queue.DestinationLimiter;
import org.mxguard.queue.Spool;

/**
 * The queue ({@code [queue]}); the defaults are Postfix's.
 *
 * @param spool                  the spool directory; a relative path is relative to the working directory
 * @param reserveBytes           free space kept for the queue's own rewrites; new mail is refused below it
 * @param minimalBackoff         the first retry of a deferred message
 * @param maximalBackoff         the longest wait between retries (the wait doubles up to it)
 * @param lifetime               how long a message is retried before it bounces
 * @param destinationConcurrency deliveries under way to one destination domain at once
 */
public record QueueSettings(Path spool, long reserveBytes, Duration minimalBackoff, Duration maximalBackoff,
        Duration lifetime, int destinationConcurrency) {
    public static final Path DEFAULT_SPOOL = Path.of("var", "spool");

    public QueueSettings {
        Objects.requireNonNull(spool, "spool");
        Objects.requireNonNull(minimalBackoff, "minimalBackoff");
        Objects.requireNonNull(maximalBackoff, "maximalBackoff");
        Objects.requireNonNull(lifetime, "lifetime");
        if (reserveBytes < 0 || minimalBackoff.isNegative() || minimalBackoff.isZero()
                || maximalBackoff.compareTo(minimalBackoff) < 0 || lifetime.isNegative() || lifetime.isZero()
                || destinationConcurrency < 1) {
            throw new IllegalArgumentException("need reserve >= 0, 0 < minimal backoff <= maximal backoff, "
                    + "a positive lifetime and a concurrency of at least 1");
        }
    }

    /** The same settings with another spool directory (the {@code --spool} flag). */
    public QueueSettings withSpool(Path directory) {
        return new QueueSettings(directory, reserveBytes, minimalBackoff, maximalBackoff, lifetime, destinationConcurrency);
    }

    /** var/spool, 64 MB reserve, 300 s doubling to 4000 s, 5 days, 20 per destination. */
    public static QueueSettings defaults() {
        return new QueueSettings(DEFAULT_SPOOL, Spool.DEFAULT_RESERVE_BYTES, Backoff.DEFAULT_MINIMUM,
                Backoff.DEFAULT_MAXIMUM, Backoff.DEFAULT_LIFETIME, DestinationLimiter.DEFAULT_LIMIT);
    }
}
