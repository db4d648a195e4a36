package org.mxguard.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.argumentSet;
import static org.mxguard.config.ConfigMistakes.failsAt;
import static org.mxguard.config.ConfigMistakes.problemContains;
import static org.mxguard.config.ConfigMistakes.problemIs;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.mxguard.config.SmtpSettings.RejectAt;
import org.mxguard.dns.InetAddresses;

/** {@code [policy-service]}: the defaults, every key, the flags' overrides, and every mistake located. */
class ConfigPolicyServiceTest {
    private static MxguardConfig parse(String toml) throws ConfigException {
        return ConfigLoader.parse(toml, ConfigMistakes.FILE);
    }

    private static InetSocketAddress address(String ip, int port) {
        return new InetSocketAddress(InetAddresses.require(ip), port);
    }

    @Test
    void withoutTheSectionItListensOnLoopbackOnly() throws Exception {
        PolicyServiceSettings p = parse("# nothing\n").policyService();
        assertThat(p).isEqualTo(PolicyServiceSettings.defaults()).isEqualTo(MxguardConfig.defaults().policyService());
        assertThat(p.tcpAddresses()).containsExactly(address("127.0.0.1", 10045));
        assertThat(p.socket()).isEmpty();
        assertThat(p.maxConnections()).isEqualTo(1000);
        assertThat(p.idleTimeout()).isEqualTo(Duration.ofSeconds(600));
        assertThat(p.maxLineBytes()).isEqualTo(4096);
        assertThat(p.maxRequestBytes()).isEqualTo(32768);
        assertThat(p.verdictTimeout()).isEqualTo(Duration.ofSeconds(60));
        assertThat(p.rejectAt()).isEqualTo(RejectAt.RCPT);
        assertThat(p.dryRun()).isFalse();
    }

    @Test
    void everyKeyIsRead() throws Exception {
        PolicyServiceSettings p = parse("""
                [policy-service]
                listen = ["127.0.0.1:9998", "[::1]"]
                socket = "/var/spool/postfix/private/mxguard"
                max-connections = 200
                idle-timeout-s = 900
                max-line-bytes = 2048
                max-request-bytes = 8192
                verdict-timeout-s = 20
                reject-at = "earliest"
                dry-run = true
                """).policyService();
        assertThat(p.tcpAddresses()).containsExactly(address("127.0.0.1", 9998), address("::1", 10045));
        assertThat(p.socket()).contains(Path.of("/var/spool/postfix/private/mxguard"));
        assertThat(p).extracting(PolicyServiceSettings::maxConnections, PolicyServiceSettings::idleTimeout,
                PolicyServiceSettings::maxLineBytes, PolicyServiceSettings::maxRequestBytes,
                PolicyServiceSettings::verdictTimeout, PolicyServiceSettings::rejectAt, PolicyServiceSettings::dryRun)
                .containsExactly(200, Duration.ofSeconds(900), 2048, 8192, Duration.ofSeconds(20), RejectAt.EARLIEST, true);
    }

    @Test
    void aSocketAloneMeansNoTcpListener() throws Exception {
        PolicyServiceSettings p = parse("[policy-service]\nsocket = \"/run/mxguard/policy\"\n").policyService();
        assertThat(p.tcpAddresses()).isEmpty();
        assertThat(p.socket()).contains(Path.of("/run/mxguard/policy"));
    }

