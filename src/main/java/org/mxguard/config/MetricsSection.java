package org.mxguard.config;

import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Reads {@code [metrics]}: the Prometheus endpoint of each command, {@code serve}, {@code policy} and {@code milter}. */
final class MetricsSection {
    static final List<String> KEYS = List.of("serve", "policy", "milter");

    private MetricsSection() {
    }

    static MetricsSettings read(ConfigNode metrics) throws ConfigException {
        if (!metrics.isPresent()) {
            return MetricsSettings.defaults();
        }
        metrics.allowOnly(KEYS, "a table [metrics]");
        Map<InetSocketAddress, String> seen = new HashMap<>();
        return new MetricsSettings(address(metrics.get("serve"), seen), address(metrics.get("policy"), seen),
                address(metrics.get("milter"), seen));
    }

    private static Optional<InetSocketAddress> address(ConfigNode node, Map<InetSocketAddress, String> seen)
            throws ConfigException {
        if (!node.isPresent()) {
            return Optional.empty();
        }
        InetSocketAddress address;
        try {
            address = HostPort.parseIp(node.text(), MetricsSettings.DEFAULT_PORT);
        } catch (IllegalArgumentException e) {
            throw node.error("bad address: " + e.getMessage() + " (e.g. \"127.0.0.1:9325\")", e);
        }
        String first = seen.putIfAbsent(address, node.path().toString());
        if (first != null) {
            // the commands run as separate processes: the second could not bind it
            throw node.error(ConfigNode.quote(node.text()) + " is already " + first + ": give each command its own port");
        }
        return Optional.of(address);
    }
}
