package org.mxguard.postfix;

import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import org.mxguard.policy.SessionChecks;
import org.mxguard.smtp.TransactionLog;
import org.mxguard.web.GatewayMetrics;

/**
 * What every milter connection shares, swapped as one on a reload: how to behave, how to start a
 * session's checks (the gateway's {@link SessionChecks}, so that verdicts are the gateway's), and
 * where transactions are logged and counted.
 *
 * @param checks       starts the checks of a session from its client's address
 * @param transactions one JSON line per transaction, as the gateway writes them
 */
public record MilterSetup(Settings settings, Function<InetAddress, SessionChecks> checks, TransactionLog transactions,
        GatewayMetrics metrics, Clock clock) {
    public MilterSetup {
        Objects.requireNonNull(settings, "settings");
        Objects.requireNonNull(checks, "checks");
        Objects.requireNonNull(transactions, "transactions");
        Objects.requireNonNull(metrics, "metrics");
        Objects.requireNonNull(clock, "clock");
    }

    /**
     * @param hostname         the Authentication-Results authserv-id; empty: the MTA's {@code j}
     *                         macro (Postfix's {@code myhostname}), else {@code fallbackHostname}
     * @param fallbackHostname this machine's name
     * @param dryRun           refuse nothing the checks would refuse: log it as what it would have been
     * @param maxPacketBytes   the largest packet taken; a larger one ends the connection
     * @param idleTimeout      how long a connection may wait for the MTA's next packet (an SMTP client may idle)
     * @param verdictTimeout   how long a reply may wait for the checks; keep it below Postfix's
     *                         {@code milter_command_timeout}, so that mxguard answers 451 rather than
     *                         Postfix timing out into its default action
     */
    public record Settings(Optional<String> hostname, String fallbackHostname, boolean dryRun, int maxPacketBytes,
            Duration idleTimeout, Duration verdictTimeout) {
        public static final int DEFAULT_MAX_PACKET_BYTES = 1 << 20;
        public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofHours(1);
        public static final Duration DEFAULT_VERDICT_TIMEOUT = Duration.ofSeconds(20);

        public Settings {
            Objects.requireNonNull(hostname, "hostname");
            Objects.requireNonNull(fallbackHostname, "fallbackHostname");
            Objects.requireNonNull(idleTimeout, "idleTimeout");
            Objects.requireNonNull(verdictTimeout, "verdictTimeout");
            if (maxPacketBytes < 64 || idleTimeout.isNegative() || idleTimeout.isZero() || verdictTimeout.isNegative()
                    || verdictTimeout.isZero()) {
                throw new IllegalArgumentException("limits and timeouts must be positive (packets at least 64 octets)");
            }
        }

        /** No configured name, no dry run, the default limits. */
        public static Settings defaults(String fallbackHostname) {
            return new Settings(Optional.empty(), fallbackHostname, false, DEFAULT_MAX_PACKET_BYTES, DEFAULT_IDLE_TIMEOUT,
                    DEFAULT_VERDICT_TIMEOUT);
        }

        public Settings withHostname(String name) {
            return new Settings(Optional.of(name), fallbackHostname, dryRun, maxPacketBytes, idleTimeout, verdictTimeout);
        }

        public Settings withDryRun(boolean on) {
            return new Settings(hostname, fallbackHostname, on, maxPacketBytes, idleTimeout, verdictTimeout);
        }
    }
}
