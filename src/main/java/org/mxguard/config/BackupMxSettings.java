package org.mxguard.config;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Objects;
import org.mxguard.policy.Action;

/**
 * One {@code [[backup-mx]]} entry: a domain this gateway is a secondary MX for, and its primary.
 * While the primary greets a probe with {@code 220}, mail for the domain that arrives here gets
 * {@code action} at RCPT TO: legitimate senders try the primary first, spam software often starts
 * with the backup.
 *
 * @param domain        the recipient domain, lower-case A-labels without a trailing dot; a relay domain
 * @param primary       the primary MX's IP address and port (never a host name: see README)
 * @param probeInterval the pause between two probes of the primary
 * @param action        {@code tempfail} (450, the default), {@code reject} (550), {@code log}, or {@code tag}
 *                      (the message gets {@code X-Mxguard-Tag: backup-mx=primary-up}); never {@code accept}
 */
public record BackupMxSettings(String domain, InetSocketAddress primary, Duration probeInterval, Action action) {
    public static final int DEFAULT_PORT = 25;
    public static final Duration DEFAULT_PROBE_INTERVAL = Duration.ofSeconds(60);
    public static final Action DEFAULT_ACTION = Action.TEMPFAIL;

    public BackupMxSettings {
        Objects.requireNonNull(domain, "domain");
        Objects.requireNonNull(primary, "primary");
        Objects.requireNonNull(probeInterval, "probeInterval");
        Objects.requireNonNull(action, "action");
        if (primary.isUnresolved()) {
            throw new IllegalArgumentException("the primary is given by IP address, not by name: " + primary);
        }
        if (probeInterval.isNegative() || probeInterval.isZero()) {
            throw new IllegalArgumentException("the probe interval must be positive");
        }
        if (action == Action.ACCEPT) {
            throw new IllegalArgumentException("accept would do nothing: use log, tag, tempfail or reject");
        }
    }
}
