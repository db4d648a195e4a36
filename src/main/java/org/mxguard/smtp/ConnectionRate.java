package org.mxguard.smtp;

import java.net.InetAddress;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import org.mxguard.policy.Reply;

/**
 * How many connections one client may open in a window (Postfix's anvil:
 * {@code smtpd_client_connection_rate_limit} per {@code anvil_rate_time_unit}). Counted in the
 * gateway's shared state, so with Redis the limit holds for the whole cluster, not per node.
 *
 * @param maxConnections connections allowed in one window; the next ones are refused until it ends
 * @param window         the window, from the client's first connection in it
 */
public record ConnectionRate(long maxConnections, Duration window) {
    /** Postfix's anvil_rate_time_unit. */
    public static final Duration DEFAULT_WINDOW = Duration.ofMinutes(1);

    public ConnectionRate {
        Objects.requireNonNull(window, "window");
        if (maxConnections < 1 || !window.isPositive()) {
            throw new IllegalArgumentException("the rate limit and its window must be positive");
        }
    }

    /** {@code 421 4.7.0} for a connection past the limit, as Postfix answers it. */
    Optional<Reply> refusal(InetAddress client, long connectionsInWindow) {
        return connectionsInWindow > maxConnections
                ? Optional.of(new Reply(421, "4.7.0", "Error: too many connections from " + client.getHostAddress()))
                : Optional.empty();
    }
}
