package org.mxguard.config;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import org.mxguard.policy.Action;

/**
 * The trap MX ({@code [trap]}): extra listeners, published as an MX host no legitimate sender
 * needs, that record every client connecting there; the SMTP listener then gives recorded clients
 * {@code action} until the record expires.
 *
 * @param listen addresses of the trap listener; empty (the default): no trap
 * @param expiry how long a client stays recorded after its last connection to the trap (default 24 h)
 * @param action {@code reject} (550, the default), {@code tempfail} (450), {@code log}, or {@code tag}
 *               (the message gets {@code X-Mxguard-Tag: trap-mx=connected}); never {@code accept}
 */
public record TrapSettings(List<InetSocketAddress> listen, Duration expiry, Action action) {
    public static final int DEFAULT_PORT = 25;
    public static final Duration DEFAULT_EXPIRY = Duration.ofHours(24);
    public static final Action DEFAULT_ACTION = Action.REJECT;

    public TrapSettings {
        listen = List.copyOf(listen);
        Objects.requireNonNull(expiry, "expiry");
        Objects.requireNonNull(action, "action");
        if (listen.stream().anyMatch(InetSocketAddress::isUnresolved)) {
            throw new IllegalArgumentException("trap listen addresses are IP addresses");
        }
        if (expiry.isNegative() || expiry.isZero()) {
            throw new IllegalArgumentException("the expiry must be positive");
        }
        if (action == Action.ACCEPT) {
            throw new IllegalArgumentException("accept would do nothing: use log, tag, tempfail or reject");
        }
    }

    /** No trap: no listener, the default expiry and action. */
    public static TrapSettings defaults() {
        return new TrapSettings(List.of(), DEFAULT_EXPIRY, DEFAULT_ACTION);
    }

    /** True when there is a trap listener to start. */
    public boolean enabled() {
        return !listen.isEmpty();
    }

    /** These settings with other listen addresses (tests and a CLI override). */
    public TrapSettings withListen(List<InetSocketAddress> newListen) {
        return new TrapSettings(newListen, expiry, action);
    }
}
