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
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.mxguard.dns.InetAddresses;
import org.mxguard.policy.Action;

/** {@code [[backup-mx]]}: the defaults, every key, and every mistake located as FILE:LINE: backup-mx[i].KEY. */
class ConfigBackupMxTest {
    private static final Path FILE = ConfigMistakes.FILE;
    /** The relay domains the entries below need (line 1 to 4). */
    private static final String RELAYS = """
            [delivery.relay-domains]
            "example.net" = "192.0.2.10:25"
            ".example.com" = "192.0.2.20"
            "xn--bcher-kva.example" = "192.0.2.30"
            """;

    private static MxguardConfig parse(String toml) throws ConfigException {
        return ConfigLoader.parse(toml, FILE);
    }

    private static InetSocketAddress address(String ip, int port) {
        return new InetSocketAddress(InetAddresses.require(ip), port);
    }

    @Test
    void noneByDefault() throws Exception {
        assertThat(MxguardConfig.defaults().backupMx()).isEmpty();
        assertThat(parse("# nothing\n").backupMx()).isEmpty();
        assertThat(parse(RELAYS).backupMx()).as("relay domains alone make no backup MX").isEmpty();
    }

    @Test
    void everyKeyIsRead() throws Exception {
        List<BackupMxSettings> b = parse(RELAYS + """

                [[backup-mx]]
                domain = "Example.NET."
                primary = "192.0.2.10:2525"
                probe-interval-s = 30
                action = "reject"

                [[backup-mx]]
                domain = "lists.example.com"   # a subdomain of ".example.com"
                primary = "[2001:db8::10]:25"

                [[backup-mx]]
                domain = "Bücher.example"
                primary = "2001:db8::11"
                action = "LOG"

                [[backup-mx]]
                domain = "tagged.example.com"
                primary = "192.0.2.21"
                action = "tag"
                probe-interval-s = 3600
                """).backupMx();
        assertThat(b).containsExactly(
                new BackupMxSettings("example.net", address("192.0.2.10", 2525), Duration.ofSeconds(30), Action.REJECT),
                new BackupMxSettings("lists.example.com", address("2001:db8::10", 25), Duration.ofSeconds(60),
                        Action.TEMPFAIL),
                new BackupMxSettings("xn--bcher-kva.example", address("2001:db8::11", 25), Duration.ofSeconds(60),
                        Action.LOG),
                new BackupMxSettings("tagged.example.com", address("192.0.2.21", 25), Duration.ofHours(1),
                        Action.TAG));
        assertThat(b).extracting(BackupMxSettings::primary).noneMatch(InetSocketAddress::isUnresolved);
    }

    @Test
    void aPrimaryOnAnotherPortOfTheGatewayIsAllowed() throws Exception {
        // e.g. the MTA mxguard protects, on the same machine
        MxguardConfig c = parse(RELAYS + """
                [identity]
                addresses = ["192.0.2.25"]
                [smtp]
                listen = ["192.0.2.25:25"]
                [[backup-mx]]
                domain = "example.net"
                primary = "192.0.2.25:2525"
                """);
        assertThat(c.backupMx().getFirst().primary()).isEqualTo(address("192.0.2.25", 2525));
        assertThat(parse(RELAYS + "[[backup-mx]]\ndomain = \"example.net\"\nprimary = \"127.0.0.1:2525\"\n")
                .backupMx()).hasSize(1);
    }

    @Test
    void theOverridesCarryIt() throws Exception {
        MxguardConfig c = parse(RELAYS + "[[backup-mx]]\ndomain = \"example.net\"\nprimary = \"192.0.2.10\"\n");
        assertThat(c.backupMx()).hasSize(1);
        assertThat(c.withDns(c.dns()).backupMx()).isEqualTo(c.backupMx());
        assertThat(c.withDelivery(c.delivery()).backupMx()).isEqualTo(c.backupMx());
        assertThat(c.withQueue(c.queue()).backupMx()).isEqualTo(c.backupMx());
        assertThat(c.withSmtp(c.smtp()).backupMx()).isEqualTo(c.backupMx());
        assertThat(c.withTrap(c.trap()).backupMx()).isEqualTo(c.backupMx());
        assertThat(c.withBackupMx(List.of()).backupMx()).isEmpty();
        assertThat(c.withBackupMx(List.of()).delivery()).isEqualTo(c.delivery());
    }

