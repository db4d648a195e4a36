package org.mxguard.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mxguard.testbed.TestZones.*;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.mxguard.testbed.DnsTestBed;

/**
 * {@code mxguard check --json} end to end, against the real NSD + Unbound test bed: every row of
 * the README's check table, the default policy's verdicts, the config file, and the rule that a
 * temporary DNS failure never becomes a permanent (5xx) refusal.
 */
@Timeout(60)
class CheckCommandIT {
    @RegisterExtension
    static final DnsTestBed BED = new DnsTestBed();

    static final List<String> ALL_CHECKS = List.of("iprev", "generic-ptr", "helo", "sender-domain",
            "reverse-mx:mail-from", "reverse-mx:from", "reverse-mx:reply-to", "reverse-mx:ptr");

    /** {@code check --json --dns <unbound> ARGS}. */
    static CheckJson check(String... args) {
        return Cli.check(BED.resolverHostPort(), args);
    }

    static String[] args(String... a) {
        return a;
    }

    @Test
    @DisplayName("prints every check, by its public name, in the documented order")
    void everyCheckByName() {
        CheckJson j = check("--ip", GOOD_IP);
        assertThat(j.names()).containsExactlyElementsOf(ALL_CHECKS);
        assertThat(j.root().get("verdict").fieldNames()).toIterable().contains("action", "reply", "dns-lookups");
        for (var c : j.root().get("checks")) {
            assertThat(c.fieldNames()).toIterable().contains("name", "result", "reason", "problem", "action", "evidence");
        }
    }

    @Test
    @DisplayName("a client that passes everything gets 250 2.0.0")
    void allGood() {
        CheckJson j = check("--ip", GOOD_IP, "--helo", HELO_GOOD, "--mail-from", "a@" + GOOD_DOMAIN,
                "--from", "Alice <a@" + GOOD_DOMAIN + ">", "--reply-to", "<b@" + GOOD_DOMAIN + ">");
        assertThat(j.results()).allSatisfy((name, result) -> assertThat(result).as(name).isEqualTo("pass"));
        assertThat(j.verdictAction()).isEqualTo("accept");
        assertThat(j.reply()).isEqualTo("250 2.0.0 Ok");
    }

    // ======================================================================== iprev

    @Nested
    class Iprev {
        @Test
        void passWhenThePtrNameResolvesBack() {
            CheckJson j = check("--ip", GOOD_IP).has("iprev", "pass", "").replies("250");
            assertThat(j.evidence("iprev")).containsEntry("ptr", GOOD_HOST)
                    .containsEntry("A " + GOOD_HOST, GOOD_IP)
                    .containsEntry("confirmed", GOOD_HOST);
        }

        @Test
        void failWithoutPtrRejects550_5_7_25() {
            CheckJson j = check("--ip", NO_PTR_IP).has("iprev", "fail", "no-ptr").replies("550 5.7.25");
            assertThat(j.action("iprev")).isEqualTo("reject");
            assertThat(j.verdictAction()).isEqualTo("reject");
            assertThat(j.evidence("iprev")).containsEntry("ptr", "NXDOMAIN");
        }

        @Test
        void failWhenThePtrNameDoesNotResolveBack() {
            CheckJson j = check("--ip", UNCONFIRMED_IP).has("iprev", "fail", "unconfirmed").replies("550 5.7.25");
            assertThat(j.evidence("iprev")).containsEntry("A " + UNCONFIRMED_HOST, UNCONFIRMED_HOST_IP)
                    .doesNotContainKey("confirmed");
        }

        @Test
        @DisplayName("tries every PTR name: only the third of three confirms")
        void passThroughALaterPtrName() {
            CheckJson j = check("--ip", MULTI_PTR_IP).has("iprev", "pass", "").replies("250");
            assertThat(j.evidence("iprev"))
                    .containsEntry("A " + MULTI_PTR_NX_HOST, "NXDOMAIN")
                    .containsEntry("A " + MULTI_PTR_OTHER_HOST, MULTI_PTR_OTHER_HOST_IP)
                    .containsEntry("A " + MULTI_PTR_GOOD_HOST, MULTI_PTR_IP)
                    .containsEntry("confirmed", MULTI_PTR_GOOD_HOST);
            assertThat(j.reason("iprev")).contains(MULTI_PTR_GOOD_HOST);
        }

        @Test
        void failWhenThePtrTargetDoesNotExist() {
            CheckJson j = check("--ip", PTR_NX_TARGET_IP).has("iprev", "fail", "unconfirmed").replies("550 5.7.25");
            assertThat(j.evidence("iprev")).containsEntry("A " + PTR_NX_TARGET_HOST, "NXDOMAIN")
                    .containsEntry("AAAA " + PTR_NX_TARGET_HOST, "NXDOMAIN");
        }

