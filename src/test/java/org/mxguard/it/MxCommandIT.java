package org.mxguard.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mxguard.testbed.TestZones.*;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.mxguard.testbed.DnsTestBed;

/** {@code mxguard mx DOMAIN --json} (and its text form) end to end against the real test bed. */
@Timeout(60)
class MxCommandIT {
    @RegisterExtension
    static final DnsTestBed BED = new DnsTestBed();

    static Cli.Run mx(String domain) {
        return Cli.mx(BED.resolverHostPort(), domain);
    }

    static JsonNode json(String domain) {
        Cli.Run run = mx(domain);
        assertThat(run.exit()).as("exit code for %s; stderr: %s", domain, run.err()).isZero();
        return run.json();
    }

    static List<String> texts(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    static JsonNode group(JsonNode root, int index) {
        return root.get("groups").get(index);
    }

    @Test
    @DisplayName("good.test: two preference groups, each host with its addresses (IPv6 included)")
    void twoPreferenceGroups() {
        JsonNode j = json(GOOD_DOMAIN);
        assertThat(j.get("domain").asText()).isEqualTo(GOOD_DOMAIN);
        assertThat(j.get("kind").asText()).isEqualTo("mx");
        assertThat(j.get("groups")).hasSize(2);
        JsonNode first = group(j, 0);
        assertThat(first.fieldNames()).toIterable().as("stable key order").containsExactly("preference", "hosts");
        assertThat(first.get("preference").asInt()).isEqualTo(10);
        assertThat(first.get("hosts")).hasSize(1);
        JsonNode primary = first.get("hosts").get(0);
        assertThat(primary.get("host").asText()).isEqualTo(GOOD_HOST);
        assertThat(texts(primary.get("addresses"))).containsExactly(GOOD_IP);
        assertThat(primary.get("ip-literal").asBoolean()).isFalse();
        assertThat(primary.get("cname")).isEmpty();
        assertThat(primary.get("problems")).isEmpty();
        JsonNode second = group(j, 1);
        assertThat(second.get("preference").asInt()).isEqualTo(20);
        JsonNode secondary = second.get("hosts").get(0);
        assertThat(secondary.get("host").asText()).isEqualTo(GOOD_HOST6);
        assertThat(texts(secondary.get("addresses"))).containsExactly(GOOD_IP6);
    }

    @Test
    @DisplayName("equalpref.test: one group of two hosts at 10, then c at 20")
    void equalPreferencesAreOneGroup() {
        JsonNode j = json(EQUAL_PREF_DOMAIN);
        assertThat(j.get("groups")).hasSize(2);
        JsonNode ten = group(j, 0);
        assertThat(ten.get("preference").asInt()).isEqualTo(10);
        List<String> hosts = new ArrayList<>();
        List<String> addresses = new ArrayList<>();
        ten.get("hosts").forEach(h -> {
            hosts.add(h.get("host").asText());
            addresses.addAll(texts(h.get("addresses")));
        });
        assertThat(hosts).containsExactlyInAnyOrder(EQUAL_PREF_HOST_A, EQUAL_PREF_HOST_B);
        assertThat(addresses).containsExactlyInAnyOrder(EQUAL_PREF_IP_A, EQUAL_PREF_IP_B);
        JsonNode twenty = group(j, 1);
        assertThat(twenty.get("preference").asInt()).isEqualTo(20);
        assertThat(twenty.get("hosts")).hasSize(1);
        assertThat(twenty.get("hosts").get(0).get("host").asText()).isEqualTo(EQUAL_PREF_HOST_C);
        assertThat(texts(twenty.get("hosts").get(0).get("addresses"))).containsExactly(EQUAL_PREF_IP_C);
    }

    @Test
    void implicitMx() {
        JsonNode j = json(NO_MX_DOMAIN);
        assertThat(j.get("kind").asText()).isEqualTo("implicit-mx");
        assertThat(texts(j.get("addresses"))).containsExactly(NO_MX_DOMAIN_IP);
        assertThat(j.get("groups")).isEmpty();
    }

    static Stream<Arguments> noMailDomains() {
        return Stream.of(
                Arguments.of(NULL_MX_DOMAIN, "null-mx", "null MX"),
                Arguments.of(NX_DOMAIN, "nxdomain", "does not exist"),
                Arguments.of(NO_HOSTS_DOMAIN, "no-mail-hosts", "no MX and no address"));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @MethodSource("noMailDomains")
    @DisplayName("a definitive 'no mail': exit 0, no groups, said plainly")
    void noMail(String domain, String kind, String summary) {
        JsonNode j = json(domain);
        assertThat(j.get("kind").asText()).isEqualTo(kind);
        assertThat(j.get("groups")).isEmpty();
        assertThat(j.get("summary").asText()).contains(domain).contains(summary);
    }

    @Test
    @DisplayName("an MX target that is a CNAME is flagged with its chain")
    void cnameTarget() {
        JsonNode host = group(json(CNAME_MX_DOMAIN), 0).get("hosts").get(0);
        assertThat(host.get("host").asText()).isEqualTo(CNAME_MX_HOST);
        assertThat(texts(host.get("cname"))).containsExactly(CNAME_MX_REAL_HOST);
        assertThat(texts(host.get("addresses"))).containsExactly(CNAME_MX_IP);
        assertThat(texts(host.get("problems"))).anySatisfy(p -> assertThat(p).contains("CNAME"));
    }

    @Test
    @DisplayName("an MX target written as an IP address is flagged")
    void ipLiteralTarget() {
        JsonNode host = group(json(IP_LITERAL_MX_DOMAIN), 0).get("hosts").get(0);
        assertThat(host.get("host").asText()).isEqualTo(IP_LITERAL_MX_TARGET);
        assertThat(host.get("ip-literal").asBoolean()).isTrue();
        assertThat(texts(host.get("problems"))).anySatisfy(p -> assertThat(p).contains("IP literal"));
    }

    @Test
    @DisplayName("an MX target that does not exist is a problem of that host, not a temporary failure")
    void nonexistentTarget() {
        JsonNode host = group(json(MX_NX_HOST_DOMAIN), 0).get("hosts").get(0);
        assertThat(host.get("host").asText()).isEqualTo(MX_NX_HOST);
        assertThat(host.get("addresses")).isEmpty();
        assertThat(texts(host.get("problems"))).containsExactly("target does not exist");
    }

    @Test
    @DisplayName("slow.test: kind tempfail, exit code 75")
    void temporaryFailure() {
        Cli.Run run = mx(SLOW_DOMAIN);
        assertThat(run.exit()).isEqualTo(75);
        JsonNode j = run.json();
        assertThat(j.get("kind").asText()).isEqualTo("tempfail");
        assertThat(j.get("groups")).isEmpty();
    }

    @Test
    @DisplayName("servfail.test and garbage.test: exit code 75")
    void otherFaultZones() {
        for (String d : List.of(SERVFAIL_DOMAIN, GARBAGE_DOMAIN)) {
            Cli.Run run = mx(d);
            assertThat(run.exit()).as(d).isEqualTo(75);
            assertThat(run.json().get("kind").asText()).as(d).isEqualTo("tempfail");
        }
    }

    @Test
    @DisplayName("an MX host whose address lookup fails temporarily: the route is shown, exit code 75")
    void partialTemporaryFailure() {
        Cli.Run run = mx(PARTIAL_FAIL_MX_DOMAIN);
        assertThat(run.exit()).isEqualTo(75);
        JsonNode j = run.json();
        assertThat(j.get("kind").asText()).isEqualTo("mx");
        assertThat(texts(group(j, 0).get("hosts").get(0).get("addresses"))).containsExactly(GOOD_IP);
        JsonNode failed = group(j, 1).get("hosts").get(0);
        assertThat(failed.get("host").asText()).isEqualTo(SERVFAIL_HOST);
        assertThat(texts(failed.get("problems"))).anySatisfy(p -> assertThat(p).contains("temporarily"));
    }

    @Test
    @DisplayName("50 equal-preference MX hosts are one group with every address")
    void manyHosts(@TempDir Path dir) {
        // mx sends all 100 address queries at once, and the test bed's Unbound serves only 32
        // recursions at a time (num-queries-per-thread): on a cold cache under load it drops some.
        // Retries and a warm-up run keep this about the output, not about the bed's capacity.
        String cfg = Cli.config(dir, "retries.toml", "[dns]\ntimeout-ms = 500\nretries = 4\n").toString();
        Cli.run("mx", MANY_MX_DOMAIN, "--dns", BED.resolverHostPort(), "--config", cfg);
        Cli.Run run = Cli.run("mx", MANY_MX_DOMAIN, "--dns", BED.resolverHostPort(), "--config", cfg, "--json");
        assertThat(run.exit()).as(run.out()).isZero();
        JsonNode j = run.json();
        assertThat(j.get("groups")).hasSize(1);
        JsonNode hosts = group(j, 0).get("hosts");
        assertThat(hosts).hasSize(MANY_MX_COUNT);
        for (int i = 0; i < MANY_MX_COUNT; i++) {
            assertThat(texts(hosts.get(i).get("addresses"))).as(manyMxHost(i + 1)).hasSize(1);
        }
    }

    @Test
    @DisplayName("the domain is normalized: case and a trailing dot do not matter")
    void normalizedDomain() {
        JsonNode j = json("Good.TEST.");
        assertThat(j.get("domain").asText()).isEqualTo(GOOD_DOMAIN);
        assertThat(j.get("groups")).hasSize(2);
    }

    // ------------------------------------------------------------------ text output

    @Test
    @DisplayName("text: the null MX is said plainly, and the CNAME target is named as a problem")
    void textOutput() {
        Cli.Run nullMx = Cli.run("mx", NULL_MX_DOMAIN, "--dns", BED.resolverHostPort());
        assertThat(nullMx.exit()).isZero();
        assertThat(nullMx.out()).contains(NULL_MX_DOMAIN).contains("null MX").contains("accepts no mail");
        assertThat(nullMx.out()).doesNotContain("preference");

        Cli.Run cname = Cli.run("mx", CNAME_MX_DOMAIN, "--dns", BED.resolverHostPort());
        assertThat(cname.exit()).isZero();
        assertThat(cname.out()).contains("preference 10").contains(CNAME_MX_HOST).contains(CNAME_MX_IP)
                .contains("CNAME").contains(CNAME_MX_REAL_HOST);

        Cli.Run good = Cli.run("mx", EQUAL_PREF_DOMAIN, "--dns", BED.resolverHostPort());
        assertThat(good.out()).contains("preference 10 (2 hosts, equal preference)").contains("preference 20");

        Cli.Run implicit = Cli.run("mx", NO_MX_DOMAIN, "--dns", BED.resolverHostPort());
        assertThat(implicit.out()).contains("implicit MX").contains(NO_MX_DOMAIN_IP);

        Cli.Run slow = Cli.run("mx", SERVFAIL_DOMAIN, "--dns", BED.resolverHostPort());
        assertThat(slow.exit()).isEqualTo(75);
        assertThat(slow.out()).contains("temporary DNS failure");
    }
}
