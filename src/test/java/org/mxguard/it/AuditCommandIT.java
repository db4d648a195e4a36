package org.mxguard.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mxguard.testbed.TestZones.*;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.mxguard.testbed.DnsTestBed;

/** {@code mxguard audit} end to end against the real test bed: one scenario a zone. */
@Timeout(60)
class AuditCommandIT {
    @RegisterExtension
    static final DnsTestBed BED = new DnsTestBed();

    /** One --json run: the exit code and the parsed report. */
    record Audit(int exit, JsonNode json) {
        List<JsonNode> findings(String id) {
            List<JsonNode> out = new ArrayList<>();
            json.get("findings").forEach(f -> {
                if (f.get("id").asText().equals(id)) {
                    out.add(f);
                }
            });
            return out;
        }

        JsonNode only(String id, String subject) {
            List<JsonNode> found = findings(id).stream().filter(f -> f.get("subject").asText().equals(subject)).toList();
            assertThat(found).as("findings %s on %s in%n%s", id, subject, json.toPrettyString()).hasSize(1);
            return found.get(0);
        }

        /** The ids of the findings of one severity. */
        List<String> ids(String severity) {
            List<String> out = new ArrayList<>();
            json.get("findings").forEach(f -> {
                if (f.get("severity").asText().equals(severity)) {
                    out.add(f.get("id").asText() + " " + f.get("subject").asText());
                }
            });
            return out;
        }
    }

    static Audit audit(String domain, String... args) {
        List<String> all = new ArrayList<>(List.of("audit", domain, "--json", "--dns", BED.resolverHostPort()));
        all.addAll(List.of(args));
        Cli.Run run = Cli.run(all.toArray(String[]::new));
        try {
            return new Audit(run.exit(), Cli.MAPPER.readTree(run.out()));
        } catch (IOException e) {
            throw new AssertionError("stdout is not JSON:\n" + run.out() + "\nstderr:\n" + run.err(), e);
        }
    }

