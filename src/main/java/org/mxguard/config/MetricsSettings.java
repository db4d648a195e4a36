package org.mxguard.config;

import java.net.InetSocketAddress;
import java.util.Objects;
import java.util.Optional;

/**
 * {@code [metrics]}: where each command serves its Prometheus metrics ({@code /metrics} over HTTP).
 * One address per command, since {@code serve}, {@code policy} and {@code milter} are separate
 * processes that may share a configuration file and cannot share a port. The command line's
 * {@code --metrics} overrides the file.
 *
 * @param serve  the endpoint of {@code mxguard serve}; empty (the default): none
 * @param policy the endpoint of {@code mxguard policy}; empty: none
 * @param milter the endpoint of {@code mxguard milter}; empty: none
 */
public record MetricsSettings(Optional<InetSocketAddress> serve, Optional<InetSocketAddress> policy,
        Optional<InetSocketAddress> milter) {
    /** The port when an address is given without one. */
    public static final int DEFAULT_PORT = 9325;

    public MetricsSettings {
        Objects.requireNonNull(serve, "serve");
        Objects.requireNonNull(policy, "policy");
        Objects.requireNonNull(milter, "milter");
    }

    /** No metrics endpoint for any command. */
    public static MetricsSettings defaults() {
        return new MetricsSettings(Optional.empty(), Optional.empty(), Optional.empty());
    }
}
