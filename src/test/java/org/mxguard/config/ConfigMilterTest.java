package org.mxguard.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mxguard.config.ConfigMistakes.failsAt;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.mxguard.dns.InetAddresses;

/** {@code [milter]}: the defaults, every key, and mistakes located as FILE:LINE: milter.KEY. */
class ConfigMilterTest {
    private static MxguardConfig parse(String toml) throws ConfigException {
        return ConfigLoader.parse(toml, ConfigMistakes.FILE);
    }

    @Test
    void defaultsOnLoopback() throws Exception {
        MilterSettings m = MilterSettings.defaults();
        assertThat(m.listen()).containsExactly(new InetSocketAddress(InetAddresses.require("127.0.0.1"), 8895));
        assertThat(m.hostname()).isEmpty();
        assertThat(m.dryRun()).isFalse();
        assertThat(m.maxConnections()).isEqualTo(1000);
        assertThat(m.maxPacketBytes()).isEqualTo(1 << 20);
        assertThat(m.idleTimeout()).isEqualTo(Duration.ofHours(1));
        assertThat(m.verdictTimeout()).isEqualTo(Duration.ofSeconds(20));
        assertThat(parse("# nothing\n").milter()).isEqualTo(m);
        assertThat(MxguardConfig.defaults().milter()).isEqualTo(m);
    }

    @Test
    void everyKeyIsRead() throws Exception {
        MxguardConfig c = parse("""
                [milter]
                listen = ["127.0.0.1", "[::1]:9000"]
                hostname = "MX.Example.org"
                dry-run = true
                max-connections = 50
                max-packet-bytes = 65536
                idle-timeout-s = 600
                verdict-timeout-s = 10
                """);
        assertThat(c.milter()).isEqualTo(new MilterSettings(
                List.of(new InetSocketAddress(InetAddresses.require("127.0.0.1"), 8895),
                        new InetSocketAddress(InetAddresses.require("::1"), 9000)),
                Optional.of("mx.example.org"), true, 50, 65536, Duration.ofMinutes(10), Duration.ofSeconds(10)));
        assertThat(c.withDns(c.dns()).milter()).as("the overrides carry it").isEqualTo(c.milter());
        assertThat(c.milter().withDryRun(false).dryRun()).isFalse();
    }

    @Test
    void mistakesNameFileLineAndKey() {
        assertThat(failsAt("[milter]\nlisten = []\n", 2, "milter.listen").getMessage())
                .endsWith("empty list: give at least one address, or omit listen for 127.0.0.1:8895");
        assertThat(failsAt("[milter]\n\nlisten = [\"mx.example\"]\n", 3, "milter.listen[0]").getMessage())
                .contains("bad listen address");
        failsAt("[milter]\nmax-packet-bytes = 1000\n", 2, "milter.max-packet-bytes");
        failsAt("[milter]\nverdict-timeout-s = 0\n", 2, "milter.verdict-timeout-s");
        failsAt("[milter]\nhostname = \"no spaces please\"\n", 2, "milter.hostname");
        assertThat(failsAt("[milter]\nlisten-on = [\"127.0.0.1\"]\n", 2, "milter.listen-on").getMessage())
                .contains("unknown key");
    }
}
