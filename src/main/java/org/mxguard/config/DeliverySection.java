package org.mxguard.config;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.mxguard.check.HostNameSyntax;
import org.mxguard.delivery.AddressOrder;
import org.mxguard.delivery.NextHop;
import org.mxguard.delivery.Transports;
import org.mxguard.dns.DnsNames;

/** Reads {@code [delivery]}: relay domains, smart host, port, address order, EHLO name, connect timeout. */
final class DeliverySection {
    static final List<String> KEYS =
            List.of("port", "relay-domains", "smart-host", "address-order", "helo", "connect-timeout-ms");
    private static final List<String> ORDERS = List.of("ipv4-first", "ipv6-first");

    private DeliverySection() {
    }

    static DeliverySettings read(ConfigNode delivery) throws ConfigException {
        DeliverySettings d = DeliverySettings.defaults();
        if (!delivery.isPresent()) {
            return d;
        }
        delivery.allowOnly(KEYS, "a table [delivery]");
        int port = (int) delivery.get("port").number(1, 65535, d.transports().defaultPort());
        Transports transports = Transports.mxOnly().withDefaultPort(port)
                .withAddressOrder(addressOrder(delivery.get("address-order"), d.transports().addressOrder()));
        ConfigNode relays = delivery.get("relay-domains");
        if (relays.isPresent()) {
            for (Map.Entry<String, ConfigNode> relay : relays.table("a table of \"domain\" = \"next hop\"").entrySet()) {
                NextHop hop = nextHop(relay.getValue());
                try {
                    transports = transports.withRelayDomain(relay.getKey(), hop);
                } catch (IllegalArgumentException e) {
                    throw relay.getValue().error(e.getMessage(), e); // a bad or repeated domain key
                }
            }
        }
        ConfigNode smartHost = delivery.get("smart-host");
        if (smartHost.isPresent()) {
            transports = transports.withSmartHost(nextHop(smartHost));
        }
        long connectMs = delivery.get("connect-timeout-ms").number(1, 300_000, d.connectTimeout().toMillis());
        return new DeliverySettings(transports, heloName(delivery.get("helo")), Duration.ofMillis(connectMs));
    }

    /** An EHLO name: a fully-qualified host name, as receivers check it (also used by {@code [[egress]]}). */
    static Optional<String> heloName(ConfigNode node) throws ConfigException {
        if (!node.isPresent()) {
            return Optional.empty();
        }
        String name = DnsNames.normalize(node.text());
        String problem = HostNameSyntax.problem(name);
        if (problem != null) {
            throw node.error(ConfigNode.quote(node.text()) + " is not a valid host name: " + problem);
        }
        return Optional.of(name);
    }

    private static NextHop nextHop(ConfigNode node) throws ConfigException {
        String text = node.text();
        try {
            return NextHop.parse(text);
        } catch (IllegalArgumentException e) {
            throw node.error(e.getMessage() + " (use HOST, HOST:PORT, [IP]:PORT)", e);
        }
    }

    private static AddressOrder addressOrder(ConfigNode node, AddressOrder ifAbsent) throws ConfigException {
        if (!node.isPresent()) {
            return ifAbsent;
        }
        String text = node.text();
        int i = ORDERS.indexOf(text);
        if (i < 0) {
            throw node.error("unknown address order " + ConfigNode.quote(text) + Suggestions.hint(text, ORDERS));
        }
        return i == 0 ? AddressOrder.IPV4_FIRST : AddressOrder.IPV6_FIRST;
    }
}
