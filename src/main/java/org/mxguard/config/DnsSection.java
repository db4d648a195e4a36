package org.mxguard.config;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Reads {@code [dns]}. */
final class DnsSection {
    static final List<String> KEYS = List.of("servers", "timeout-ms", "retries", "cache-size", "query-budget");

    private DnsSection() {
    }

    static DnsSettings read(ConfigNode dns) throws ConfigException {
        DnsSettings d = DnsSettings.defaults();
        if (!dns.isPresent()) {
            return d;
        }
        dns.allowOnly(KEYS, "a table [dns]");
        List<InetSocketAddress> servers = servers(dns.get("servers"), d.servers());
        long timeoutMs = dns.get("timeout-ms").number(1, 60_000, d.timeout().toMillis());
        long retries = dns.get("retries").number(0, 5, d.retries());
        long cacheSize = dns.get("cache-size").number(0, Long.MAX_VALUE, d.cacheSize());
        long budget = dns.get("query-budget").number(1, 1000, d.queryBudget());
        return new DnsSettings(servers, Duration.ofMillis(timeoutMs), (int) retries, cacheSize, (int) budget);
    }

    private static List<InetSocketAddress> servers(ConfigNode node, List<InetSocketAddress> ifAbsent)
            throws ConfigException {
        if (!node.isPresent()) {
            return ifAbsent;
        }
        List<InetSocketAddress> servers = new ArrayList<>();
        for (ConfigNode s : node.elements("an array of addresses like [\"127.0.0.1:53\"]")) {
            try {
                servers.add(HostPort.parseIp(s.text(), DnsSettings.DEFAULT_PORT));
            } catch (IllegalArgumentException e) {
                throw s.error("bad DNS server address: " + e.getMessage(), e);
            }
        }
        return servers;
    }
}
