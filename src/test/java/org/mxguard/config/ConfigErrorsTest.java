package org.mxguard.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mxguard.config.ConfigMistakes.failsAt;
import static org.mxguard.config.ConfigMistakes.problemContains;
import static org.mxguard.config.ConfigMistakes.problemIs;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.junit.jupiter.params.provider.Arguments.argumentSet;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/** Every rejected configuration names the file, the line and the key. */
class ConfigErrorsTest {
    private static final Path FILE = ConfigMistakes.FILE;

    /**
     * The rows of the tables below, named as the tests they once were: a configuration, the line
     * and key its error must name, and what its problem (the text after "key: ") must say.
     */
    @ParameterizedTest
    @MethodSource({"tomlSyntax", "unknownKeys", "types", "addresses", "policy", "allowlist", "delivery", "egress",
            "queue"})
    void rejected(String toml, int line, String key, Consumer<String> problem) {
        problem.accept(failsAt(toml, line, key).problem());
    }

    private static Consumer<String> problemStartsWith(String prefix) {
        return problem -> assertThat(problem).startsWith(prefix);
    }

    /** For rows where the line and key are the point. */
    private static Consumer<String> anyProblem() {
        return problem -> { };
    }

    // --- TOML syntax ---

    static Stream<Arguments> tomlSyntax() {
        return Stream.of(
                argumentSet("syntaxErrorInAValue", """
                        [dns]
                        timeout-ms = 2000
                        retries = two
                        """, 3, "dns.retries", problemStartsWith("TOML syntax error: ")),
                argumentSet("syntaxErrorInATableHeader", """
                        [identity]
                        hostnames = ["mx.example.org"]

                        [dns
                        retries = 1
                        """, 4, "dns", anyProblem()),
                argumentSet("unterminatedMultiLineArrayNamesTheKeyBeingRead", """
                        [dns]
                        servers = [
                          "127.0.0.1",
                        retries = 1
                        """, 4, "dns.servers", problemStartsWith("TOML syntax error")),
                argumentSet("duplicateKeyIsPlacedOnTheSecondDefinition", """
                        [dns]
                        retries = 1

                        retries = 2

                        """, 4, "dns.retries", problemContains("defined twice (first on line 2)")),
                argumentSet("duplicateTable", """
                        [dns]
                        retries = 1
                        [identity]
                        [dns]
                        """, 4, "dns", anyProblem()));
    }

    // --- unknown keys ---

    static Stream<Arguments> unknownKeys() {
        return Stream.of(
                argumentSet("unknownTopLevelTableSuggestsTheClosest", """
                        [dns]
                        retries = 1

                        [polcy.iprev]
                        fail = "reject"
                        """, 4, "polcy", problemIs("unknown key (did you mean \"policy\"?)")),
                argumentSet("unknownTopLevelKeyListsTheChoices",
                        "verbose = true\n", 1, "verbose", problemIs("unknown key (use dns, identity, smtp, policy, scoring, allowlist, delivery, egress, queue, "
                                + "backup-mx, trap, milter, policy-service, metrics, cluster)")),
                argumentSet("unknownKeyInASection", """
                        [dns]
                        retries = 1
                        timout-ms = 500
                        """, 3, "dns.timout-ms", problemIs("unknown key (did you mean \"timeout-ms\"?)")),
                argumentSet("unknownKeyInAnAllowlistEntry", """
                        [[allowlist]]
                        cidr = "192.0.2.1"
                        coment = "x"
                        """, 3, "allowlist[0].coment", problemContains("did you mean \"comment\"")));
    }

    // --- types ---

