package org.mxguard.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * One broken file per config section (and for the file itself), written to disk and loaded as
 * {@code serve} loads it: each is refused with exactly FILE:LINE: KEY: problem. And once through
 * the command line: {@code mxguard serve --config bad.toml} exits 78 and prints that line.
 */
class ConfigBrokenFilesTest {
    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '\'', textBlock = """
            dns out of range        | [dns]\\nretries = 9\\n                                   | 2: dns.retries: 9 is out of range (use 0 to 5)
            identity bad address    | [identity]\\naddresses = ["192.0.2.256"]\\n              | 2: identity.addresses[0]: "192.0.2.256" is not an IP address
            smtp unknown key        | [smtp]\\nmax-recipient = 100\\n                          | 2: smtp.max-recipient: unknown key (did you mean "max-recipients"?)
            smtp bad type           | [smtp]\\ndry-run = "yes"\\n                              | 2: smtp.dry-run: expected true or false, got the string "yes"
            smtp bad host:port      | [smtp]\\nlisten = ["0.0.0.0:25", "0.0.0.0"]\\n           | 2: smtp.listen[1]: "0.0.0.0" is already smtp.listen[0]
            policy bad action       | [policy.helo]\\nfail = "drop"\\n                         | 2: policy.helo.fail: unknown action "drop" (use reject, tempfail, tag, log, accept)
            policy temperror reject | [policy.iprev]\\ntemperror = "reject"\\n                 | 2: policy.iprev.temperror: "reject" is not allowed for temperror (use tempfail, tag, log or accept)
            scoring unknown key     | [scoring]\\nrejct = 8\\n                                 | 2: scoring.rejct: unknown key (did you mean "reject"?)
            allowlist bad entry     | [[allowlist]]\\ncomment = "x"\\ncidr = "example.org"\\n  | 3: allowlist[0].cidr: bad network "example.org": not an IP address: example.org
            delivery out of range   | [delivery]\\nport = 0\\n                                 | 2: delivery.port: 0 is out of range (use 1 to 65535)
            delivery bad next hop   | [delivery]\\nrelay-domains = { "a.example" = "[x" }\\n  | 2: delivery.relay-domains."a.example": bad next hop
            egress bad address      | [[egress]]\\naddress = "192.0.2.300"\\n                  | 2: egress[0].address: "192.0.2.300" is not an IP address
            queue out of range      | [queue]\\nreserve-mb = -1\\n                             | 2: queue.reserve-mb: -1 is out of range (use 0 to 1048576)
            backup-mx missing key   | [[backup-mx]]\\nprimary = "192.0.2.11"\\n                | 1: backup-mx[0]: needs domain
            trap unknown key        | [trap]\\nexpiry-hour = 1\\n                              | 2: trap.expiry-hour: unknown key (did you mean "expiry-hours"?)
            milter unknown key      | [milter]\\nmax-connection = 5\\n                         | 2: milter.max-connection: unknown key (did you mean "max-connections"?)
            policy-service unknown  | [policy-service]\\nidle-timeout = 5\\n                   | 2: policy-service.idle-timeout: unknown key (did you mean "idle-timeout-s"?)
            metrics unknown key     | [metrics]\\nserv = "127.0.0.1:9325"\\n                   | 2: metrics.serv: unknown key (did you mean "serve"?)
            unknown section         | [polcy.iprev]\\nfail = "reject"\\n                       | 1: polcy: unknown key (did you mean "policy"?)
            duplicate key           | [dns]\\nretries = 1\\nretries = 2\\n                     | 3: dns.retries: TOML syntax error: defined twice (first on line 2)
            """)
    void eachSectionsMistakeIsNamedByFileLineAndKey(String name, String toml, String expected) throws Exception {
        Path file = Files.writeString(dir.resolve("bad.toml"), toml.strip().replace("\\n", "\n") + "\n");
        ConfigException e = catchThrowableOfType(ConfigException.class, () -> ConfigLoader.load(file));
        assertThat(e).as(name).isNotNull();
        if (expected.endsWith("bad next hop")) {
            assertThat(e.getMessage()).startsWith(file + ":" + expected);
        } else {
            assertThat(e.getMessage()).isEqualTo(file + ":" + expected.strip());
        }
    }

    @Test
    void unparsableAndMissingFiles() throws Exception {
        Path syntax = Files.writeString(dir.resolve("syntax.toml"), "[dns]\ntimeout-ms = 2000\nretries = two\n");
        assertThat(catchThrowableOfType(ConfigException.class, () -> ConfigLoader.load(syntax)).getMessage())
                .startsWith(syntax + ":3: dns.retries: TOML syntax error: ");
        Path missing = dir.resolve("missing.toml");
        assertThat(catchThrowableOfType(ConfigException.class, () -> ConfigLoader.load(missing)).getMessage())
                .isEqualTo(missing + ": file not found");
    }

    /** The command line: non-zero exit (78), and the line on stderr. */
    @Test
    void serveRefusesABrokenFile() throws Exception {
        Path bad = Files.writeString(dir.resolve("bad.toml"), "# gateway\n[smtp]\nmax-connections = 0\n");
        Process serve = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                System.getProperty("java.class.path"), "org.mxguard.cli.Main", "serve", "--config", bad.toString())
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        String stderr = new String(serve.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(serve.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(serve.exitValue()).as(stderr).isEqualTo(78);
        assertThat(stderr).contains(bad + ":3: smtp.max-connections: 0 is out of range (use 1 to 1000000)");
        assertThat(List.of(stderr.split("\n"))).noneMatch(l -> l.contains("listening"));
    }
}