        @Test
        void passWhenThePtrTargetIsACname() {
            CheckJson j = check("--ip", CNAME_PTR_IP).has("iprev", "pass", "");
            assertThat(j.evidence("iprev").get("A " + CNAME_PTR_HOST))
                    .contains(CNAME_PTR_IP).contains("via CNAME " + CNAME_PTR_REAL_HOST);
        }

        @Test
        @DisplayName("an IPv4 client is not confirmed by an AAAA record")
        void ipv4ClientWhosePtrNameHasOnlyAaaa() {
            CheckJson j = check("--ip", V6ONLY_PTR_IP).has("iprev", "fail", "unconfirmed");
            assertThat(j.evidence("iprev")).containsEntry("AAAA " + V6ONLY_HOST, V6ONLY_HOST_IP6)
                    .containsEntry("A " + V6ONLY_HOST, "NODATA");
        }

        @Test
        void ipv6() {
            check("--ip", GOOD_IP6).has("iprev", "pass", "").replies("250");
            check("--ip", UNCONFIRMED_IP6).has("iprev", "fail", "unconfirmed").replies("550 5.7.25");
            check("--ip", NO_PTR_IP6).has("iprev", "fail", "no-ptr").replies("550 5.7.25");

            assertThat(check("--ip", GOOD_IP6).evidence("iprev"))
                    .containsEntry("AAAA " + GOOD_HOST6, GOOD_IP6).containsEntry("confirmed", GOOD_HOST6);
            assertThat(check("--ip", UNCONFIRMED_IP6).evidence("iprev"))
                    .containsEntry("AAAA " + UNCONFIRMED_HOST6, UNCONFIRMED_HOST6_IP6);
        }

        @ParameterizedTest(name = "{0}")
        @ValueSource(strings = {SLOW_PTR_IP, SERVFAIL_PTR_IP, GARBAGE_PTR_IP, CNAME_LOOP_PTR_IP})
        @DisplayName("temperror when a PTR name's forward lookup fails temporarily: tempfail 451 4.4.3")
        void temperror(String ip) {
            CheckJson j = check("--ip", ip).has("iprev", "temperror", "dns-tempfail").replies("451 4.4.3");
            assertThat(j.action("iprev")).isEqualTo("tempfail");
            assertThat(j.verdictAction()).isEqualTo("tempfail");
        }

        @Test
        @DisplayName("permerror, never a 5xx, for 30 PTR names against a budget of 20")
        void permerrorWhenTheQueryBudgetRunsOut() {
            CheckJson j = check("--ip", MANY_PTR_IP).has("iprev", "permerror", "query-budget").notPermanent();
            assertThat(j.action("iprev")).isEqualTo("log");
            // h30, the only confirming name, is past the budget: never asked.
            assertThat(j.evidence("iprev")).containsEntry("A " + MANY_PTR_GOOD_HOST, "not asked (query budget)")
                    .containsEntry("A " + manyPtrHost(1), MANY_PTR_OTHER_IP);
            assertThat(j.results().values()).doesNotContain("fail");
            assertThat(j.dnsLookups()).isEqualTo(20);
            assertThat(j.dnsRefused()).isPositive();
        }
    }

    // ======================================================================== generic-ptr

    @Nested
    class GenericPtr {
        @ParameterizedTest(name = "{0}")
        @ValueSource(strings = {GENERIC_CONFIRMED_IP, GENERIC_UNCONFIRMED_IP})
        @DisplayName("fail (tag) for the dyn.isp.test names")
        void failForDynamicIspNames(String ip) {
            CheckJson j = check("--ip", ip).has("generic-ptr", "fail", "generic");
            assertThat(j.action("generic-ptr")).isEqualTo("tag");
            assertThat(j.evidence("generic-ptr")).containsKey("classifier")
                    .containsEntry("ptr-name", ip.equals(GENERIC_CONFIRMED_IP) ? GENERIC_CONFIRMED_HOST : GENERIC_UNCONFIRMED_HOST);
        }

        @Test
        @DisplayName("a confirmed generic name is tagged, not refused: verdict tag, 250")
        void taggedNotRefused() {
            CheckJson j = check("--ip", GENERIC_CONFIRMED_IP).has("iprev", "pass").replies("250");
            assertThat(j.verdictAction()).isEqualTo("tag");
        }

        @Test
        void passForASpecificHost() {
            CheckJson j = check("--ip", GOOD_IP).has("generic-ptr", "pass", "");
            assertThat(j.evidence("generic-ptr")).containsEntry("ptr-name", GOOD_HOST);
        }

        @ParameterizedTest(name = "{0}")
        @ValueSource(strings = {NO_PTR_IP, NO_PTR_IP6})
        void noneWithoutPtr(String ip) {
            check("--ip", ip).has("generic-ptr", "none", "");
        }
    }

    // ======================================================================== helo

    @Nested
    class Helo {
        @Test
        void passForAResolvingFqdn() {
            CheckJson j = check("--ip", GOOD_IP, "--helo", HELO_GOOD).has("helo", "pass", "");
            assertThat(j.evidence("helo")).containsEntry("resolves-to-client", "yes").containsEntry("matches-ptr", "same name");
        }

