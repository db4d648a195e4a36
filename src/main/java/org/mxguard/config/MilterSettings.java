package org.mxguard.config;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The milter ({@code [milter]}), what {@code mxguard milter} runs for a Postfix in front.
 *
 * @param listen          addresses the milter listens on (default {@code 127.0.0.1:8895}: a milter
 *                        has no authentication, so keep it on loopback or a private network)
 * @param hostname        the Authentication-Results authserv-id; empty: Postfix's {@code j} macro
 *                        ({@code myhostname}), else this machine's name
 * @param dryRun          refuse nothing the checks would refuse: log it as what it would have been
 * @param maxConnections  MTA connections at once (Postfix opens one per SMTP session)
 * @param maxPacketBytes  the largest milter packet taken (a header field travels in one); above it
 *                        the connection is closed
 * @param idleTimeout     how long a connection may wait for the MTA's next packet
 * @param verdictTimeout  how long a reply may wait for the checks before it is a 451
 */
public record MilterSettings(List<InetSocketAddress> listen, Optional<String> hostname, boolean dryRun,
        int maxConnections, int maxPacketBytes, Duration idleTimeout, Duration verdictTimeout) {
    public static final int DEFAULT_PORT = 8895;

    public MilterSettings {
        listen = List.copyOf(listen);
        Objects.requireNonNull(hostname, "hostname");
        Objects.requireNonNull(idleTimeout, "idleTimeout");
        Objects.requireNonNull(verdictTimeout, "verdictTimeout");
        if (listen.isEmpty() || listen.stream().anyMatch(InetSocketAddress::isUnresolved)) {
            throw new IllegalArgumentException("the milter listens on one or more IP addresses");
        }
    }

    public static MilterSettings defaults() {
        return new MilterSettings(List.of(new InetSocketAddress(org.mxguard.dns.InetAddresses.require("127.0.0.1"),
                DEFAULT_PORT)), Optional.empty(), false, 1000, 1 << 20, Duration.ofHours(1), Duration.ofSeconds(20));
    }

    /** These settings with other listen addresses (the CLI's {@code --listen}). */
    public MilterSettings withListen(List<InetSocketAddress> newListen) {
        return new MilterSettings(newListen, hostname, dryRun, maxConnections, maxPacketBytes, idleTimeout,
                verdictTimeout);
    }

    /** These settings with dry run on or off (the CLI's {@code --dry-run}). */
    public MilterSettings withDryRun(boolean on) {
        return new MilterSettings(listen, hostname, on, maxConnections, maxPacketBytes, idleTimeout, verdictTimeout);
    }
}
