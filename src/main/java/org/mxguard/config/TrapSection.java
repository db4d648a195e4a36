package org.mxguard.config;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.mxguard.dns.DnsNames;
import org.mxguard.policy.Action;

/** Reads {@code [trap]}: the trap MX's listen addresses, how long a client stays recorded, and the action. */
final class TrapSection {
    static final List<String> KEYS = List.of("listen", "expiry-hours", "action");

    private TrapSection() {
    }

    /** @param smtp its listen addresses, which the trap's must not overlap */
    static TrapSettings read(ConfigNode trap, SmtpSettings smtp) throws ConfigException {
        TrapSettings t = TrapSettings.defaults();
        if (!trap.isPresent()) {
            return t;
        }
        trap.allowOnly(KEYS, "a table [trap]");
        ConfigNode listenNode = trap.get("listen");
        if (!listenNode.isPresent()) {
            // Without a listener nothing is ever recorded: a [trap] table without one is a mistake.
            throw trap.error("needs listen: the trap MX's addresses, e.g. [\"192.0.2.26:25\"]");
        }
        List<InetSocketAddress> listen = listen(listenNode, smtp);
        long hours = trap.get("expiry-hours").number(1, 8760, t.expiry().toHours());
        Action action = BackupMxSection.action(trap.get("action"), t.action());
        return new TrapSettings(listen, Duration.ofHours(hours), action);
    }

    private static List<InetSocketAddress> listen(ConfigNode node, SmtpSettings smtp) throws ConfigException {
        List<InetSocketAddress> all = new ArrayList<>();
        Map<InetSocketAddress, String> seen = new HashMap<>();
        for (ConfigNode a : node.elements("an array of addresses like [\"192.0.2.26:25\"]")) {
            InetSocketAddress address;
            try {
                address = HostPort.parseIp(a.text(), TrapSettings.DEFAULT_PORT);
            } catch (IllegalArgumentException e) {
                throw a.error("bad listen address: " + e.getMessage(), e);
            }
            String first = seen.putIfAbsent(address, a.path().toString());
            if (first != null) {
                throw a.error(ConfigNode.quote(a.text()) + " is already " + first);
            }
            for (int i = 0; i < smtp.listen().size(); i++) {
                InetSocketAddress main = smtp.listen().get(i);
                if (overlaps(address, main)) {
                    throw a.error(ConfigNode.quote(a.text()) + " overlaps the SMTP listener's "
                            + DnsNames.text(main)
                            + " (smtp.listen[" + i + "]" + (smtp.listen().equals(SmtpSettings.defaults().listen())
                                    ? ", the default" : "") + "): give the trap an address of its own, and the "
                            + "listener its addresses in smtp.listen");
                }
            }
            all.add(address);
        }
        if (all.isEmpty()) {
            throw node.error("empty list: give at least one address, or leave out [trap] for no trap");
        }
        return all;
    }

    /** Same port, and the same address or a wildcard on either side: the two cannot both be bound. */
    private static boolean overlaps(InetSocketAddress a, InetSocketAddress b) {
        if (a.getPort() != b.getPort()) {
            return false;
        }
        return a.getAddress().isAnyLocalAddress() || b.getAddress().isAnyLocalAddress()
                || DnsNames.canonical(a.getAddress()).equals(DnsNames.canonical(b.getAddress()));
    }
}