        @Test
        @DisplayName("HELO differing from the PTR name is evidence, never a failure")
        void differingFromPtrIsOnlyEvidence() {
            CheckJson j = check("--ip", OUTSOURCED_IP, "--helo", HELO_GOOD).has("helo", "pass", "");
            assertThat(j.evidence("helo")).containsEntry("resolves-to-client", "no");
            assertThat(j.evidence("helo").get("matches-ptr")).startsWith("differs");
        }

        @Test
        void noneWithoutHelo() {
            check("--ip", GOOD_IP).has("helo", "none", "");
        }

        static Stream<Arguments> failures() {
            return Stream.of(
                    Arguments.of(LOCALHOST_IP, "localhost", "localhost"),
                    Arguments.of(GOOD_IP, "Mail-Server", "syntax"),
                    Arguments.of(GOOD_IP, "bad_name.good.test", "syntax"),
                    Arguments.of(GOOD_IP, GOOD_IP, "bare-ip"),
                    Arguments.of(GOOD_IP, HELO_NX, "nxdomain"),
                    Arguments.of(GOOD_IP, HELO_NODATA, "no-address"),
                    Arguments.of(GOOD_IP, "[" + UNCONFIRMED_HOST_IP + "]", "literal-mismatch"),
                    Arguments.of(GOOD_IP, "[IPv6:" + GOOD_IP6 + "]", "literal-mismatch"));
        }

        @ParameterizedTest(name = "HELO {1} -> fail {2}")
        @MethodSource("failures")
        @DisplayName("fail (logged by default, 250)")
        void fail(String ip, String helo, String problem) {
            CheckJson j = check("--ip", ip, "--helo", helo).has("helo", "fail", problem).replies("250");
            assertThat(j.action("helo")).isEqualTo("log");
        }

        @Test
        void passForTheClientsAddressLiteral() {
            check("--ip", GOOD_IP, "--helo", "[" + GOOD_IP + "]").has("helo", "pass", "");
            check("--ip", GOOD_IP6, "--helo", "[IPv6:" + GOOD_IP6 + "]").has("helo", "pass", "");
        }

        @Test
        void temperrorForANameInTheSlowZone() {
            CheckJson j = check("--ip", GOOD_IP, "--helo", "helo." + SLOW_DOMAIN).has("helo", "temperror", "dns-tempfail");
            assertThat(j.action("helo")).isEqualTo("log");
            j.notPermanent();
        }
    }

    // ======================================================================== sender-domain

    @Nested
    class SenderDomain {
        @Test
        void passWithMx() {
            CheckJson j = check("--ip", GOOD_IP, "--mail-from", "a@" + GOOD_DOMAIN).has("sender-domain", "pass", "").replies("250");
            assertThat(j.evidence("sender-domain")).containsEntry("MX " + GOOD_DOMAIN, "10 " + GOOD_HOST + ", 20 " + GOOD_HOST6);
        }

        @Test
        void passWithImplicitMx() {
            CheckJson j = check("--ip", GOOD_IP, "--mail-from", "a@" + NO_MX_DOMAIN).has("sender-domain", "pass", "");
            assertThat(j.evidence("sender-domain")).containsEntry("A " + NO_MX_DOMAIN, NO_MX_DOMAIN_IP);
            assertThat(j.reason("sender-domain")).contains("implicit MX");
        }

        @Test
        void nxdomainRejects550_5_1_8() {
            check("--ip", GOOD_IP, "--mail-from", "a@" + NX_DOMAIN).has("sender-domain", "fail", "nxdomain")
                    .replies("550 5.1.8");
        }

        @Test
        void noHostsRejects550_5_1_8() {
            check("--ip", GOOD_IP, "--mail-from", "a@" + NO_HOSTS_DOMAIN).has("sender-domain", "fail", "no-mail-host")
                    .replies("550 5.1.8");
        }

        @Test
        void nullMxRejects550_5_7_27() {
            CheckJson j = check("--ip", GOOD_IP, "--mail-from", "a@" + NULL_MX_DOMAIN).has("sender-domain", "fail", "null-mx")
                    .replies("550 5.7.27");
            assertThat(j.verdictAction()).isEqualTo("reject");
        }

        @ParameterizedTest(name = "--mail-from ''{0}''")
        @ValueSource(strings = {"<>", ""})
        void noneForTheNullReversePath(String nullPath) {
            CheckJson j = check("--ip", GOOD_IP, "--mail-from", nullPath).has("sender-domain", "none", "")
                    .has("reverse-mx:mail-from", "none", "").replies("250");
            assertThat(j.reason("sender-domain")).contains("<>");
        }

        @Test
        void noneWithoutMailFrom() {
            check("--ip", GOOD_IP).has("sender-domain", "none", "");
        }

