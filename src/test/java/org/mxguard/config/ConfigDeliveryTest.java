package org.mxguard.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.mxguard.delivery.AddressOrder;
import org.mxguard.delivery.NextHop;
import org.mxguard.dns.InetAddresses;

/** The outbound sections: {@code [delivery]}, {@code [[egress]]}, {@code [queue]}. */
class ConfigDeliveryTest {
    private static MxguardConfig parse(String toml) throws ConfigException {
        return ConfigLoader.parse(toml, Path.of("delivery.toml"));
    }

    @Test
    void defaultsAreAsDocumented() {
        DeliverySettings d = DeliverySettings.defaults();
        assertThat(d.transports().defaultPort()).isEqualTo(25);
        assertThat(d.transports().addressOrder()).isEqualTo(AddressOrder.IPV4_FIRST);
        assertThat(d.transports().relayDomains()).isEmpty();
        assertThat(d.transports().smartHost()).isEmpty();
        assertThat(d.heloName()).isEmpty();
        assertThat(d.connectTimeout()).isEqualTo(Duration.ofSeconds(30));

        QueueSettings q = QueueSettings.defaults();
        assertThat(q.spool()).isEqualTo(Path.of("var/spool"));
        assertThat(q.spool().isAbsolute()).isFalse();
        assertThat(q.reserveBytes()).isEqualTo(64L << 20);
        assertThat(q.minimalBackoff()).isEqualTo(Duration.ofSeconds(300));
        assertThat(q.maximalBackoff()).isEqualTo(Duration.ofSeconds(4000));
        assertThat(q.lifetime()).isEqualTo(Duration.ofHours(120));
        assertThat(q.destinationConcurrency()).isEqualTo(20);

        assertThat(MxguardConfig.defaults().egress()).isEmpty();
    }

    @Test
    void everyKeyIsRead() throws Exception {
        MxguardConfig c = parse("""
                [delivery]
                port = 2525
                smart-host = "[relay.example.net]:587"
                address-order = "ipv6-first"
                helo = "MX.Example.ORG."
                connect-timeout-ms = 1500
                relay-domains = { "example.org" = "[2001:db8::5]:25", ".example.org" = "10.0.0.5" }

                [[egress]]
                address = "2001:db8::25"
                helo = "mx6.example.org"

                [queue]
                spool = "/var/spool/mxguard"
                reserve-mb = 0
                minimal-backoff-s = 60
                maximal-backoff-s = 60
                lifetime-hours = 1
                destination-concurrency = 1
                """);
        DeliverySettings d = c.delivery();
        assertThat(d.transports().defaultPort()).isEqualTo(2525);
        assertThat(d.transports().smartHost()).contains(NextHop.of("relay.example.net", 587));
        assertThat(d.transports().addressOrder()).isEqualTo(AddressOrder.IPV6_FIRST);
        assertThat(d.transports().relayDomains()).containsOnly(
                entry("example.org", NextHop.of("2001:db8::5", 25)), entry(".example.org", NextHop.of("10.0.0.5")));
        assertThat(d.heloName()).as("normalized").contains("mx.example.org");
        assertThat(d.connectTimeout()).isEqualTo(Duration.ofMillis(1500));
        assertThat(c.egress()).containsExactly(
                new EgressSettings(InetAddresses.require("2001:db8::25"), Optional.of("mx6.example.org")));
        assertThat(c.queue()).isEqualTo(new QueueSettings(Path.of("/var/spool/mxguard"), 0, Duration.ofMinutes(1),
                Duration.ofMinutes(1), Duration.ofHours(1), 1));
    }

    @Test
    void relayDomainsAsASubTableAndThePortOverride() throws Exception {
        MxguardConfig c = parse("""
                [delivery.relay-domains]
                "example.org" = "mail.example.org"
                """);
        assertThat(c.delivery().transports().relayDomains()).containsOnly(entry("example.org", NextHop.of("mail.example.org")));

        MxguardConfig overridden = c.withDelivery(c.delivery().withPort(2525));
        assertThat(overridden.delivery().transports().defaultPort()).isEqualTo(2525);
        assertThat(overridden.delivery().transports().relayDomains()).isEqualTo(c.delivery().transports().relayDomains());
        assertThat(overridden.dns()).isEqualTo(c.dns());
    }
}
