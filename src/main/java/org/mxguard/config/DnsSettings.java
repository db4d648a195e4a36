package org.mxguard.config;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * How mxguard asks DNS.
 *
 * @param servers     resolvers to ask, in order; empty means the system's (/etc/resolv.conf)
 * @param timeout     how long to wait for one answer
 * @param retries     further tries after a timeout
 * @param cacheSize   answers kept in the cache (0 disables it)
 * @param queryBudget distinct lookups one verdict may make; beyond it a check is permerror
 */
public record DnsSettings(List<InetSocketAddress> servers, Duration timeout, int retries, long cacheSize,
        int queryBudget) {
    public static final int DEFAULT_PORT = 53;

    public DnsSettings {
        servers = List.copyOf(servers);
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative() || timeout.isZero() || retries < 0 || cacheSize < 0 || queryBudget < 1) {
            throw new IllegalArgumentException("timeout must be positive, retries and cacheSize not negative, "
                    + "queryBudget at least 1");
        }
    }

    public static DnsSettings defaults() {
        return new DnsSettings(List.of(), Duration.ofSeconds(2), 1, 100_000, 20);
    }

    /** These settings with other servers (the CLI's {@code --dns} overrides the file). */
    public DnsSettings withServers(List<InetSocketAddress> newServers) {
        return new DnsSettings(newServers, timeout, retries, cacheSize, queryBudget);
    }
}
