package org.mxguard.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mxguard.testbed.TestZones.*;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.mxguard.testbed.DnsTestBed;

/**
 * {@code mxguard audit --probe} end to end: the test bed's zones point MX hosts at 127.0.7.x, where
 * this test runs small SMTP listeners (or nothing), all on one port.
 */
@Timeout(60)
class AuditProbeIT {
    @RegisterExtension
    static final DnsTestBed BED = new DnsTestBed();

    private static final List<FakeMx> LISTENERS = new ArrayList<>();
    private static int port;

    @BeforeAll
    static void listen() {
        for (int attempt = 0; ; attempt++) {
            try {
                FakeMx good = FakeMx.start(PROBE_GOOD_IP, 0, "220 " + NOLISTING_GOOD_HOST + " ESMTP", "PIPELINING", "STARTTLS");
                LISTENERS.add(good);
                port = good.port();
                LISTENERS.add(FakeMx.start(PROBE_PLAIN_IP, port, "220 other.example ESMTP", "PIPELINING", "8BITMIME"));
                LISTENERS.add(FakeMx.start(PROBE_421_IP, port, "421 4.3.2 " + TRAP_MX_TRAP_HOST + " not now"));
                LISTENERS.add(FakeMx.start(PROBE_554_IP, port, "554 5.7.1 " + TRAP_MX_5XX_TRAP_HOST + " go away"));
                return;
            } catch (UncheckedIOException taken) {
                stop();
                if (attempt == 5) {
                    throw taken;
                }
            }
        }
    }

    @AfterAll
    static void stop() {
        for (FakeMx l : LISTENERS) {
            try {
                l.close();
            } catch (java.io.IOException ignored) {
                // closing anyway
            }
        }
        LISTENERS.clear();
    }

    static AuditCommandIT.Audit probe(String domain, String... args) {
        List<String> all = new ArrayList<>(List.of("--probe", "--port", Integer.toString(port), "--timeout-s", "5"));
        all.addAll(List.of(args));
        return AuditCommandIT.audit(domain, all.toArray(String[]::new));
    }

    static List<String> texts(JsonNode array) {
        return AuditCommandIT.texts(array);
    }

    @Test
    @DisplayName("nolisting: the preferred host refuses, the next accepts: a warning that explains it, exit 0")
    void nolisting() {
        AuditCommandIT.Audit a = probe(NOLISTING_DOMAIN);
        assertThat(a.exit()).as(a.json().toPrettyString()).isZero();
        assertThat(a.json().get("result").asText()).isEqualTo("warn");

        JsonNode dead = a.only("smtp-unreachable", PROBE_DEAD_IP);
        assertThat(dead.get("severity").asText()).isEqualTo("warn");
        assertThat(texts(dead.get("evidence"))).contains(
                "probe " + PROBE_DEAD_IP + ":" + port + " (MX host " + NOLISTING_DEAD_HOST + "): connection refused");

        JsonNode good = a.only("smtp-accepts", PROBE_GOOD_IP);
        assertThat(texts(good.get("evidence"))).contains("< 220 " + NOLISTING_GOOD_HOST + " ESMTP",
                "> EHLO mxguard-audit.invalid", "< 250 STARTTLS");
        a.only("smtp-banner-matches-ptr", PROBE_GOOD_IP);
        a.only("smtp-starttls", PROBE_GOOD_IP);

        JsonNode layout = a.only("layout-nolisting", NOLISTING_DOMAIN);
        assertThat(layout.get("severity").asText()).isEqualTo("warn");
        assertThat(layout.get("summary").asText()).contains(NOLISTING_DEAD_HOST, "preference 10", "RFC 5321", "never try the next MX");
        assertThat(texts(layout.get("evidence"))).containsExactly(
                "MX 10 " + NOLISTING_DEAD_HOST + " " + PROBE_DEAD_IP + " port " + port + ": connection refused",
                "MX 20 " + NOLISTING_GOOD_HOST + " " + PROBE_GOOD_IP + " port " + port + ": 220 " + NOLISTING_GOOD_HOST + " ESMTP");
        assertThat(a.findings("layout-trap-mx")).isEmpty();
        assertThat(a.findings("layout-trap-mx-bounces")).isEmpty();
        assertThat(a.findings("smtp-none-accepts")).isEmpty();
        a.only("mx-backup", NOLISTING_DOMAIN); // the DNS-only layout finding still stands beside it
    }

