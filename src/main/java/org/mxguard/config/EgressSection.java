package org.mxguard.config;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.mxguard.dns.InetAddresses;

/** Reads the {@code [[egress]]} tables: the source addresses mail leaves from, in order of preference. */
final class EgressSection {
    static final List<String> KEYS = List.of("address", "helo");

    private EgressSection() {
    }

    static List<EgressSettings> read(ConfigNode egress) throws ConfigException {
        if (!egress.isPresent()) {
            return List.of(); // the system chooses the source address
        }
        List<EgressSettings> all = new ArrayList<>();
        Map<InetAddress, String> seen = new HashMap<>();
        for (ConfigNode entry : egress.elements("entries written as [[egress]] tables")) {
            entry.allowOnly(KEYS, "a table with address and helo");
            ConfigNode addressNode = entry.get("address");
            if (!addressNode.isPresent()) {
                throw entry.error("needs address");
            }
            InetAddress address = address(addressNode);
            String first = seen.putIfAbsent(address, entry.path().toString());
            if (first != null) {
                throw addressNode.error(ConfigNode.quote(addressNode.text()) + " is already " + first);
            }
            all.add(new EgressSettings(address, DeliverySection.heloName(entry.get("helo"))));
        }
        return List.copyOf(all);
    }

    private static InetAddress address(ConfigNode node) throws ConfigException {
        Optional<InetAddress> ip = InetAddresses.parse(node.text());
        if (ip.isEmpty()) {
            throw node.error(ConfigNode.quote(node.text()) + " is not an IP address");
        }
        // A wildcard would mean "any", which is what leaving out [[egress]] already says.
        if (ip.get().isAnyLocalAddress() || ip.get().isMulticastAddress()) {
            throw node.error(ConfigNode.quote(node.text()) + " cannot be a source address");
        }
        return ip.get();
    }
}
