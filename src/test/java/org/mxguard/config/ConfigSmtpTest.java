package org.mxguard.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mxguard.config.ConfigMistakes.failsAt;
import static org.mxguard.config.ConfigMistakes.problemContains;
import static org.mxguard.config.ConfigMistakes.problemIs;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.params.provider.Arguments.argumentSet;

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
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.mxguard.config.SmtpSettings.RejectAt;
import org.mxguard.dns.InetAddresses;
import org.mxguard.policy.AllowlistEntry.Cidr;

/** {@code [smtp]}: the listener's defaults, every key, and every mistake located as FILE:LINE: smtp.KEY. */
class ConfigSmtpTest {
    private static final Path FILE = ConfigMistakes.FILE;

    private static MxguardConfig parse(String toml) throws ConfigException {
        return ConfigLoader.parse(toml, FILE);
    }

    private static InetSocketAddress address(String ip, int port) {
        return new InetSocketAddress(InetAddresses.require(ip), port);
    }

    @Test
    void defaultsAreAsDocumented() throws Exception {
        SmtpSettings s = SmtpSettings.defaults();
        assertThat(s.listen()).containsExactly(address("0.0.0.0", 25));
        assertThat(s.hostname()).isEmpty();
        assertThat(s.trustedNetworks()).isEmpty();
        assertThat(s.maxMessageBytes()).as("Postfix's message_size_limit").isEqualTo(10_240_000);
        assertThat(s.maxRecipients()).isEqualTo(1000);
        assertThat(s.maxConnections()).isEqualTo(10_000);
        assertThat(s.maxConnectionsPerClient()).isEqualTo(50);
        assertThat(s.commandTimeout()).isEqualTo(Duration.ofSeconds(300));
        assertThat(s.dataTimeout()).isEqualTo(Duration.ofSeconds(300));
        assertThat(s.hardErrorLimit()).isEqualTo(20);
        assertThat(s.greetWait()).isEqualTo(Duration.ofMillis(1000));
        assertThat(s.rejectAt()).isEqualTo(RejectAt.RCPT);
        assertThat(s.dryRun()).isFalse();
        assertThat(s.tlsCertificate()).isEmpty();
        assertThat(s.tlsKey()).isEmpty();
        assertThat(s.tls()).isFalse();

        assertThat(MxguardConfig.defaults().smtp()).isEqualTo(s);
        assertThat(parse("# nothing\n").smtp()).isEqualTo(s);
        assertThat(parse("[smtp]\n").smtp()).as("an empty table").isEqualTo(s);
    }

    @Test
    void everyKeyIsRead() throws Exception {
        SmtpSettings s = parse("""
                [smtp]
                listen = ["127.0.0.1:2525", "[::1]:25", "192.0.2.25", "2001:db8::25"]
                hostname = "MX.Example.ORG."
                trusted-networks = ["10.0.0.0/8", "192.0.2.7", "2001:db8:1::/48"]
                max-message-bytes = 52428800
                max-recipients = 50
                max-connections = 200
                max-connections-per-client = 5
                command-timeout-s = 60
                data-timeout-s = 120
                hard-error-limit = 3
                greet-wait-ms = 0
                reject-at = "earliest"
                dry-run = true
                tls-certificate = "/etc/mxguard/cert.pem"
                tls-key = "tls/key.pem"
                """).smtp();
        assertThat(s.listen()).containsExactly(address("127.0.0.1", 2525), address("::1", 25),
                address("192.0.2.25", 25), address("2001:db8::25", 25));
        assertThat(s.listen()).noneMatch(InetSocketAddress::isUnresolved);
        assertThat(s.hostname()).as("normalized").contains("mx.example.org");
        assertThat(s.trustedNetworks()).containsExactly(
                Cidr.parse("10.0.0.0/8"), Cidr.parse("192.0.2.7/32"), Cidr.parse("2001:db8:1::/48"));
        assertThat(s.trustedNetworks().get(0).contains(InetAddresses.require("10.1.2.3"))).isTrue();
        assertThat(s.trustedNetworks().get(2).contains(InetAddresses.require("2001:db8:1:ffff::1"))).isTrue();
        assertThat(s.trustedNetworks().get(2).contains(InetAddresses.require("2001:db8:2::1"))).isFalse();
        assertThat(s.maxMessageBytes()).isEqualTo(50L << 20);
        assertThat(s.maxRecipients()).isEqualTo(50);
        assertThat(s.maxConnections()).isEqualTo(200);
        assertThat(s.maxConnectionsPerClient()).isEqualTo(5);
        assertThat(s.commandTimeout()).isEqualTo(Duration.ofMinutes(1));
        assertThat(s.dataTimeout()).isEqualTo(Duration.ofMinutes(2));
        assertThat(s.hardErrorLimit()).isEqualTo(3);
        assertThat(s.greetWait()).as("0 turns the pregreet test off").isZero();
        assertThat(s.rejectAt()).isEqualTo(RejectAt.EARLIEST);
        assertThat(s.dryRun()).isTrue();
        assertThat(s.tlsCertificate()).contains(Path.of("/etc/mxguard/cert.pem"));
        assertThat(s.tlsKey()).as("as written, relative to the working directory").contains(Path.of("tls/key.pem"));
        assertThat(s.tls()).isTrue();
    }