    static Stream<Arguments> types() {
        return Stream.of(
                argumentSet("stringWhereANumberBelongs", "[dns]\nretries = \"two\"\n", 2, "dns.retries",
                        problemIs("expected a whole number, got the string \"two\"")));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "dns = 5                              | 1 | dns                 | a table",
            "[dns]\\ntimeout-ms = 1.5              | 2 | dns.timeout-ms      | whole number",
            "[dns]\\nservers = \"127.0.0.1\"       | 2 | dns.servers         | an array",
            "[dns]\\nservers = [53]                | 2 | dns.servers[0]      | a string",
            "[identity]\\nhostnames = \"mx.a.org\" | 2 | identity.hostnames  | an array",
            "[policy]\\niprev = \"reject\"         | 2 | policy.iprev        | a table of result",
            "[policy.iprev]\\nfail = true          | 2 | policy.iprev.fail   | a string",
            "[allowlist]\\ncidr = \"192.0.2.1\"    | 1 | allowlist           | [[allowlist]]",
            "[[allowlist]]\\ncidr = 1              | 2 | allowlist[0].cidr   | a string",
            "[[allowlist]]\\ncidr = \"192.0.2.1\"\\ncomment = 7 | 3 | allowlist[0].comment | a string",
    })
    void wrongTypes(String toml, int line, String key, String expected) {
        ConfigException e = failsAt(toml.replace("\\n", "\n"), line, key);
        assertThat(e.problem()).contains(expected);
    }

    // --- ranges ---

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "timeout-ms   | 0                     | 1 to 60000",
            "timeout-ms   | 60001                 | 1 to 60000",
            "retries      | -1                    | 0 to 5",
            "retries      | 6                     | 0 to 5",
            "cache-size   | -1                    | 0 or more",
            "cache-size   | 99999999999999999999  | 0 or more",
            "query-budget | 0                     | 1 to 1000",
            "query-budget | 1001                  | 1 to 1000",
    })
    void numbersOutOfRange(String key, String value, String range) {
        ConfigException e = failsAt("# DNS\n[dns]\n" + key + " = " + value + "\n", 3, "dns." + key);
        assertThat(e.problem()).isEqualTo(value + " is out of range (use " + range + ")");
    }

    // --- addresses ---

    static Stream<Arguments> addresses() {
        return Stream.of(
                argumentSet("badServerAddressNamesTheElement", """
                        [dns]
                        servers = [
                          "127.0.0.1:53",
                          "dns.example.net:53",
                        ]
                        """, 4, "dns.servers[1]", problemContains("bad DNS server address", "host name")),
                argumentSet("badServerPort",
                        "[dns]\nservers = [\"127.0.0.1:99999\"]\n", 2, "dns.servers[0]", problemContains("out of range")),
                argumentSet("badIdentityAddress", """
                        [identity]
                        hostnames = ["mx.example.org"]
                        addresses = ["192.0.2.25", "192.0.2.256"]
                        """, 3, "identity.addresses[1]", problemIs("\"192.0.2.256\" is not an IP address")),
                argumentSet("badIdentityHostName", "[identity]\nhostnames = [\"mx example.org\"]\n", 2,
                        "identity.hostnames[0]", problemContains("not a valid host name")));
    }

    // --- policy ---

    static Stream<Arguments> policy() {
        return Stream.of(
                argumentSet("unknownCheckName", """
                        [policy.iprev]
                        fail = "reject"

                        [policy.iprevv]
                        fail = "tag"
                        """, 4, "policy.iprevv", problemIs("unknown check \"iprevv\" (did you mean \"iprev\"?)")),
                argumentSet("wildcardsAreForTheAllowlistOnly",
                        "[policy.\"reverse-mx:*\"]\nfail = \"tag\"\n", 1, "policy.\"reverse-mx:*\"", anyProblem()),
                argumentSet("unknownResult", """
                        [policy."reverse-mx:from"]
                        fial = "tag"
                        """, 2, "policy.\"reverse-mx:from\".fial", problemIs("unknown result \"fial\" (did you mean \"fail\"?)")),
                argumentSet("unknownAction", "[policy.helo]\nfail = \"drop\"\n", 2, "policy.helo.fail",
                        problemIs("unknown action \"drop\" (use reject, tempfail, tag, log, accept)")));
    }

    @Test
    void temperrorCannotReject() {
        ConfigException e = failsAt("""
                [dns]
                retries = 1

                [policy.iprev]
                fail = "reject"
                temperror = "reject"
                """, 6, "policy.iprev.temperror");
        assertThat(e.getMessage()).isEqualTo("/etc/mxguard.toml:6: policy.iprev.temperror: "
                + "\"reject\" is not allowed for temperror (use tempfail, tag, log or accept)");
    }

    // --- allowlist ---

    static Stream<Arguments> allowlist() {
        return Stream.of(
                argumentSet("allowlistEntryWithoutAKind", """
                        [[allowlist]]
                        cidr = "192.0.2.0/24"

                        [[allowlist]]
                        checks = ["iprev"]
                        comment = "forgot what"
                        """, 4, "allowlist[1]", problemIs("needs exactly one of cidr, sender-domain, ptr-suffix")),
                argumentSet("allowlistEntryWithTwoKinds", """
                        [[allowlist]]
                        cidr = "192.0.2.0/24"
                        sender-domain = "example.org"
                        """, 3, "allowlist[0].sender-domain", problemContains("this one also has cidr")),
                argumentSet("emptySenderDomain", """
                        [[allowlist]]
                        cidr = "192.0.2.1"

                        [[allowlist]]
                        sender-domain = ""
                        """, 5, "allowlist[1].sender-domain", problemIs("empty sender-domain")),
                argumentSet("badPtrSuffix",
                        "[[allowlist]]\nptr-suffix = \"relay example.com\"\n", 2, "allowlist[0].ptr-suffix", anyProblem()),
                argumentSet("unknownCheckInAllowlist", """
                        [[allowlist]]
                        cidr = "192.0.2.1"
                        checks = [
                          "iprev",
                          "revers-mx",
                        ]
                        """, 5, "allowlist[0].checks[1]",
                        problemIs("unknown check \"revers-mx\" (did you mean \"reverse-mx\"?)")),
                argumentSet("emptyChecksListIsAMistake",
                        "[[allowlist]]\ncidr = \"192.0.2.1\"\nchecks = []\n", 3, "allowlist[0].checks", anyProblem()),
                argumentSet("inlineAllowlistEntriesAreLocatedToo", """
                        allowlist = [
                          { cidr = "192.0.2.1" },
                          { cidr = "192.0.2.999" },
                        ]
                        """, 3, "allowlist[1].cidr", anyProblem()));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "192.0.2.0/33   | prefix length out of range",
            "192.0.2/24     | not an IP address",
            "192.0.2.0/x    | bad prefix length",
            "example.org    | not an IP address",
    })
    void badCidr(String cidr, String why) {
        ConfigException e = failsAt("[[allowlist]]\ncomment = \"net\"\ncidr = \"" + cidr + "\"\n", 3, "allowlist[0].cidr");
        assertThat(e.problem()).startsWith("bad network \"" + cidr + "\"").contains(why);
    }

    // --- delivery ---

    static Stream<Arguments> delivery() {
        return Stream.of(
                argumentSet("unknownDeliveryKey", "[delivery]\nprot = 25\n", 2, "delivery.prot",
                        problemIs("unknown key (did you mean \"port\"?)")),
                argumentSet("deliveryPortOutOfRange", "[delivery]\nport = 0\n", 2, "delivery.port",
                        problemIs("0 is out of range (use 1 to 65535)")),
                argumentSet("badRelayNextHopNamesTheDomain", """
                        [delivery.relay-domains]
                        "example.org" = "10.0.0.5:2525"
                        "example.net" = "10.0.0.6:99999"
                        """, 3, "delivery.relay-domains.\"example.net\"", problemContains("bad next hop", "99999")),
                argumentSet("relayDomainGivenTwiceInAnotherSpelling", """
                        [delivery]
                        relay-domains = { "Example.org" = "10.0.0.5", "example.org." = "10.0.0.6" }
                        """, 2, "delivery.relay-domains.\"example.org.\"", problemContains("given twice")),
                argumentSet("relayDomainsMustBeATable", "[delivery]\nrelay-domains = \"example.org\"\n", 2,
                        "delivery.relay-domains", problemContains("a table of \"domain\" = \"next hop\"")),
                argumentSet("badSmartHost", "[delivery]\nport = 25\nsmart-host = \"[relay.example.net\"\n", 3,
                        "delivery.smart-host", problemContains("bad next hop")),
                argumentSet("unknownAddressOrder", "[delivery]\naddress-order = \"ipv6first\"\n", 2,
                        "delivery.address-order",
                        problemIs("unknown address order \"ipv6first\" (did you mean \"ipv6-first\"?)")),
                argumentSet("heloMustBeFullyQualified", "[delivery]\nhelo = \"localhost\"\n", 2, "delivery.helo",
                        problemIs("\"localhost\" is not a valid host name: not a fully-qualified domain name")),
                argumentSet("connectTimeoutOutOfRange", "[delivery]\nconnect-timeout-ms = 0\n", 2,
                        "delivery.connect-timeout-ms", problemIs("0 is out of range (use 1 to 300000)")));
    }

    static Stream<Arguments> egress() {
        return Stream.of(
                argumentSet("egressWithoutAnAddress", """
                        [[egress]]
                        address = "192.0.2.25"

                        [[egress]]
                        helo = "mx2.example.org"
                        """, 4, "egress[1]", problemIs("needs address")),
                argumentSet("egressAddressIsNoAddress", "[[egress]]\naddress = \"192.0.2.300\"\n", 2,
                        "egress[0].address", problemIs("\"192.0.2.300\" is not an IP address")),
                argumentSet("egressAddressTwice", """
                        [[egress]]
                        address = "192.0.2.25"
                        [[egress]]
                        address = "2001:db8::25"
                        [[egress]]
                        address = "192.0.2.25"
                        """, 6, "egress[2].address", problemIs("\"192.0.2.25\" is already egress[0]")),
                argumentSet("egressWildcardAddress", "[[egress]]\naddress = \"0.0.0.0\"\n", 2, "egress[0].address",
                        problemIs("\"0.0.0.0\" cannot be a source address")),
                argumentSet("egressHelo", "[[egress]]\naddress = \"192.0.2.25\"\nhelo = \"mx_1.example.org\"\n", 3,
                        "egress[0].helo", problemContains("not a valid host name")),
                argumentSet("egressUnknownKey", "[[egress]]\naddress = \"192.0.2.25\"\nehlo = \"mx.example.org\"\n", 3,
                        "egress[0].ehlo", problemContains("did you mean \"helo\"")),
                argumentSet("egressIsAnArrayOfTables", "[egress]\naddress = \"192.0.2.25\"\n", 1, "egress",
                        problemContains("[[egress]] tables")));
    }

    static Stream<Arguments> queue() {
        return Stream.of(
                argumentSet("maximalBackoffBelowMinimal", """
                        [queue]
                        minimal-backoff-s = 600
                        maximal-backoff-s = 300
                        """, 3, "queue.maximal-backoff-s", problemIs("300 is below minimal-backoff-s (600)")),
                argumentSet("minimalBackoffAboveTheDefaultMaximal", "[queue]\nminimal-backoff-s = 5000\n", 2,
                        "queue.minimal-backoff-s", problemIs("5000 is above maximal-backoff-s (4000, the default)")),
                argumentSet("emptySpoolPath", "[queue]\nspool = \"  \"\n", 2, "queue.spool", problemIs("empty path")),
                argumentSet("spoolIsAString", "[queue]\nspool = 5\n", 2, "queue.spool", problemContains("a string")),
                argumentSet("unknownQueueKey", "[queue]\nspool-dir = \"/var/spool/mxguard\"\n", 2, "queue.spool-dir",
                        problemStartsWith("unknown key")));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "reserve-mb              | -1      | 0 to 1048576",
            "minimal-backoff-s       | 0       | 1 to 86400",
            "maximal-backoff-s       | 604801  | 1 to 604800",
            "lifetime-hours          | 0       | 1 to 8760",
            "destination-concurrency | 0       | 1 to 1000",
            "destination-concurrency | 1001    | 1 to 1000",
    })
    void queueNumbersOutOfRange(String key, String value, String range) {
        ConfigException e = failsAt("[queue]\n" + key + " = " + value + "\n", 2, "queue." + key);
        assertThat(e.problem()).isEqualTo(value + " is out of range (use " + range + ")");
    }

    // --- the file itself ---

    /** Loads {@code file}, expects an error about the file as a whole (line 0), returns it for more checks. */
    private static ConfigException fileError(Path file) {
        ConfigException e = catchThrowableOfType(ConfigException.class, () -> ConfigLoader.load(file));
        assertThat(e.line()).isZero();
        return e;
    }

    @Test
    void fileNotFound(@TempDir Path dir) {
        Path missing = dir.resolve("missing.toml");
        ConfigException e = fileError(missing);
        assertThat(e.file()).isEqualTo(missing);
        assertThat(e.key()).isEmpty();
        assertThat(e.getMessage()).isEqualTo(missing + ": file not found");
    }

    @Test
    void directoryIsNotAFile(@TempDir Path dir) {
        assertThat(fileError(dir).getMessage()).startsWith(dir + ": ").contains("directory");
    }

    @Test
    void notUtf8(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("latin1.toml");
        Files.write(f, new byte[] {'#', ' ', (byte) 0xE9, '\n'});
        assertThat(fileError(f).getMessage()).isEqualTo(f + ": not UTF-8 text");
    }

    @Test
    void unreadableFile(@TempDir Path dir) throws IOException {
        Path f = Files.writeString(dir.resolve("secret.toml"), "[dns]\n");
        boolean denied = f.toFile().setReadable(false, false);
        org.junit.jupiter.api.Assumptions.assumeTrue(denied && !Files.isReadable(f), "running as root");
        assertThat(fileError(f).getMessage()).isEqualTo(f + ": permission denied");
    }

    @Test
    void errorsFromARealFileNameIt(@TempDir Path dir) throws IOException {
        Path f = Files.writeString(dir.resolve("mxguard.toml"), "[dns]\n\nretries = 9\n");
        ConfigException e = catchThrowableOfType(ConfigException.class, () -> ConfigLoader.load(f));
        assertThat(e.getMessage()).isEqualTo(f + ":3: dns.retries: 9 is out of range (use 0 to 5)");
    }
}
