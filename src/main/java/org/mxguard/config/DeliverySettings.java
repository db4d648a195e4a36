package org.mxguard.config;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import org.mxguard.delivery.Transports;

/**
 * How mail leaves ({@code [delivery]}).
 *
 * @param transports     relay domains, smart host, the port of MX hosts, which address family first
 * @param heloName       the EHLO name where an egress has none of its own; empty: the machine's host name
 * @param connectTimeout how long one TCP connection to a next hop may take
 */
public record DeliverySettings(Transports transports, Optional<String> heloName, Duration connectTimeout) {
    /** Postfix's {@code smtp_connect_timeout}. */
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(30);

    public DeliverySettings {
        Objects.requireNonNull(transports, "transports");
        Objects.requireNonNull(heloName, "heloName");
        Objects.requireNonNull(connectTimeout, "connectTimeout");
        if (connectTimeout.isNegative() || connectTimeout.isZero()) {
            throw new IllegalArgumentException("connectTimeout must be positive");
        }
    }

    /** Every domain by MX on port 25, IPv4 first, the machine's host name in EHLO. */
    public static DeliverySettings defaults() {
        return new DeliverySettings(Transports.mxOnly(), Optional.empty(), DEFAULT_CONNECT_TIMEOUT);
    }

    /** For {@code --delivery-port}: MX hosts (and next hops without a port) on another port. */
    /** The same settings with other transports (the CLI's {@code --relay-domain}). */
    public DeliverySettings withTransports(Transports newTransports) {
        return new DeliverySettings(newTransports, heloName, connectTimeout);
    }

    public DeliverySettings withPort(int port) {
        return new DeliverySettings(transports.withDefaultPort(port), heloName, connectTimeout);
    }
}