        @ParameterizedTest(name = "a@{0}")
        @ValueSource(strings = {SLOW_DOMAIN, "sub." + SLOW_DOMAIN, SERVFAIL_DOMAIN, GARBAGE_DOMAIN})
        @DisplayName("temperror in a fault zone: tempfail 451 4.4.3")
        void temperror(String domain) {
            CheckJson j = check("--ip", GOOD_IP, "--mail-from", "a@" + domain)
                    .has("sender-domain", "temperror", "dns-tempfail").replies("451 4.4.3");
            assertThat(j.action("sender-domain")).isEqualTo("tempfail");
        }
    }

    // ======================================================================== reverse-mx

    @Nested
    class ReverseMx {
        @Test
        void mailFromPassWhenTheClientIsAnMxHost() {
            CheckJson j = check("--ip", GOOD_IP, "--mail-from", "a@" + GOOD_DOMAIN).has("reverse-mx:mail-from", "pass", "");
            assertThat(j.reason("reverse-mx:mail-from")).contains(GOOD_HOST);
        }

        @Test
        @DisplayName("mail-from fail (logged) when an outsourced relay sends as good.test")
        void mailFromFailForAForeignClient() {
            CheckJson j = check("--ip", OUTSOURCED_IP, "--mail-from", "a@" + GOOD_DOMAIN)
                    .has("reverse-mx:mail-from", "fail", "not-mx").replies("250");
            assertThat(j.action("reverse-mx:mail-from")).isEqualTo("log");
            assertThat(j.evidence("reverse-mx:mail-from")).containsEntry("A " + GOOD_HOST, GOOD_IP);
        }

        @Test
        @DisplayName("compares only the client's address family")
        void onlyTheClientsFamily() {
            CheckJson v4 = check("--ip", GOOD_IP, "--mail-from", "a@" + GOOD_DOMAIN);
            assertThat(v4.evidence("reverse-mx:mail-from").keySet()).noneMatch(k -> k.startsWith("AAAA "));
            CheckJson v6 = check("--ip", GOOD_IP6, "--mail-from", "a@" + GOOD_DOMAIN).has("reverse-mx:mail-from", "pass", "");
            assertThat(v6.evidence("reverse-mx:mail-from")).containsEntry("AAAA " + GOOD_HOST6, GOOD_IP6);
            assertThat(v6.evidence("reverse-mx:mail-from").keySet()).noneMatch(k -> k.startsWith("A "));
        }

        @Test
        void mailFromPassViaImplicitMx() {
            check("--ip", NO_MX_DOMAIN_IP, "--mail-from", "a@" + NO_MX_DOMAIN).has("reverse-mx:mail-from", "pass", "");
        }

        @Test
        void mailFromFailForNullMx() {
            check("--ip", NULL_MX_DOMAIN_IP, "--mail-from", "a@" + NULL_MX_DOMAIN).has("reverse-mx:mail-from", "fail", "null-mx");
        }

        @Test
        void mailFromFailForNoMailHosts() {
            check("--ip", GOOD_IP, "--mail-from", "a@" + NO_HOSTS_DOMAIN).has("reverse-mx:mail-from", "fail", "no-mail-host");
        }

        @ParameterizedTest(name = "a@{0}")
        @ValueSource(strings = {SLOW_DOMAIN, SERVFAIL_DOMAIN, SLOW_MX_HOST_DOMAIN})
        @DisplayName("mail-from temperror when the MX or an MX host's address fails temporarily")
        void mailFromTemperror(String domain) {
            CheckJson j = check("--ip", OUTSOURCED_IP, "--mail-from", "a@" + domain).has("reverse-mx:mail-from", "temperror", "dns-tempfail");
            assertThat(j.action("reverse-mx:mail-from")).isEqualTo("log");
        }

        @Test
        @DisplayName("a definitive match wins over another MX host's temporary failure")
        void matchWinsOverAPartialFailure() {
            check("--ip", GOOD_IP, "--mail-from", "a@" + PARTIAL_FAIL_MX_DOMAIN).has("reverse-mx:mail-from", "pass", "");
            check("--ip", OUTSOURCED_IP, "--mail-from", "a@" + PARTIAL_FAIL_MX_DOMAIN).has("reverse-mx:mail-from", "temperror");
        }

        @Test
        @DisplayName("permerror for 50 MX hosts when the client is not among the first ones asked")
        void permerrorWhenTheBudgetRunsOut() {
            CheckJson j = check("--ip", manyMxIp(MANY_MX_COUNT), "--mail-from", "a@" + MANY_MX_DOMAIN)
                    .has("reverse-mx:mail-from", "permerror", "query-budget");
            assertThat(j.action("reverse-mx:mail-from")).isEqualTo("log");
            assertThat(j.evidence("reverse-mx:mail-from")).containsEntry("A " + manyMxHost(MANY_MX_COUNT), "not asked (query budget)");
        }

        @Test
        @DisplayName("pass for 50 MX hosts when the client is the first one")
        void passWhenTheClientIsAmongTheFirstHosts() {
            check("--ip", manyMxIp(1), "--mail-from", "a@" + MANY_MX_DOMAIN).has("reverse-mx:mail-from", "pass", "");
        }