    @Test
    void bounds() throws Exception {
        SmtpSettings low = parse("""
                [smtp]
                max-message-bytes = 1024
                max-recipients = 1
                max-connections = 1
                max-connections-per-client = 1
                command-timeout-s = 1
                data-timeout-s = 1
                hard-error-limit = 1
                greet-wait-ms = 0
                """).smtp();
        assertThat(low.maxMessageBytes()).isEqualTo(1024);
        assertThat(low.hardErrorLimit()).isEqualTo(1);
        SmtpSettings high = parse("""
                [smtp]
                max-message-bytes = 2147483647
                max-recipients = 100000
                max-connections = 1000000
                max-connections-per-client = 1000000
                command-timeout-s = 3600
                data-timeout-s = 3600
                hard-error-limit = 1000
                greet-wait-ms = 30000
                """).smtp();
        assertThat(high.maxMessageBytes()).isEqualTo(Integer.MAX_VALUE);
        assertThat(high.maxConnections()).isEqualTo(1_000_000);
        assertThat(high.greetWait()).isEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void overridesKeepTheRest() throws Exception {
        MxguardConfig c = parse("""
                [smtp]
                hostname = "mx.example.org"
                max-recipients = 7
                """);
        List<InetSocketAddress> cli = List.of(address("127.0.0.1", 2525));
        MxguardConfig overridden = c.withSmtp(c.smtp().withListen(cli));
        assertThat(overridden.smtp().listen()).isEqualTo(cli);
        assertThat(overridden.smtp().hostname()).contains("mx.example.org");
        assertThat(overridden.smtp().maxRecipients()).isEqualTo(7);
        assertThat(overridden.dns()).isEqualTo(c.dns());
        assertThat(overridden.queue()).isEqualTo(c.queue());

        SmtpSettings trusting = c.smtp().withTrustedNetworks(List.of(Cidr.parse("127.0.0.0/8")));
        assertThat(trusting.trustedNetworks()).containsExactly(Cidr.parse("127.0.0.0/8"));
        assertThat(trusting.withListen(cli).trustedNetworks()).isEqualTo(trusting.trustedNetworks());
        assertThat(trusting.maxRecipients()).isEqualTo(7);

        // The other overrides carry the listener settings along.
        assertThat(c.withDns(c.dns()).smtp()).isEqualTo(c.smtp());
        assertThat(c.withDelivery(c.delivery()).smtp()).isEqualTo(c.smtp());
        assertThat(c.withQueue(c.queue()).smtp()).isEqualTo(c.smtp());
    }

    @Test
    void theRecordRefusesWhatTheFileCannotSay() {
        SmtpSettings d = SmtpSettings.defaults();
        assertThatThrownBy(() -> d.withListen(List.of())).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new SmtpSettings(d.listen(), d.hostname(), d.trustedNetworks(), d.maxMessageBytes(),
                d.maxRecipients(), d.maxConnections(), d.maxConnectionsPerClient(), d.commandTimeout(),
                d.dataTimeout(), d.hardErrorLimit(), d.greetWait(), d.rejectAt(), d.dryRun(),
                Optional.of(Path.of("cert.pem")), Optional.empty()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("tlsKey");
        assertThatThrownBy(() -> new SmtpSettings(d.listen(), d.hostname(), d.trustedNetworks(), d.maxMessageBytes(),
                d.maxRecipients(), d.maxConnections(), d.maxConnectionsPerClient(), Duration.ZERO,
                d.dataTimeout(), d.hardErrorLimit(), d.greetWait(), d.rejectAt(), d.dryRun(),
                d.tlsCertificate(), d.tlsKey()))
                .isInstanceOf(IllegalArgumentException.class);
    }

    // --- errors ---

    @ParameterizedTest
    @MethodSource("mistakes")
    void rejected(String toml, int line, String key, Consumer<String> problem) {
        problem.accept(failsAt(toml, line, key).problem());
    }

    static Stream<Arguments> mistakes() {
        return Stream.of(
                argumentSet("smtpIsATable", "smtp = \"0.0.0.0:25\"\n", 1, "smtp",
                        problemIs("expected a table [smtp], got the string \"0.0.0.0:25\"")),
                argumentSet("unknownKeySuggestsTheClosest", """
                        [smtp]
                        listen = ["0.0.0.0:25"]
                        max-recipient = 100
                        """, 3, "smtp.max-recipient", problemIs("unknown key (did you mean \"max-recipients\"?)")),
                argumentSet("unknownKeyFarFromAllListsThem", "[smtp]\nbanner = \"hello\"\n", 2, "smtp.banner",
                        problemContains("unknown key (use listen, hostname, trusted-networks, ", "tls-key)")),
                argumentSet("relayDomainsBelongToDelivery", "[smtp.relay-domains]\n\"example.org\" = \"10.0.0.5\"\n",
                        1, "smtp.relay-domains",
                        problemIs("unknown key (relay domains are set in [delivery.relay-domains])")),
                // listen
                argumentSet("listenIsAnArray", "[smtp]\nlisten = \"0.0.0.0:25\"\n", 2, "smtp.listen",
                        problemContains("expected an array of addresses", "got the string \"0.0.0.0:25\"")),
                argumentSet("listenElementIsAString", "[smtp]\nlisten = [25]\n", 2, "smtp.listen[0]",
                        problemIs("expected a string, got the number 25")),
                argumentSet("listenBadPort", """
                        [smtp]
                        listen = [
                          "0.0.0.0:25",
                          "[::]:65536",
                        ]
                        """, 4, "smtp.listen[1]", problemContains("bad listen address", "out of range")),
                argumentSet("listenHostName", "[smtp]\nlisten = [\"mx.example.org:25\"]\n", 2, "smtp.listen[0]",
                        problemContains("bad listen address", "is a host name; give an IP address")),
                argumentSet("listenBadIp", "[smtp]\nlisten = [\"192.0.2.256:25\"]\n", 2, "smtp.listen[0]",
                        problemContains("bad listen address", "not a valid IP address")),
                argumentSet("listenIpv6WithPortNeedsBrackets", "[smtp]\nlisten = [\"::1:25:x\"]\n", 2,
                        "smtp.listen[0]", problemContains("bad listen address", "[2001:db8::53]:53")),
                argumentSet("listenTwice", "[smtp]\nlisten = [\"0.0.0.0:25\", \"0.0.0.0\"]\n", 2, "smtp.listen[1]",
                        problemIs("\"0.0.0.0\" is already smtp.listen[0]")),
                argumentSet("listenEmpty", "[smtp]\nlisten = []\n", 2, "smtp.listen",
                        problemContains("empty list")),
                // hostname
                argumentSet("hostnameMustBeFullyQualified", "[smtp]\nhostname = \"mx\"\n", 2, "smtp.hostname",
                        problemIs("\"mx\" is not a valid host name: not a fully-qualified domain name")),
                argumentSet("hostnameBadCharacter", "[smtp]\nhostname = \"mx_1.example.org\"\n", 2, "smtp.hostname",
                        problemContains("not a valid host name", "'_'")),
                argumentSet("hostnameIsAString", "[smtp]\nhostname = [\"mx.example.org\"]\n", 2, "smtp.hostname",
                        problemIs("expected a string, got an array")),
                // trusted-networks
                argumentSet("trustedNetworksIsAnArray", "[smtp]\ntrusted-networks = \"10.0.0.0/8\"\n", 2,
                        "smtp.trusted-networks", problemContains("expected an array of networks")),
                argumentSet("trustedNetworkPrefixTooLong", """
                        [smtp]
                        trusted-networks = [
                          "10.0.0.0/8",
                          "192.0.2.0/33",
                        ]
                        """, 4, "smtp.trusted-networks[1]",
                        problemContains("bad network \"192.0.2.0/33\"", "prefix length out of range")),
                argumentSet("trustedNetworkNotAnAddress", "[smtp]\ntrusted-networks = [\"example.org/24\"]\n", 2,
                        "smtp.trusted-networks[0]", problemContains("bad network \"example.org/24\"", "not an IP address")),
                argumentSet("trustedNetworkBadPrefix", "[smtp]\ntrusted-networks = [\"2001:db8::/x\"]\n", 2,
                        "smtp.trusted-networks[0]", problemContains("bad prefix length")),
                // types
                argumentSet("numberAsAString", "[smtp]\nmax-recipients = \"1000\"\n", 2, "smtp.max-recipients",
                        problemIs("expected a whole number, got the string \"1000\"")),
                argumentSet("decimalNumber", "[smtp]\ncommand-timeout-s = 1.5\n", 2, "smtp.command-timeout-s",
                        problemIs("expected a whole number, got the decimal number 1.5")),
                argumentSet("dryRunIsABoolean", "[smtp]\ndry-run = \"yes\"\n", 2, "smtp.dry-run",
                        problemIs("expected true or false, got the string \"yes\"")),
                argumentSet("dryRunIsNotANumber", "[smtp]\ndry-run = 1\n", 2, "smtp.dry-run",
                        problemIs("expected true or false, got the number 1")),
                // reject-at
                argumentSet("rejectAtTypo", "[smtp]\nreject-at = \"rcp\"\n", 2, "smtp.reject-at",
                        problemIs("unknown value \"rcp\" (did you mean \"rcpt\"?)")),
                argumentSet("rejectAtUnknown", "[smtp]\nreject-at = \"data\"\n", 2, "smtp.reject-at",
                        problemIs("unknown value \"data\" (use rcpt, earliest)")),
                argumentSet("rejectAtIsCaseSensitiveLikeTheOtherChoices", "[smtp]\nreject-at = \"RCPT\"\n", 2,
                        "smtp.reject-at", problemContains("unknown value \"RCPT\"")),
                // TLS
                argumentSet("certificateWithoutKey", """
                        [smtp]
                        listen = ["0.0.0.0:25"]
                        tls-certificate = "/etc/mxguard/cert.pem"
                        """, 3, "smtp.tls-certificate", problemContains("needs tls-key too")),
                argumentSet("keyWithoutCertificate", """
                        [smtp]
                        tls-key = "/etc/mxguard/key.pem"
                        dry-run = false
                        """, 2, "smtp.tls-key", problemContains("needs tls-certificate too")),
                argumentSet("emptyCertificatePath", "[smtp]\ntls-certificate = \"\"\ntls-key = \"k.pem\"\n", 2,
                        "smtp.tls-certificate", problemIs("empty path")),
                argumentSet("keyPathIsAString", "[smtp]\ntls-certificate = \"c.pem\"\ntls-key = true\n", 3,
                        "smtp.tls-key", problemIs("expected a string, got the boolean true")),
                argumentSet("nulInAPath", "[smtp]\ntls-certificate = \"c\\u0000.pem\"\ntls-key = \"k.pem\"\n", 2,
                        "smtp.tls-certificate", problemContains("is not a usable path")));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "max-message-bytes          | 1023       | 1024 to 2147483647",
            "max-message-bytes          | 2147483648 | 1024 to 2147483647",
            "max-recipients             | 0          | 1 to 100000",
            "max-recipients             | 100001     | 1 to 100000",
            "max-connections            | 0          | 1 to 1000000",
            "max-connections            | 1000001    | 1 to 1000000",
            "max-connections-per-client | 0          | 1 to 1000000",
            "max-connections-per-client | 1000001    | 1 to 1000000",
            "command-timeout-s          | 0          | 1 to 3600",
            "command-timeout-s          | 3601       | 1 to 3600",
            "data-timeout-s             | 0          | 1 to 3600",
            "data-timeout-s             | 3601       | 1 to 3600",
            "hard-error-limit           | 0          | 1 to 1000",
            "hard-error-limit           | 1001       | 1 to 1000",
            "greet-wait-ms              | -1         | 0 to 30000",
            "greet-wait-ms              | 30001      | 0 to 30000",
    })
    void numbersOutOfRange(String key, String value, String range) {
        ConfigException e = failsAt("# the listener\n[smtp]\n" + key + " = " + value + "\n", 3, "smtp." + key);
        assertThat(e.problem()).isEqualTo(value + " is out of range (use " + range + ")");
    }
}