    @Test
    @DisplayName("trap MX greeting 421: explained as a pass; the real MX's banner and missing STARTTLS warned")
    void trapMx() {
        AuditCommandIT.Audit a = probe(TRAP_MX_DOMAIN);
        assertThat(a.exit()).as(a.json().toPrettyString()).isZero();

        JsonNode trap = a.only("smtp-greeting-refused", PROBE_421_IP);
        assertThat(trap.get("severity").asText()).isEqualTo("warn");
        assertThat(texts(trap.get("evidence"))).contains("< 421 4.3.2 " + TRAP_MX_TRAP_HOST + " not now");
        assertThat(texts(trap.get("evidence"))).noneMatch(e -> e.startsWith("> EHLO")); // never EHLO after a 421

        JsonNode layout = a.only("layout-trap-mx", TRAP_MX_DOMAIN);
        assertThat(layout.get("severity").asText()).isEqualTo("pass");
        assertThat(layout.get("summary").asText()).contains(TRAP_MX_TRAP_HOST, "preference 90", "queue and retry");
        assertThat(a.findings("layout-trap-mx-bounces")).isEmpty();
        assertThat(a.findings("layout-nolisting")).isEmpty();

        JsonNode banner = a.only("smtp-banner-not-ptr", PROBE_PLAIN_IP);
        assertThat(banner.get("severity").asText()).isEqualTo("warn");
        assertThat(banner.get("summary").asText()).contains("other.example", TRAP_MX_GOOD_HOST);
        assertThat(banner.get("fix").get("advice").asText()).contains("myhostname = " + TRAP_MX_GOOD_HOST);

        JsonNode tls = a.only("smtp-no-starttls", PROBE_PLAIN_IP);
        assertThat(tls.get("severity").asText()).isEqualTo("warn");
        assertThat(texts(tls.get("evidence"))).contains("< 250-other.example", "< 250-PIPELINING", "< 250 8BITMIME");
    }

    @Test
    @DisplayName("trap MX greeting 5xx: a warning, since legitimate mail that reaches it bounces")
    void trapMxThatBounces() {
        AuditCommandIT.Audit a = probe(TRAP_MX_5XX_DOMAIN);
        JsonNode layout = a.only("layout-trap-mx-bounces", TRAP_MX_5XX_DOMAIN);
        assertThat(layout.get("severity").asText()).isEqualTo("warn");
        assertThat(layout.get("summary").asText()).contains(TRAP_MX_5XX_TRAP_HOST, "5xx");
        assertThat(layout.get("fix").get("advice").asText()).contains("421");
        assertThat(a.findings("layout-trap-mx")).isEmpty();
        a.only("smtp-greeting-refused", PROBE_554_IP);
    }

    @Test
    @DisplayName("no MX address accepts: a failure, exit 1")
    void noneAccepts() {
        AuditCommandIT.Audit a = probe(DEAD_MX_DOMAIN);
        assertThat(a.exit()).isEqualTo(1);
        JsonNode none = a.only("smtp-none-accepts", DEAD_MX_DOMAIN);
        assertThat(none.get("severity").asText()).isEqualTo("fail");
        assertThat(none.get("summary").asText()).contains("port 25 is blocked");
        a.only("smtp-unreachable", PROBE_DEAD2_IP);
        assertThat(a.findings("layout-nolisting")).isEmpty();
    }

    @Test
    @DisplayName("an MX host lookup that times out: temperror, nothing probed, exit 75 within the test's time")
    void dnsTimeout() {
        AuditCommandIT.Audit a = probe(SLOW_MX_HOST_DOMAIN);
        assertThat(a.exit()).as(a.json().toPrettyString()).isEqualTo(75);
        assertThat(a.only("mx-target-tempfail", SLOW_HOST).get("severity").asText()).isEqualTo("temperror");
        assertThat(a.ids("fail")).isEmpty();
        assertThat(a.json().get("findings").findValuesAsText("id")).noneMatch(id -> id.startsWith("smtp-") || id.startsWith("layout-"));
    }

    @Test
    @DisplayName("text and zone snippet carry the probe findings; --port without --probe is a usage error")
    void textAndUsage() {
        Cli.Run text = Cli.run("audit", NOLISTING_DOMAIN, "--dns", BED.resolverHostPort(), "--color", "never",
                "--probe", "--port", Integer.toString(port), "--timeout-s", "5");
        assertThat(text.exit()).as(text.err()).isZero();
        assertThat(text.out()).contains("WARN (", "  layout-nolisting  " + NOLISTING_DOMAIN, "connection refused");
        Cli.Run snippet = Cli.run("audit", NOLISTING_DOMAIN, "--dns", BED.resolverHostPort(), "--zone-snippet",
                "--probe", "--port", Integer.toString(port), "--timeout-s", "5");
        assertThat(snippet.out()).startsWith("; mxguard audit " + NOLISTING_DOMAIN).doesNotContain("layout-nolisting");

        assertThat(Cli.run("audit", NOLISTING_DOMAIN, "--port", "2525").exit()).isEqualTo(2);
        assertThat(Cli.run("audit", NOLISTING_DOMAIN, "--probe", "--timeout-s", "0").exit()).isEqualTo(2);
    }
}