        @Test
        @DisplayName("from and reply-to come from --from / --reply-to (header address forms)")
        void fromAndReplyTo() {
            CheckJson j = check("--ip", GOOD_IP, "--from", "\"Alice\" <alice@" + GOOD_DOMAIN + ">",
                    "--reply-to", "bob@" + OUTSOURCED_DOMAIN)
                    .has("reverse-mx:from", "pass", "")
                    .has("reverse-mx:reply-to", "fail", "not-mx")
                    .has("reverse-mx:mail-from", "none", "");
            assertThat(j.evidence("reverse-mx:from").get("domain")).startsWith(GOOD_DOMAIN);
            assertThat(j.evidence("reverse-mx:reply-to").get("domain")).startsWith(OUTSOURCED_DOMAIN);
        }

        @Test
        void fromAndReplyToTemperror() {
            check("--ip", GOOD_IP, "--from", "a@" + SERVFAIL_DOMAIN, "--reply-to", "b@" + GARBAGE_DOMAIN)
                    .has("reverse-mx:from", "temperror", "dns-tempfail")
                    .has("reverse-mx:reply-to", "temperror", "dns-tempfail")
                    .notPermanent();
        }

        @Test
        @DisplayName("ptr: pass for the outsourced relay, an MX host of its PTR name's registrable domain")
        void ptrPass() {
            CheckJson j = check("--ip", OUTSOURCED_IP).has("reverse-mx:ptr", "pass", "");
            assertThat(j.evidence("reverse-mx:ptr")).containsEntry("domain", OUTSOURCED_DOMAIN)
                    .containsEntry("ptr-name", OUTSOURCED_HOST);
            assertThat(j.reason("reverse-mx:ptr")).contains(OUTSOURCED_HOST);
        }

        @Test
        void noneWhenTheSourceIsAbsent() {
            check("--ip", NO_PTR_IP)
                    .has("reverse-mx:mail-from", "none", "")
                    .has("reverse-mx:from", "none", "")
                    .has("reverse-mx:reply-to", "none", "")
                    .has("reverse-mx:ptr", "none", "");
        }
    }

    // ======================================================================== temporary failures

    /** Scenarios where some lookup fails temporarily and nothing else is definitively wrong. */
    static Stream<Arguments> faultScenarios() {
        List<Arguments> s = new ArrayList<>();
        for (String ip : List.of(SLOW_PTR_IP, SERVFAIL_PTR_IP, GARBAGE_PTR_IP, CNAME_LOOP_PTR_IP)) {
            s.add(Arguments.of("PTR name in a fault zone " + ip, args("--ip", ip)));
        }
        for (String zone : List.of(SLOW_DOMAIN, SERVFAIL_DOMAIN, GARBAGE_DOMAIN)) {
            s.add(Arguments.of("HELO in " + zone, args("--ip", GOOD_IP, "--helo", "mx." + zone)));
            s.add(Arguments.of("MAIL FROM in " + zone, args("--ip", GOOD_IP, "--mail-from", "a@" + zone)));
            s.add(Arguments.of("From and Reply-To in " + zone,
                    args("--ip", GOOD_IP, "--from", "a@" + zone, "--reply-to", "b@x." + zone)));
        }
        s.add(Arguments.of("MX host in slow.test", args("--ip", OUTSOURCED_IP, "--mail-from", "a@" + SLOW_MX_HOST_DOMAIN)));
        s.add(Arguments.of("second MX host in servfail.test", args("--ip", OUTSOURCED_IP, "--mail-from", "a@" + PARTIAL_FAIL_MX_DOMAIN)));
        s.add(Arguments.of("everything in fault zones at once", args("--ip", SLOW_PTR_IP, "--helo", SERVFAIL_HOST,
                "--mail-from", "a@" + GARBAGE_DOMAIN, "--from", "b@" + SLOW_DOMAIN, "--reply-to", "c@" + SERVFAIL_DOMAIN)));
        s.add(Arguments.of("fault zones with a strict policy", args("--ip", GARBAGE_PTR_IP, "--helo", GARBAGE_HOST,
                "--mail-from", "a@" + SERVFAIL_DOMAIN, "--from", "b@" + GARBAGE_DOMAIN, "--config", "STRICT")));
        s.add(Arguments.of("fault zones with strict scoring", args("--ip", GARBAGE_PTR_IP, "--helo", GARBAGE_HOST,
                "--mail-from", "a@" + SERVFAIL_DOMAIN, "--from", "b@" + GARBAGE_DOMAIN, "--config", "SCORING")));
        s.add(Arguments.of("PTR in a fault zone with strict scoring", args("--ip", SERVFAIL_PTR_IP, "--helo", HELO_GOOD,
                "--config", "SCORING")));
        return s.stream();
    }

