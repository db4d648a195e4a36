package org.mxguard.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

import java.net.InetSocketAddress;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import org.junit.jupiter.api.Test;
import org.mxguard.check.Result;
import org.mxguard.delivery.AddressOrder;
import org.mxguard.delivery.NextHop;
import org.mxguard.delivery.Transports;
import org.mxguard.dns.InetAddresses;
import org.mxguard.policy.Action;
import org.mxguard.policy.ActionTable;
import org.mxguard.policy.AllowlistEntry;
import org.mxguard.policy.AllowlistEntry.Kind;
import org.mxguard.policy.Scoring;

class ConfigLoaderTest {
    private static Path example() throws URISyntaxException {
        return Path.of(ConfigLoaderTest.class.getResource("/config/example.toml").toURI());
    }

    @Test
    void exampleLoadsToItsValues() throws Exception {
        Path file = example();
        MxguardConfig c = ConfigLoader.load(file);

        assertThat(c.file()).isEqualTo(file);
        assertThat(c.dns().servers()).containsExactly(
                new InetSocketAddress(InetAddresses.require("127.0.0.1"), 53),
                new InetSocketAddress(InetAddresses.require("2001:db8::53"), 53));
        assertThat(c.dns().servers()).noneMatch(InetSocketAddress::isUnresolved);
        assertThat(c.dns().timeout()).isEqualTo(Duration.ofMillis(2000));
        assertThat(c.dns().retries()).isEqualTo(1);
        assertThat(c.dns().cacheSize()).isEqualTo(100_000);
        assertThat(c.dns().queryBudget()).isEqualTo(20);

        assertThat(c.identity().hostNames()).containsExactly("mx.example.org");
        assertThat(c.identity().addresses()).containsExactlyInAnyOrder(
                InetAddresses.require("192.0.2.25"), InetAddresses.require("2001:db8::25"));

        SmtpSettings smtp = c.smtp();
        assertThat(smtp.listen()).containsExactly(
                new InetSocketAddress(InetAddresses.require("192.0.2.25"), 25),
                new InetSocketAddress(InetAddresses.require("2001:db8::25"), 25));
        assertThat(smtp.hostname()).contains("mx.example.org");
        assertThat(smtp.trustedNetworks()).containsExactly(
                AllowlistEntry.Cidr.parse("10.0.0.0/8"), AllowlistEntry.Cidr.parse("2001:db8:1::/48"));
        assertThat(smtp.proxyProtocolFrom()).extracting(Object::toString).containsExactly("192.0.2.80/32");
        assertThat(smtp.xclientFrom()).extracting(Object::toString).containsExactly("127.0.0.1/32");
        assertThat(smtp).as("the rest are the defaults, written out").usingRecursiveComparison()
                .ignoringFields("listen", "hostname", "trustedNetworks", "proxyProtocolFrom", "xclientFrom")
                .isEqualTo(SmtpSettings.defaults());
        assertThat(smtp.tls()).as("the TLS files are commented out").isFalse();

        ActionTable a = c.actions();
        assertThat(a.actionFor("helo", Result.FAIL)).as("overridden").isEqualTo(Action.TAG);
        assertThat(a.actionFor("reverse-mx:from", Result.FAIL)).as("overridden by exact name").isEqualTo(Action.TAG);
        assertThat(a.actionFor("reverse-mx:mail-from", Result.FAIL)).as("family default").isEqualTo(Action.LOG);
        assertThat(a.actionFor("iprev", Result.TEMPERROR)).isEqualTo(Action.TEMPFAIL);
        assertThat(a.actionFor("sender-domain", Result.FAIL)).as("default kept").isEqualTo(Action.REJECT);
        assertThat(a.actionFor("generic-ptr", Result.FAIL)).as("default kept").isEqualTo(Action.TAG);

        Scoring scoring = c.scoring();
        assertThat(scoring.enabled()).as("shown, but off").isFalse();
        assertThat(scoring.thresholds()).isEqualTo(new Scoring.Thresholds(4.0, OptionalDouble.empty(), 8.0));
        assertThat(scoring.weightFor("helo", Result.FAIL)).isEqualTo(2.5);
        assertThat(scoring.weightFor("helo", Result.PASS)).isEqualTo(-1.0);
        assertThat(scoring.weightFor("reverse-mx:from", Result.FAIL)).as("family").isEqualTo(1.0);
        assertThat(scoring.weightFor("reverse-mx:reply-to", Result.FAIL)).as("exact name").isEqualTo(0.5);
        assertThat(scoring.weightFor("sender-domain", Result.FAIL)).as("default kept").isEqualTo(8.0);
        assertThat(c.withScoring(scoring.withEnabled(true)).policy().scoring().enabled()).isTrue();

        List<AllowlistEntry> entries = c.allowlist().entries();
        assertThat(entries).extracting(AllowlistEntry::kind)
                .containsExactly(Kind.CIDR, Kind.SENDER_DOMAIN, Kind.PTR_SUFFIX);
        assertThat(entries.get(0).value()).isEqualTo("192.0.2.0/24");
        assertThat(entries.get(0).checks()).containsExactly("iprev", "generic-ptr");
        assertThat(entries.get(0).comment()).isEqualTo("partner relay");
        assertThat(entries.get(0).matchesIp(InetAddresses.require("192.0.2.200"))).isTrue();
        assertThat(entries.get(1).value()).isEqualTo("lists.example.net");
        assertThat(entries.get(1).covers("reverse-mx:from")).isTrue();
        assertThat(entries.get(1).covers("iprev")).isFalse();
        assertThat(entries.get(2).value()).isEqualTo("outbound.example.com");
        assertThat(entries.get(2).checks()).isEmpty();

        Transports t = c.delivery().transports();
        assertThat(t.defaultPort()).isEqualTo(25);
        assertThat(t.addressOrder()).isEqualTo(AddressOrder.IPV4_FIRST);
        assertThat(t.smartHost()).isEmpty();
        assertThat(t.relayDomains()).containsOnly(
                entry("example.org", NextHop.of("10.0.0.5", 2525)), entry(".example.org", NextHop.of("mail.example.org")),
                entry("example.net", NextHop.of("192.0.2.10", 25)));
        assertThat(c.delivery().heloName()).contains("mx.example.org");
        assertThat(c.delivery().connectTimeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(c.egress()).containsExactly(
                new EgressSettings(InetAddresses.require("192.0.2.25"), Optional.of("mx.example.org")),
                new EgressSettings(InetAddresses.require("2001:db8::25"), Optional.empty()));
        assertThat(c.queue()).isEqualTo(QueueSettings.defaults());

        assertThat(c.backupMx()).containsExactly(new BackupMxSettings("example.net",
                new InetSocketAddress(InetAddresses.require("192.0.2.10"), 25), Duration.ofSeconds(60), Action.TEMPFAIL));
        assertThat(c.trap()).isEqualTo(new TrapSettings(
                List.of(new InetSocketAddress(InetAddresses.require("192.0.2.26"), 25)), Duration.ofHours(24),
                Action.REJECT));
        assertThat(c.policyService().tcpAddresses())
                .containsExactly(new InetSocketAddress(InetAddresses.require("127.0.0.1"), 10045));
        assertThat(c.policyService()).as("the defaults, written out; the socket commented out")
                .isEqualTo(PolicyServiceSettings.defaults().withListen(c.policyService().tcpAddresses()));
        assertThat(c.metrics()).as("serve's endpoint; policy's and milter's commented out").isEqualTo(new MetricsSettings(
                Optional.of(new InetSocketAddress(InetAddresses.require("127.0.0.1"), 9325)), Optional.empty(),
                Optional.empty()));
    }

    @Test
    void readmeShowsTheExample() throws Exception {
        String readme = Files.readString(Path.of("README.md"), StandardCharsets.UTF_8);
        String intro = "Example (`src/test/resources/config/example.toml`, loaded by the tests):\n\n```toml\n";
        int start = readme.indexOf(intro);
        assertThat(start).as("the README's example block").isNotNegative();
        start += intro.length();
        String shown = readme.substring(start, readme.indexOf("```\n", start));
        assertThat(shown).isEqualTo(Files.readString(example(), StandardCharsets.UTF_8));
    }

    @Test
    void emptyTextIsTheDefaults() throws Exception {
        MxguardConfig c = ConfigLoader.parse("# nothing set\n", Path.of("empty.toml"));
        MxguardConfig d = MxguardConfig.defaults();
        assertThat(c.dns()).isEqualTo(d.dns());
        assertThat(c.identity()).isEqualTo(d.identity());
        assertThat(c.smtp()).isEqualTo(d.smtp());
        assertThat(c.allowlist()).isEqualTo(d.allowlist());
        assertThat(c.delivery()).isEqualTo(d.delivery());
        assertThat(c.egress()).isEqualTo(d.egress()).isEmpty();
        assertThat(c.queue()).isEqualTo(d.queue());
        assertThat(c.scoring().enabled()).isEqualTo(d.scoring().enabled()).isFalse();
        assertThat(c.backupMx()).isEqualTo(d.backupMx()).isEmpty();
        assertThat(c.trap()).isEqualTo(d.trap());
        assertThat(c.actions().actionFor("iprev", Result.FAIL)).isEqualTo(Action.REJECT);
        assertThat(d.file()).isNull();
    }

    @Test
    void defaultsAreAsDocumented() {
        DnsSettings d = DnsSettings.defaults();
        assertThat(d.servers()).isEmpty();
        assertThat(d.timeout()).isEqualTo(Duration.ofSeconds(2));
        assertThat(d.retries()).isEqualTo(1);
        assertThat(d.cacheSize()).isEqualTo(100_000);
        assertThat(d.queryBudget()).isEqualTo(20);
        InetSocketAddress s = new InetSocketAddress(InetAddresses.require("192.0.2.53"), 53);
        assertThat(d.withServers(List.of(s)).servers()).containsExactly(s);
        assertThat(d.withServers(List.of(s)).timeout()).isEqualTo(d.timeout());
    }

    @Test
    void inlineTablesAndFamiliesWork() throws Exception {
        MxguardConfig c = ConfigLoader.parse("""
                policy.reverse-mx = { fail = "TAG", temperror = "log" }
                allowlist = [
                  { cidr = "2001:db8::/32", checks = ["reverse-mx:*", "*"] },
                  { ptr-suffix = ".relay.example.com." },
                ]
                """, Path.of("inline.toml"));
        assertThat(c.actions().actionFor("reverse-mx:ptr", Result.FAIL)).isEqualTo(Action.TAG);
        assertThat(c.actions().actionFor("reverse-mx:ptr", Result.TEMPERROR)).isEqualTo(Action.LOG);
        assertThat(c.allowlist().entries()).hasSize(2);
        assertThat(c.allowlist().entries().get(1).value()).isEqualTo("relay.example.com");
    }

    @Test
    void emptyServerListMeansTheSystemResolvers() throws Exception {
        MxguardConfig c = ConfigLoader.parse("[dns]\nservers = []\n", Path.of("x.toml"));
        assertThat(c.dns().servers()).isEmpty();
    }
}
