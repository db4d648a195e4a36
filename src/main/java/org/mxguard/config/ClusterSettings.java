package org.mxguard.config;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * {@code [cluster]}: where gateway nodes share what they learn of clients (trap-MX hits,
 * greeting-test passes, connection rates, backup-MX primaries' health). Each node's spool stays
 * its own.
 *
 * @param redis   a Redis URI ({@code redis://host:port}, {@code rediss://} for TLS, with an optional
 *                password and database); empty (the default): every node keeps its own state
 * @param timeout how long a Redis command may take before the node answers from its own state
 *                instead (default 200 ms)
 */
public record ClusterSettings(Optional<String> redis, Duration timeout) {
    public static final Duration DEFAULT_TIMEOUT = Duration.ofMillis(200);

    public ClusterSettings {
        Objects.requireNonNull(redis, "redis");
        Objects.requireNonNull(timeout, "timeout");
        if (!timeout.isPositive()) {
            throw new IllegalArgumentException("the Redis timeout must be positive");
        }
    }

    /** No sharing: state stays in the process. */
    public static ClusterSettings defaults() {
        return new ClusterSettings(Optional.empty(), DEFAULT_TIMEOUT);
    }
}