    /** Where the "STRICT" placeholder of {@link #faultScenarios()} writes its config file. */
    @TempDir
    static Path configDir;

    @ParameterizedTest(name = "{0}")
    @MethodSource("faultScenarios")
    @DisplayName("a temporary DNS failure never produces a 5xx")
    void temporaryFailureIsNeverPermanent(String scenario, String[] args) {
        String[] a = args.clone();
        for (int i = 0; i < a.length; i++) {
            if (a[i].equals("STRICT")) {
                // every check rejects on fail: temperror must still only ever tempfail
                a[i] = Cli.config(configDir, "strict.toml", """
                        [policy.iprev]
                        fail = "reject"
                        [policy.generic-ptr]
                        fail = "reject"
                        [policy.helo]
                        fail = "reject"
                        [policy.sender-domain]
                        fail = "reject"
                        [policy.reverse-mx]
                        fail = "reject"
                        """).toString();
            } else if (a[i].equals("SCORING")) {
                // every failure alone reaches reject, and so does every temperror's weight: still only 4xx
                a[i] = Cli.config(configDir, "scoring.toml", """
                        [scoring]
                        enabled = true
                        [scoring.weights]
                        iprev.fail = 10
                        generic-ptr.fail = 10
                        helo.fail = 10
                        sender-domain.fail = 10
                        reverse-mx.fail = 10
                        """).toString();
            }
        }
        CheckJson j = check(a).notPermanent();
        assertThat(j.results().values()).as("the scenario must hit a temporary failure%n%s", j).contains("temperror");
        for (String name : j.names()) {
            assertThat(j.action(name)).as(name).isNotEqualTo("reject");
            if (j.result(name).equals("temperror")) {
                assertThat(j.action(name)).as(name).isIn("tempfail", "log");
            }
        }
        if (j.verdictAction().equals("tempfail")) {
            assertThat(j.reply()).startsWith("451 4.4.3");
        }
    }

    // ======================================================================== fault endpoints

    @ParameterizedTest(name = "{0} endpoint")
    @ValueSource(strings = {"garbage", "silent"})
    @DisplayName("asking a broken resolver directly: every DNS check is temperror, verdict 451 4.4.3")
    void brokenResolver(String which, @TempDir Path dir) {
        Path fast = Cli.config(dir, "fast.toml", """
                [dns]
                timeout-ms = 300
                retries = 0
                """);
        String endpoint = which.equals("garbage") ? BED.garbageHostPort() : BED.silentHostPort();
        long start = System.nanoTime();
        CheckJson j = Cli.check(endpoint, "--config", fast.toString(), "--ip", GOOD_IP, "--helo", HELO_GOOD,
                "--mail-from", "a@" + GOOD_DOMAIN, "--from", "b@" + NO_MX_DOMAIN, "--reply-to", "c@" + OUTSOURCED_DOMAIN);
        long ms = (System.nanoTime() - start) / 1_000_000;
        assertThat(j.results()).allSatisfy((name, result) -> assertThat(result).as(name).isEqualTo("temperror"));
        assertThat(j.reply()).startsWith("451 4.4.3");
        assertThat(j.verdictAction()).isEqualTo("tempfail");
        assertThat(ms).as("timeout-ms = 300 with no retries, lookups concurrent").isLessThan(3_000);
    }

    // ======================================================================== config file

    @Nested
    class Config {
        @TempDir
        Path dir;

        String file(String toml) {
            return Cli.config(dir, "mxguard.toml", toml).toString();
        }

        @Test
        @DisplayName("helo fail = reject gives 550 5.7.1; its temperror then tempfails")
        void heloFailRejects() {
            String cfg = file("""
                    [policy.helo]
                    fail = "reject"
                    """);
            CheckJson j = check("--config", cfg, "--ip", GOOD_IP, "--helo", HELO_NX).has("helo", "fail", "nxdomain").replies("550 5.7.1");
            assertThat(j.action("helo")).isEqualTo("reject");
            CheckJson t = check("--config", cfg, "--ip", GOOD_IP, "--helo", "a." + SERVFAIL_DOMAIN).has("helo", "temperror").replies("451 4.4.3");
            assertThat(t.action("helo")).isEqualTo("tempfail");
        }

        @Test
        @DisplayName("a cidr allowlist entry skips iprev for the client")
        void cidrAllowlistSkipsIprev() {
            String cfg = file("""
                    [[allowlist]]
                    cidr = "127.0.1.0/24"
                    checks = ["iprev"]
                    comment = "partner relay"
                    """);
            CheckJson j = check("--config", cfg, "--ip", NO_PTR_IP).has("iprev", "none", "allowlisted").replies("250");
            assertThat(j.reason("iprev")).contains("127.0.1.0/24").contains("partner relay");
            // generic-ptr is not covered by the entry and still runs
            j.has("generic-ptr", "none", "");
            // a client outside the network is not allowlisted
            check("--config", cfg, "--ip", NO_PTR_IP6).has("iprev", "fail", "no-ptr").replies("550 5.7.25");
        }