    @Test
    void theFlagsOverrideTheirKeysOnly() throws Exception {
        MxguardConfig c = parse("[policy-service]\nlisten = [\"127.0.0.1:9998\"]\nverdict-timeout-s = 5\n");
        PolicyServiceSettings both = c.policyService().withSocket(Path.of("/tmp/p.sock"));
        assertThat(both.tcpAddresses()).containsExactly(address("127.0.0.1", 9998));
        assertThat(both.socket()).contains(Path.of("/tmp/p.sock"));
        PolicyServiceSettings moved = both.withListen(List.of(address("127.0.0.2", 1))).withDryRun(true);
        assertThat(moved.tcpAddresses()).containsExactly(address("127.0.0.2", 1));
        assertThat(moved.verdictTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(moved.dryRun()).isTrue();
        assertThat(PolicyServiceSettings.defaults().withSocket(Path.of("/tmp/p.sock")).tcpAddresses())
                .as("--socket alone, no file").isEmpty();
        MxguardConfig replaced = c.withPolicyService(moved);
        assertThat(replaced.policyService()).isEqualTo(moved);
        assertThat(replaced.smtp()).isEqualTo(c.smtp());
        assertThat(c.withTrap(c.trap()).withDns(c.dns()).withSmtp(c.smtp()).policyService()).isEqualTo(c.policyService());
        assertThat(moved.socket()).isEqualTo(Optional.of(Path.of("/tmp/p.sock")));
    }

    @ParameterizedTest
    @MethodSource("mistakes")
    void rejected(String toml, int line, String key, Consumer<String> problem) {
        problem.accept(failsAt(toml, line, key).problem());
    }

    static Stream<Arguments> mistakes() {
        String head = "[policy-service]\n";
        return Stream.of(
                argumentSet("sectionIsATable", "policy-service = 1\n", 1, "policy-service",
                        problemIs("expected a table [policy-service], got the number 1")),
                argumentSet("unknownKey", head + "listn = [\"127.0.0.1\"]\n", 2, "policy-service.listn",
                        problemIs("unknown key (did you mean \"listen\"?)")),
                argumentSet("listenEmpty", head + "listen = []\n", 2, "policy-service.listen",
                        problemContains("empty list", "omit listen for 127.0.0.1:10045")),
                argumentSet("listenHostName", head + "listen = [\"localhost:10045\"]\n", 2, "policy-service.listen[0]",
                        problemContains("bad listen address", "is a host name; give an IP address")),
                argumentSet("listenTwice", head + "listen = [\"127.0.0.1\", \"127.0.0.1:10045\"]\n", 2,
                        "policy-service.listen[1]", problemIs("\"127.0.0.1:10045\" is already policy-service.listen[0]")),
                argumentSet("socketEmpty", head + "socket = \"\"\n", 2, "policy-service.socket", problemIs("empty path")),
                argumentSet("socketNotAString", head + "socket = 1\n", 2, "policy-service.socket",
                        problemIs("expected a string, got the number 1")),
                argumentSet("connectionsZero", head + "max-connections = 0\n", 2, "policy-service.max-connections",
                        problemIs("0 is out of range (use 1 to 100000)")),
                argumentSet("idleZero", head + "idle-timeout-s = 0\n", 2, "policy-service.idle-timeout-s",
                        problemIs("0 is out of range (use 1 to 86400)")),
                argumentSet("lineTooShort", head + "max-line-bytes = 100\n", 2, "policy-service.max-line-bytes",
                        problemIs("100 is out of range (use 512 to 1048576)")),
                argumentSet("requestBelowLine", head + "max-line-bytes = 4096\nmax-request-bytes = 1024\n", 3,
                        "policy-service.max-request-bytes", problemContains("1024 is below max-line-bytes (4096)")),
                argumentSet("lineAboveTheDefaultRequest", head + "max-line-bytes = 65536\n", 2,
                        "policy-service.max-line-bytes", problemContains("65536 is above max-request-bytes (32768, the default)")),
                argumentSet("verdictTimeoutZero", head + "verdict-timeout-s = 0\n", 2, "policy-service.verdict-timeout-s",
                        problemIs("0 is out of range (use 1 to 3600)")),
                argumentSet("rejectAtTypo", head + "reject-at = \"rcp\"\n", 2, "policy-service.reject-at",
                        problemContains("unknown value \"rcp\"")),
                argumentSet("dryRunString", head + "dry-run = \"yes\"\n", 2, "policy-service.dry-run",
                        problemIs("expected true or false, got the string \"yes\"")));
    }
}