    static List<String> texts(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    @Test
    @DisplayName("healthy good.test: every finding passes, exit 0, the backup MX explained")
    void healthy() {
        Audit a = audit(GOOD_DOMAIN, "--egress", GOOD_IP, "--helo", GOOD_HOST);
        assertThat(a.exit()).as(a.json().toPrettyString()).isZero();
        assertThat(a.json().get("result").asText()).isEqualTo("pass");
        assertThat(a.ids("fail")).isEmpty();
        assertThat(a.ids("warn")).isEmpty();
        assertThat(a.ids("temperror")).isEmpty();
        a.only("mx-present", GOOD_DOMAIN);
        a.only("mx-target-ok", GOOD_HOST);
        a.only("mx-target-ok", GOOD_HOST6);
        assertThat(a.only("mx-backup", GOOD_DOMAIN).get("summary").asText()).contains(GOOD_HOST6).contains("backup");
        a.only("ptr-confirmed", GOOD_IP);
        a.only("ptr-confirmed", GOOD_IP6);
        a.only("helo-matches-ptr", GOOD_IP);
        a.only("helo-matches-ptr", GOOD_IP6); // assumed: the MX host's own name
        JsonNode covered = a.only("egress-mx-address", GOOD_IP);
        assertThat(covered.get("severity").asText()).isEqualTo("pass");
        assertThat(covered.get("fix").isNull()).isTrue();
    }

    @Test
    @DisplayName("multi-WAN: the second egress is no MX address and has no PTR; the fix names the MX, A and PTR records")
    void multiWanSecondEgressNotCovered() {
        Audit a = audit(MULTI_WAN_DOMAIN, "--egress", MULTI_WAN_IP_1, "--egress", MULTI_WAN_IP_2);
        assertThat(a.exit()).isEqualTo(1);
        assertThat(a.json().get("result").asText()).isEqualTo("fail");
        assertThat(texts(a.json().get("egress"))).containsExactly(MULTI_WAN_IP_1, MULTI_WAN_IP_2);
        assertThat(a.ids("fail")).containsExactlyInAnyOrder("egress-not-mx-address " + MULTI_WAN_IP_2, "ptr-missing " + MULTI_WAN_IP_2);
        a.only("egress-mx-address", MULTI_WAN_IP_1);
        a.only("ptr-confirmed", MULTI_WAN_IP_1);

        JsonNode fix = a.only("egress-not-mx-address", MULTI_WAN_IP_2).get("fix");
        assertThat(texts(fix.get("records"))).containsExactly(
                "multiwan.test. IN MX 20 mx2.multiwan.test.",
                "mx2.multiwan.test. IN A 127.0.6.2");
        assertThat(texts(fix.get("ask-ip-owner"))).containsExactly("2.6.0.127.in-addr.arpa. IN PTR mx2.multiwan.test.");
        JsonNode ptr = a.only("ptr-missing", MULTI_WAN_IP_2).get("fix");
        assertThat(texts(ptr.get("ask-ip-owner"))).containsExactly("2.6.0.127.in-addr.arpa. IN PTR mx2.multiwan.test.");
        assertThat(ptr.get("advice").asText()).contains("owner of 127.0.6.2");

        JsonNode single = a.only("mx-single-host", MULTI_WAN_DOMAIN);
        assertThat(single.get("severity").asText()).isEqualTo("warn");
        assertThat(single.get("summary").asText()).contains(MULTI_WAN_MX_HOST).contains("single point of failure");
        assertThat(single.get("fix").get("advice").asText()).as("no second, different new MX host")
                .contains("adds mx2.multiwan.test");
        assertThat(single.get("fix").get("records")).isEmpty();
    }

    @Test
    @DisplayName("HELO: one name for every egress; a match passes, a mismatch warns naming the confirmed PTR")
    void heloNames() {
        Audit one = audit(MULTI_WAN_DOMAIN, "--egress", MULTI_WAN_IP_1, "--helo", MULTI_WAN_MX_HOST);
        one.only("helo-matches-ptr", MULTI_WAN_IP_1);
        Audit other = audit(MULTI_WAN_DOMAIN, "--egress", MULTI_WAN_IP_1, "--helo", "gw.multiwan.test");
        JsonNode warn = other.only("helo-not-ptr", MULTI_WAN_IP_1);
        assertThat(warn.get("severity").asText()).isEqualTo("warn");
        assertThat(warn.get("fix").get("advice").asText()).contains("HELO " + MULTI_WAN_MX_HOST);
        assertThat(other.exit()).isZero();
    }

    @Test
    @DisplayName("MX to a CNAME: warned, the fix points the MX at the canonical name; its address has no PTR")
    void mxTargetCname() {
        Audit a = audit(CNAME_MX_DOMAIN);
        JsonNode cname = a.only("mx-target-cname", CNAME_MX_HOST);
        assertThat(cname.get("severity").asText()).isEqualTo("warn");
        assertThat(cname.get("summary").asText()).contains("RFC 2181");
        assertThat(texts(cname.get("fix").get("records"))).containsExactly("cnamemx.test. IN MX 10 real.cnamemx.test.");
        JsonNode ptr = a.only("ptr-missing", CNAME_MX_IP);
        assertThat(texts(ptr.get("fix").get("ask-ip-owner"))).containsExactly("3.2.0.127.in-addr.arpa. IN PTR alias.cnamemx.test.");
        assertThat(a.exit()).isEqualTo(1);
    }

    @Test
    @DisplayName("MX to an IP literal: fails, the fix names the host and gives it the address")
    void mxTargetIpLiteral() {
        Audit a = audit(IP_LITERAL_MX_DOMAIN);
        assertThat(a.exit()).isEqualTo(1);
        JsonNode lit = a.only("mx-target-ip-literal", IP_LITERAL_MX_TARGET);
        assertThat(lit.get("severity").asText()).isEqualTo("fail");
        assertThat(texts(lit.get("fix").get("records"))).containsExactly(
                "iplitmx.test. IN MX 10 mx1.iplitmx.test.", "mx1.iplitmx.test. IN A 127.0.2.4");
        assertThat(a.only("mx-none-reachable", IP_LITERAL_MX_DOMAIN).get("severity").asText()).isEqualTo("fail");
        assertThat(a.findings("ptr-missing")).as("a literal target's address is not an MX host address").isEmpty();
    }

    @Test
    @DisplayName("generic PTR on the MX address: fails with the PTR to request; the assumed HELO does not match")
    void genericPtrOnMx() {
        Audit a = audit(GENERIC_MX_DOMAIN);
        assertThat(a.exit()).isEqualTo(1);
        JsonNode generic = a.only("ptr-generic", GENERIC_CONFIRMED_IP);
        assertThat(generic.get("severity").asText()).isEqualTo("fail");
        assertThat(generic.get("summary").asText()).contains(GENERIC_CONFIRMED_HOST);
        assertThat(texts(generic.get("fix").get("ask-ip-owner"))).containsExactly("4.1.0.127.in-addr.arpa. IN PTR mx.genericmx.test.");
        JsonNode helo = a.only("helo-not-ptr", GENERIC_CONFIRMED_IP);
        assertThat(texts(helo.get("evidence"))).anySatisfy(e -> assertThat(e).contains("assumed"));
        assertThat(a.findings("ptr-confirmed")).isEmpty();
    }

    @Test
    @DisplayName("unconfirmed PTR on the MX address: fails; the PTR name is not the domain's, so the PTR is to be changed")
    void unconfirmedPtr() {
        Audit a = audit(UNCONFIRMED_MX_DOMAIN);
        assertThat(a.exit()).isEqualTo(1);
        JsonNode f = a.only("ptr-not-confirmed", UNCONFIRMED_IP);
        assertThat(f.get("summary").asText()).contains(UNCONFIRMED_HOST);
        assertThat(texts(f.get("evidence"))).anySatisfy(e -> assertThat(e).contains(UNCONFIRMED_HOST_IP));
        assertThat(texts(f.get("fix").get("ask-ip-owner"))).containsExactly("2.1.0.127.in-addr.arpa. IN PTR mx.unconfirmedmx.test.");
        assertThat(texts(f.get("fix").get("records"))).isEmpty();
    }

    @Test
    @DisplayName("null MX: said plainly as a warning, nothing else checked, exit 0")
    void nullMx() {
        Audit a = audit(NULL_MX_DOMAIN);
        assertThat(a.exit()).isZero();
        assertThat(a.ids("warn")).containsExactly("mx-null " + NULL_MX_DOMAIN);
        assertThat(a.json().get("findings")).hasSize(1);
    }

    @Test
    @DisplayName("no MX: implicit MX said plainly with an explicit MX as fix; the domain's address has no PTR")
    void implicitMx() {
        Audit a = audit(NO_MX_DOMAIN);
        JsonNode implicit = a.only("mx-implicit", NO_MX_DOMAIN);
        assertThat(implicit.get("summary").asText()).contains("implicit MX");
        assertThat(texts(implicit.get("fix").get("records"))).containsExactly("nomx.test. IN MX 10 nomx.test.");
        a.only("ptr-missing", NO_MX_DOMAIN_IP);
        assertThat(a.exit()).isEqualTo(1);
    }

    @Test
    @DisplayName("SERVFAIL: a temporary failure, never a configuration error; exit 75")
    void servfail() {
        Audit a = audit(SERVFAIL_DOMAIN, "--egress", MULTI_WAN_IP_1);
        assertThat(a.exit()).isEqualTo(75);
        assertThat(a.json().get("result").asText()).isEqualTo("temperror");
        assertThat(a.ids("fail")).isEmpty();
        assertThat(a.ids("temperror")).containsExactlyInAnyOrder(
                "mx-tempfail " + SERVFAIL_DOMAIN, "egress-coverage-tempfail " + MULTI_WAN_IP_1);
    }

    @Test
    @DisplayName("one MX host's address lookup fails: that host is a temperror, the other still checked")
    void partialTempfail() {
        Audit a = audit(PARTIAL_FAIL_MX_DOMAIN);
        assertThat(a.exit()).isEqualTo(75);
        a.only("mx-target-tempfail", SERVFAIL_HOST);
        a.only("mx-target-ok", GOOD_HOST);
        a.only("ptr-confirmed", GOOD_IP);
        assertThat(a.ids("fail")).isEmpty();
    }

    @Test
    @DisplayName("text: grouped by severity, most severe first, each fix with its records under the finding")
    void text() {
        Cli.Run run = Cli.run("audit", MULTI_WAN_DOMAIN, "--dns", BED.resolverHostPort(),
                "--egress", MULTI_WAN_IP_1, "--egress", MULTI_WAN_IP_2, "--color", "never");
        assertThat(run.exit()).isEqualTo(1);
        String out = run.out();
        assertThat(out).startsWith("mxguard audit multiwan.test (egress 127.0.6.1, 127.0.6.2)\n2 fail, 0 temperror, 1 warn,");
        assertThat(out.indexOf("\nFAIL (2)\n")).isPositive().isLessThan(out.indexOf("\nWARN (1)\n"));
        assertThat(out.indexOf("\nWARN (1)\n")).isLessThan(out.indexOf("\nPASS ("));
        String fail = out.substring(out.indexOf("egress-not-mx-address"));
        assertThat(fail).contains("    fix: Give 127.0.6.2 a host name")
                .contains("      multiwan.test. IN MX 20 mx2.multiwan.test.\n      mx2.multiwan.test. IN A 127.0.6.2\n")
                .contains("    ask the owner of the address for:\n      2.6.0.127.in-addr.arpa. IN PTR mx2.multiwan.test.");
        assertThat(out).doesNotContain("\u001b[");

        Cli.Run coloured = Cli.run("audit", MULTI_WAN_DOMAIN, "--dns", BED.resolverHostPort(), "--color", "always");
        assertThat(coloured.out()).contains("\u001b[1;33mWARN (1)\u001b[0m");
    }

    @Test
    @DisplayName("--zone-snippet: the fixing records once each, the PTR to ask for and unknown addresses as comments")
    void zoneSnippet() {
        Cli.Run run = Cli.run("audit", MULTI_WAN_DOMAIN, "--dns", BED.resolverHostPort(),
                "--egress", MULTI_WAN_IP_1, "--egress", MULTI_WAN_IP_2, "--zone-snippet");
        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.out().strip()).isEqualTo("""
                ; mxguard audit multiwan.test: records that fix what it found

                ; ptr-missing 127.0.6.2
                ; ask the owner of the address for: 2.6.0.127.in-addr.arpa. IN PTR mx2.multiwan.test.

                ; egress-not-mx-address 127.0.6.2
                multiwan.test. IN MX 20 mx2.multiwan.test.
                mx2.multiwan.test. IN A 127.0.6.2""");
        assertThat(Cli.run("audit", GOOD_DOMAIN, "--dns", BED.resolverHostPort(), "--json", "--zone-snippet").exit()).isEqualTo(2);

        Cli.Run single = Cli.run("audit", GENERIC_MX_DOMAIN, "--dns", BED.resolverHostPort(), "--zone-snippet");
        assertThat(single.out()).contains("""
                ; mx-single-host genericmx.test
                ; fill in: genericmx.test. IN MX 20 mx1.genericmx.test.
                ; fill in: mx1.genericmx.test. IN A <address>""");
    }

    @Test
    @DisplayName("usage errors: --helo without --egress, a bad --egress, mismatched counts: exit 2")
    void usage() {
        assertThat(Cli.run("audit", GOOD_DOMAIN, "--dns", BED.resolverHostPort(), "--helo", GOOD_HOST).exit()).isEqualTo(2);
        assertThat(Cli.run("audit", GOOD_DOMAIN, "--dns", BED.resolverHostPort(), "--egress", "mail.good.test").exit()).isEqualTo(2);
        Cli.Run mismatch = Cli.run("audit", GOOD_DOMAIN, "--dns", BED.resolverHostPort(),
                "--egress", GOOD_IP, MULTI_WAN_IP_1, MULTI_WAN_IP_2, "--helo", GOOD_HOST, GOOD_HOST);
        assertThat(mismatch.exit()).isEqualTo(2);
        assertThat(mismatch.err()).contains("one per --egress");
    }
}
