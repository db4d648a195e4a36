package org.mxguard.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mxguard.config.ConfigMistakes.failsAt;

import java.net.InetSocketAddress;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.mxguard.dns.InetAddresses;

/** {@code [metrics]}: off by default, one address per command, and mistakes located as FILE:LINE: metrics.KEY. */
class ConfigMetricsTest {
    private static MxguardConfig parse(String toml) throws ConfigException {
        return ConfigLoader.parse(toml, ConfigMistakes.FILE);
    }

    @Test
    void offUnlessConfigured() throws Exception {
        assertThat(parse("# nothing\n").metrics()).isEqualTo(MetricsSettings.defaults());
        assertThat(MxguardConfig.defaults().metrics().serve()).isEmpty();
        assertThat(parse("[metrics]\n").metrics()).isEqualTo(MetricsSettings.defaults());
    }

    @Test
    void eachCommandItsOwnAddressPort9325WhenNoneIsGiven() throws Exception {
        MxguardConfig c = parse("""
                [metrics]
                serve = "127.0.0.1"
                policy = "127.0.0.1:9326"
                milter = "[::1]:9327"
                """);
        assertThat(c.metrics()).isEqualTo(new MetricsSettings(
                Optional.of(new InetSocketAddress(InetAddresses.require("127.0.0.1"), 9325)),
                Optional.of(new InetSocketAddress(InetAddresses.require("127.0.0.1"), 9326)),
                Optional.of(new InetSocketAddress(InetAddresses.require("::1"), 9327))));
        assertThat(c.withSmtp(c.smtp()).withDns(c.dns()).metrics()).as("the overrides carry it").isEqualTo(c.metrics());
    }

    @Test
    void mistakesNameFileLineAndKey() {
        assertThat(failsAt("[metrics]\n\nserve = \"metrics.example\"\n", 3, "metrics.serve").getMessage())
                .contains("bad address");
        assertThat(failsAt("[metrics]\nserve = \"127.0.0.1:9325\"\npolicy = \"127.0.0.1\"\n", 3, "metrics.policy")
                .getMessage()).contains("is already metrics.serve").contains("its own port");
        failsAt("[metrics]\nmilter = 9327\n", 2, "metrics.milter");
        assertThat(failsAt("[metrics]\nlisten = \"127.0.0.1\"\n", 2, "metrics.listen").getMessage())
                .contains("unknown key");
    }
}