        @Test
        @DisplayName("a ptr-suffix allowlist entry needs a forward-confirmed name")
        void ptrSuffixNeedsConfirmation() {
            String cfg = file("""
                    [[allowlist]]
                    ptr-suffix = "isp.test"
                    comment = "our own dial-up pool"

                    [[allowlist]]
                    ptr-suffix = "unconfirmed.test"
                    """);
            CheckJson confirmed = check("--config", cfg, "--ip", GENERIC_CONFIRMED_IP).has("generic-ptr", "fail");
            assertThat(confirmed.action("generic-ptr")).isEqualTo("accept");
            assertThat(confirmed.note("generic-ptr")).contains("isp.test");
            CheckJson unconfirmed = check("--config", cfg, "--ip", UNCONFIRMED_IP).has("iprev", "fail", "unconfirmed");
            assertThat(unconfirmed.action("iprev")).isEqualTo("reject");
            unconfirmed.replies("550 5.7.25");
            check("--config", cfg, "--ip", GENERIC_UNCONFIRMED_IP).replies("550 5.7.25");
        }

        @Test
        @DisplayName("a sender-domain allowlist entry skips the checks it names for that domain and its subdomains")
        void senderDomainAllowlist() {
            String cfg = file("""
                    [[allowlist]]
                    sender-domain = "doesnotexist.test"
                    checks = ["sender-domain", "reverse-mx"]
                    """);
            check("--config", cfg, "--ip", GOOD_IP, "--mail-from", "a@" + NX_DOMAIN)
                    .has("sender-domain", "none", "allowlisted").has("reverse-mx:mail-from", "none", "allowlisted").replies("250");
            check("--config", cfg, "--ip", GOOD_IP, "--mail-from", "a@sub." + NX_DOMAIN)
                    .has("sender-domain", "none", "allowlisted");
        }

        @Test
        @DisplayName("identity: a HELO claiming this gateway's name or address fails")
        void identity() {
            String cfg = file("""
                    [identity]
                    hostnames = ["mx.gateway.test"]
                    addresses = ["127.0.0.25"]
                    """);
            check("--config", cfg, "--ip", GOOD_IP, "--helo", "MX.Gateway.test").has("helo", "fail", "our-name");
            check("--config", cfg, "--ip", GOOD_IP, "--helo", "[127.0.0.25]").has("helo", "fail", "our-address");
        }

        @Test
        @DisplayName("reverse-mx family rule applies to all four sources, an exact rule wins")
        void reverseMxFamilyRule() {
            String cfg = file("""
                    [policy.reverse-mx]
                    fail = "tag"
                    [policy."reverse-mx:reply-to"]
                    fail = "log"
                    """);
            CheckJson j = check("--config", cfg, "--ip", OUTSOURCED_IP, "--mail-from", "a@" + GOOD_DOMAIN,
                    "--reply-to", "b@" + GOOD_DOMAIN);
            j.has("reverse-mx:mail-from", "fail").has("reverse-mx:reply-to", "fail");
            assertThat(j.action("reverse-mx:mail-from")).isEqualTo("tag");
            assertThat(j.action("reverse-mx:reply-to")).isEqualTo("log");
            assertThat(j.verdictAction()).isEqualTo("tag");
        }

        @Test
        @DisplayName("scoring mode: the score decides, and the output shows it")
        void scoringMode() {
            String cfg = file("""
                    [scoring]
                    enabled = true
                    tag = 3
                    reject = 8
                    [scoring.weights]
                    helo.pass = -1.0
                    reverse-mx.fail = 1.5
                    """);
            CheckJson rejected = check("--config", cfg, "--ip", NO_PTR_IP).has("iprev", "fail", "no-ptr").replies("550 5.7.25");
            assertThat(rejected.verdictAction()).isEqualTo("reject");
            assertThat(rejected.root().get("verdict").get("score").asDouble()).isGreaterThanOrEqualTo(8.0);
            assertThat(rejected.reply()).contains("(score ").contains("reject at 8.0)");
            assertThat(rejected.check("iprev").get("score").asDouble()).isEqualTo(8.0);
            assertThat(rejected.action("iprev")).isEqualTo("log");

            CheckJson good = check("--config", cfg, "--ip", GOOD_IP, "--helo", HELO_GOOD, "--mail-from", "a@" + GOOD_DOMAIN)
                    .replies("250");
            assertThat(good.root().get("verdict").get("score").asDouble()).isEqualTo(-1.0);
            assertThat(good.verdictAction()).isEqualTo("accept");

            CheckJson tagged = check("--config", cfg, "--ip", OUTSOURCED_IP, "--mail-from", "a@" + GOOD_DOMAIN,
                    "--reply-to", "b@" + GOOD_DOMAIN).has("reverse-mx:mail-from", "fail").has("reverse-mx:reply-to", "fail")
                    .replies("250");
            assertThat(tagged.root().get("verdict").get("score").asDouble()).as("two family weights of 1.5").isEqualTo(3.0);
            assertThat(tagged.verdictAction()).isEqualTo("tag");

            Cli.Run text = Cli.run("check", "--config", cfg, "--ip", NO_PTR_IP, "--dns", BED.resolverHostPort());
            assertThat(text.exit()).isZero();
            assertThat(text.out()).containsPattern("(?m)^iprev +fail +\\+8\\.0 ")
                    .containsPattern("(?m)^score: +\\d+\\.\\d+ \\(tag 3\\.0, reject 8\\.0\\)")
                    .contains("verdict: reject");
        }

