package org.mxguard.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mxguard.config.ConfigMistakes.failsAt;

import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** {@code [cluster]} and the connection rate limit: off by default, mistakes located as FILE:LINE: KEY. */
class ConfigClusterTest {
    private static MxguardConfig parse(String toml) throws ConfigException {
        return ConfigLoader.parse(toml, ConfigMistakes.FILE);
    }

    @Test
    void stateStaysInTheProcessUnlessARedisIsGiven() throws Exception {
        assertThat(parse("# nothing\n").cluster()).isEqualTo(ClusterSettings.defaults());
        assertThat(ClusterSettings.defaults().redis()).isEmpty();
        assertThat(parse("# nothing\n").smtp().maxConnectionRatePerClient()).as("no rate limit").isZero();

        MxguardConfig c = parse("""
                [smtp]
                max-connection-rate-per-client = 60
                [cluster]
                redis = "redis://:secret@10.0.0.5:6380/2"
                timeout-ms = 150
                """);
        assertThat(c.cluster()).isEqualTo(new ClusterSettings(Optional.of("redis://:secret@10.0.0.5:6380/2"),
                Duration.ofMillis(150)));
        assertThat(c.smtp().maxConnectionRatePerClient()).isEqualTo(60);
        assertThat(c.withSmtp(c.smtp().withDryRun(true)).withDns(c.dns()).cluster()).as("the overrides carry it")
                .isEqualTo(c.cluster());
        assertThat(c.smtp().withListen(c.smtp().listen()).maxConnectionRatePerClient()).isEqualTo(60);
    }

    @Test
    void mistakesNameFileLineAndKey() {
        assertThat(failsAt("[cluster]\n\nredis = \"10.0.0.5:6379\"\n", 3, "cluster.redis").getMessage())
                .contains("not a Redis URI").contains("redis://HOST:PORT");
        assertThat(failsAt("[cluster]\nredis = \"redis://\"\n", 2, "cluster.redis").getMessage())
                .contains("not a Redis URI");
        failsAt("[cluster]\nredis = \"redis://127.0.0.1\"\ntimeout-ms = 0\n", 3, "cluster.timeout-ms");
        assertThat(failsAt("[cluster]\nredis-url = \"redis://127.0.0.1\"\n", 2, "cluster.redis-url").getMessage())
                .contains("unknown key");
        failsAt("[smtp]\nmax-connection-rate-per-client = -1\n", 2, "smtp.max-connection-rate-per-client");
    }
}