    @Test
    void theRecordRefusesWhatTheFileCannotSay() {
        InetSocketAddress primary = address("192.0.2.10", 25);
        Duration minute = Duration.ofMinutes(1);
        assertThatThrownBy(() -> new BackupMxSettings("example.net", InetSocketAddress.createUnresolved("mx", 25),
                minute, Action.TEMPFAIL)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new BackupMxSettings("example.net", primary, Duration.ZERO, Action.TEMPFAIL))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new BackupMxSettings("example.net", primary, minute, Action.ACCEPT))
                .isInstanceOf(IllegalArgumentException.class);
    }

    // --- errors ---

    @ParameterizedTest
    @MethodSource("mistakes")
    void rejected(String toml, int line, String key, Consumer<String> problem) {
        problem.accept(failsAt(toml, line, key).problem());
    }

    /** An entry for example.net after the relay domains: its keys start on line 6. */
    private static String entry(String keys) {
        return RELAYS + "[[backup-mx]]\n" + keys;
    }

    static Stream<Arguments> mistakes() {
        return Stream.of(
                argumentSet("aTableInsteadOfTables", "[backup-mx]\ndomain = \"example.net\"\n", 1, "backup-mx",
                        problemContains("expected entries written as [[backup-mx]] tables", "got a table")),
                argumentSet("unknownKeySuggestsTheClosest",
                        entry("domain = \"example.net\"\nprimary = \"192.0.2.10\"\nprobe-interval = 60\n"), 8,
                        "backup-mx[0].probe-interval", problemIs("unknown key (did you mean \"probe-interval-s\"?)")),
                argumentSet("unknownKeyFarFromAllListsThem", entry("domain = \"example.net\"\nbanner = \"x\"\n"), 7,
                        "backup-mx[0].banner",
                        problemIs("unknown key (use domain, primary, probe-interval-s, action)")),
                argumentSet("needsDomain", RELAYS + """
                        [[backup-mx]]
                        domain = "example.net"
                        primary = "192.0.2.10"

                        [[backup-mx]]
                        primary = "192.0.2.11"
                        """, 9, "backup-mx[1]", problemIs("needs domain")),
                argumentSet("needsPrimary", entry("domain = \"example.net\"\n"), 5, "backup-mx[0]",
                        problemContains("needs primary", "IP address")),
                // domain
                argumentSet("domainIsAString", entry("domain = [\"example.net\"]\nprimary = \"192.0.2.10\"\n"), 6,
                        "backup-mx[0].domain", problemIs("expected a string, got an array")),
                argumentSet("domainNotFullyQualified", entry("domain = \"localhost\"\nprimary = \"192.0.2.10\"\n"), 6,
                        "backup-mx[0].domain",
                        problemIs("\"localhost\" is not a valid domain: not a fully-qualified domain name")),
                argumentSet("domainBadCharacter", entry("domain = \"ex_ample.net\"\nprimary = \"192.0.2.10\"\n"), 6,
                        "backup-mx[0].domain", problemContains("is not a valid domain", "'_'")),
                argumentSet("domainWithALeadingDot", entry("domain = \".example.com\"\nprimary = \"192.0.2.10\"\n"),
                        6, "backup-mx[0].domain", problemContains("name the domain itself", "not its subdomains")),
                argumentSet("domainNotARelayDomain",
                        entry("domain = \"example.org\"\nprimary = \"192.0.2.10\"\n"), 6, "backup-mx[0].domain",
                        problemContains("\"example.org\" is not a relay domain", "[delivery.relay-domains]")),
                argumentSet("domainIsNotASubdomainOfItself",
                        entry("domain = \"example.com\"\nprimary = \"192.0.2.10\"\n"), 6, "backup-mx[0].domain",
                        problemContains("is not a relay domain")),
                argumentSet("domainTwice", RELAYS + """
                        [[backup-mx]]
                        domain = "example.net"
                        primary = "192.0.2.10"
                        [[backup-mx]]
                        domain = "EXAMPLE.net."
                        primary = "192.0.2.11"
                        """, 9, "backup-mx[1].domain", problemIs("\"example.net\" is already backup-mx[0]")),
                // primary
                argumentSet("primaryIsAHostName",
                        entry("domain = \"example.net\"\nprimary = \"mx1.example.net:25\"\n"), 7, "backup-mx[0].primary",
                        problemIs("\"mx1.example.net:25\" is a host name; give the primary's IP address "
                                + "(IP, IP:PORT or [IPv6]:PORT)")),
                argumentSet("primaryBadPort", entry("domain = \"example.net\"\nprimary = \"192.0.2.10:0\"\n"), 7,
                        "backup-mx[0].primary", problemContains("bad primary", "out of range")),
                argumentSet("primaryBadIp", entry("domain = \"example.net\"\nprimary = \"192.0.2.300\"\n"), 7,
                        "backup-mx[0].primary", problemContains("bad primary", "not a valid IP address")),
                argumentSet("primaryIpv6WithPortNeedsBrackets",
                        entry("domain = \"example.net\"\nprimary = \"2001:db8::10:25x\"\n"), 7, "backup-mx[0].primary",
                        problemContains("bad primary", "[2001:db8::53]:53")),
                argumentSet("primaryWildcard", entry("domain = \"example.net\"\nprimary = \"0.0.0.0\"\n"), 7,
                        "backup-mx[0].primary", problemContains("not an address a primary MX can have")),
                argumentSet("primaryIsAString", entry("domain = \"example.net\"\nprimary = 25\n"), 7,
                        "backup-mx[0].primary", problemIs("expected a string, got the number 25")),
                argumentSet("primaryIsOurListener", RELAYS + """
                        [smtp]
                        listen = ["192.0.2.25:25", "[2001:db8::25]:25"]
                        [[backup-mx]]
                        domain = "example.net"
                        primary = "[2001:db8::25]"
                        """, 9, "backup-mx[0].primary",
                        problemContains("is this gateway's own SMTP listener (smtp.listen[1] is [2001:db8::25]:25)",
                                "refused for good")),
                argumentSet("primaryIsOurWildcardListenerByLoopback", entry("domain = \"example.net\"\n"
                        + "primary = \"127.0.0.1\"\n"), 7, "backup-mx[0].primary",
                        problemContains("own SMTP listener (smtp.listen[0] is 0.0.0.0:25)")),
                argumentSet("primaryIsOurWildcardListenerByIdentity", RELAYS + """
                        [identity]
                        addresses = ["192.0.2.25"]
                        [[backup-mx]]
                        domain = "example.net"
                        primary = "192.0.2.25:25"
                        """, 9, "backup-mx[0].primary", problemContains("own SMTP listener")),
                // interval and action
                argumentSet("intervalTooShort",
                        entry("domain = \"example.net\"\nprimary = \"192.0.2.10\"\nprobe-interval-s = 9\n"), 8,
                        "backup-mx[0].probe-interval-s", problemIs("9 is out of range (use 10 to 3600)")),
                argumentSet("intervalTooLong",
                        entry("domain = \"example.net\"\nprimary = \"192.0.2.10\"\nprobe-interval-s = 3601\n"), 8,
                        "backup-mx[0].probe-interval-s", problemIs("3601 is out of range (use 10 to 3600)")),
                argumentSet("intervalIsANumber",
                        entry("domain = \"example.net\"\nprimary = \"192.0.2.10\"\nprobe-interval-s = \"60\"\n"), 8,
                        "backup-mx[0].probe-interval-s", problemIs("expected a whole number, got the string \"60\"")),
                argumentSet("actionTypo",
                        entry("domain = \"example.net\"\nprimary = \"192.0.2.10\"\naction = \"tempfial\"\n"), 8,
                        "backup-mx[0].action", problemIs("unknown action \"tempfial\" (did you mean \"tempfail\"?)")),
                argumentSet("actionUnknown",
                        entry("domain = \"example.net\"\nprimary = \"192.0.2.10\"\naction = \"discard\"\n"), 8,
                        "backup-mx[0].action", problemIs("unknown action \"discard\" (use tempfail, reject, log, tag)")),
                argumentSet("actionAccept",
                        entry("domain = \"example.net\"\nprimary = \"192.0.2.10\"\naction = \"accept\"\n"), 8,
                        "backup-mx[0].action", problemContains("\"accept\" would do nothing here")));
    }
}