        @Test
        @DisplayName("a small query budget gives permerror, never a refusal")
        void smallQueryBudget() {
            String cfg = file("""
                    [dns]
                    query-budget = 3
                    """);
            CheckJson j = check("--config", cfg, "--ip", GOOD_IP, "--helo", HELO_GOOD, "--mail-from", "a@" + GOOD_DOMAIN)
                    .has("sender-domain", "permerror", "query-budget").notPermanent();
            assertThat(j.results().values()).doesNotContain("fail");
        }

        @Test
        @DisplayName("dns.servers is used without --dns; --dns overrides it")
        void serversFromTheFile() {
            String viaFile = file("[dns]\nservers = [\"" + BED.resolverHostPort() + "\"]\n");
            Cli.Run run = Cli.run("check", "--json", "--config", viaFile, "--ip", GOOD_IP);
            assertThat(run.exit()).as(run.err()).isZero();
            assertThat(new CheckJson(List.of(), run.json()).result("iprev")).isEqualTo("pass");

            String silent = file("[dns]\nservers = [\"" + BED.silentHostPort() + "\"]\ntimeout-ms = 300\nretries = 0\n");
            check("--config", silent, "--ip", GOOD_IP).has("iprev", "pass");
        }

        @ParameterizedTest(name = "{1}")
        @CsvSource(delimiter = '|', textBlock = """
                '[dns]\\ntimeout-ms = 300\\n\\n[policy.iprev]\\ntemperror = "reject"\\n' | :5: policy.iprev.temperror:
                '[dns]\\ntimeout-msx = 300\\n'                                        | :2: dns.timeout-msx:
                '# comment\\n[dns]\\nretries = 99\\n'                                   | :3: dns.retries:
                '[policy.iprev]\\nfail = "bounce"\\n'                                 | :2: policy.iprev.fail:
                """)
        @DisplayName("a bad config file: non-zero exit, the error names file:line and the key")
        void badConfig(String toml, String where) {
            Path bad = Cli.config(dir, "bad.toml", toml.replace("\\n", "\n"));
            Cli.Run run = Cli.run("check", "--json", "--dns", BED.resolverHostPort(), "--config", bad.toString(), "--ip", GOOD_IP);
            assertThat(run.exit()).isEqualTo(78);
            assertThat(run.err()).contains(bad + where).doesNotContain("Usage:");
            assertThat(run.out()).as("nothing on stdout").isBlank();
            Cli.Run mx = Cli.run("mx", GOOD_DOMAIN, "--dns", BED.resolverHostPort(), "--config", bad.toString());
            assertThat(mx.exit()).isEqualTo(78);
            assertThat(mx.err()).contains(bad + where);
        }

        @Test
        void missingConfigFile() {
            Path none = dir.resolve("nope.toml");
            Cli.Run run = Cli.run("check", "--config", none.toString(), "--ip", GOOD_IP, "--dns", BED.resolverHostPort());
            assertThat(run.exit()).isNotZero();
            assertThat(run.err()).contains(none.toString()).contains("not found");
        }
    }

    // ======================================================================== the command line itself

    @Test
    void badIpIsAUsageError() {
        Cli.Run run = Cli.run("check", "--ip", "mail.good.test", "--dns", BED.resolverHostPort());
        assertThat(run.exit()).isNotZero();
        assertThat(run.err()).contains("--ip").contains("not an IP address");
    }

    @Test
    @DisplayName("without --json: one line per check, then the verdict and the reply")
    void textOutput() {
        Cli.Run run = Cli.run("check", "--ip", NO_PTR_IP, "--dns", BED.resolverHostPort(), "--mail-from", "a@" + GOOD_DOMAIN);
        assertThat(run.exit()).isZero();
        for (String name : ALL_CHECKS) {
            assertThat(run.out()).containsPattern("(?m)^" + java.util.regex.Pattern.quote(name) + " +\\w+");
        }
        assertThat(run.out()).contains("verdict: reject").contains("reply:   550 5.7.25").containsPattern("dns: +\\d+ distinct lookups");
    }

    @Test
    @DisplayName("IPv4-mapped IPv6 client address is treated as IPv4")
    void ipv4Mapped() {
        CheckJson j = check("--ip", "::ffff:" + GOOD_IP).has("iprev", "pass", "");
        assertThat(j.reason("iprev")).contains(GOOD_IP);
    }

}
