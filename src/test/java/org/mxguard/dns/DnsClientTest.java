package org.mxguard.dns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mxguard.dns.Answers.noData;
import static org.mxguard.dns.Answers.nxDomain;
import static org.mxguard.dns.Answers.recordValues;
import static org.mxguard.dns.Answers.records;
import static org.mxguard.dns.Answers.tempFail;
import static org.mxguard.dns.Answers.values;

import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.mxguard.testkit.Behaviour;
import org.mxguard.testkit.FakeDns;
import org.mxguard.testkit.FakeDnsServer;
import org.xbill.DNS.Rcode;

@Timeout(value = 5, unit = TimeUnit.SECONDS)
class DnsClientTest {
    private static final Duration TIMEOUT = Duration.ofMillis(200);
    private static final int RETRIES = 2;

    @RegisterExtension
    final FakeDns dns = new FakeDns();
    private final FakeDnsServer server = dns.server();
    private final DnsClient client = dns.client(TIMEOUT, RETRIES);

    private DnsAnswer<?> ask(String name, RecordType type) throws Exception {
        return ask(client, name, type);
    }

    static DnsAnswer<?> ask(Resolver resolver, String name, RecordType type) throws Exception {
        return resolver.lookup(DnsQuestion.of(name, type)).get(3, TimeUnit.SECONDS);
    }

    private static InetAddress ip(String literal) {
        return InetAddresses.require(literal);
    }

    // ------------------------------------------------------------------ positive answers

    @Test
    void addressRecordsWithTheSmallestTtl() throws Exception {
        server.a("mail.example.org", 120, "192.0.2.1").a("mail.example.org", 60, "192.0.2.2");

        DnsAnswer<?> answer = ask("Mail.Example.ORG.", RecordType.A);

        assertThat(recordValues(answer)).containsExactlyInAnyOrder(ip("192.0.2.1"), ip("192.0.2.2"));
        assertThat(records(answer).ttlSeconds()).isEqualTo(60);
        assertThat(records(answer).cnames()).isEmpty();
        assertThat(answer.question()).isEqualTo(DnsQuestion.of("mail.example.org", RecordType.A));
        assertThat(answer.isDefinitive()).isTrue();
        assertThat(server.queries("mail.example.org", RecordType.A)).isEqualTo(1);
    }

    @Test
    void aaaaRecords() throws Exception {
        server.aaaa("mail.example.org", 900, "2001:db8::25");

        DnsAnswer<?> answer = ask("mail.example.org", RecordType.AAAA);

        assertThat(recordValues(answer)).containsExactly(ip("2001:db8::25"));
        assertThat(records(answer).ttlSeconds()).isEqualTo(900);
    }

    @Test
    void mxRecords() throws Exception {
        server.mx("example.org", 20, "MX2.example.org.").mx("example.org", 10, "mx1.example.org");

        DnsAnswer<MxRecord> answer = client.mx("example.org").get(2, TimeUnit.SECONDS);

        assertThat(values(answer)).containsExactlyInAnyOrder(
                new MxRecord(20, "mx2.example.org"), new MxRecord(10, "mx1.example.org"));
    }

    @Test
    void nullMxIsParsedAsAnEmptyHost() throws Exception {
        server.nullMx("no-mail.example");

        DnsAnswer<MxRecord> answer = client.mx("no-mail.example").get(2, TimeUnit.SECONDS);

        assertThat(answer.values()).singleElement().satisfies(mx -> {
            assertThat(mx.host()).isEmpty();
            assertThat(mx.preference()).isZero();
            assertThat(mx.isNullMx()).isTrue();
        });
    }

    @Test
    void ptrForIpv4() throws Exception {
        server.ptr("192.0.2.1", "mail.example.org");

        DnsAnswer<String> answer = client.ptr(ip("192.0.2.1")).get(2, TimeUnit.SECONDS);

        assertThat(values(answer)).containsExactly("mail.example.org");
        assertThat(server.queries("1.2.0.192.in-addr.arpa", RecordType.PTR)).isEqualTo(1);
    }

    @Test
    void ptrForIpv6UsesIp6Arpa() throws Exception {
        server.ptr("2001:db8::1", "v6.example.org", "other.example.org");

        DnsAnswer<String> answer = client.ptr(ip("2001:db8::1")).get(2, TimeUnit.SECONDS);

        assertThat(values(answer)).containsExactlyInAnyOrder("v6.example.org", "other.example.org");
        assertThat(answer.question().name())
                .isEqualTo("1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa");
    }

    // ------------------------------------------------------------------ CNAME

    @Test
    void cnameChainIsFollowedAndListed() throws Exception {
        server.cname("www.example.org", 600, "alias.example.net")
                .cname("alias.example.net", 600, "host.example.com")
                .a("host.example.com", 600, "192.0.2.7");

        DnsAnswer<?> answer = ask("www.example.org", RecordType.A);

        assertThat(recordValues(answer)).containsExactly(ip("192.0.2.7"));
        assertThat(records(answer).cnames()).containsExactly("alias.example.net", "host.example.com");
        assertThat(records(answer).ttlSeconds()).isEqualTo(600);
    }

    @Test
    void aShortLivedAliasLimitsTheAnswersTtl() throws Exception {
        server.cname("www.example.org", 30, "host.example.com").a("host.example.com", 3600, "192.0.2.7");

        DnsAnswer<?> answer = ask("www.example.org", RecordType.A);

        assertThat(records(answer).ttlSeconds()).isEqualTo(30);
    }

    @Test
    void cnameToANameWithoutThatTypeIsNoDataWithTheChain() throws Exception {
        server.soa(3600, 300)
                .cname("www.example.org", "host.example.com")
                .aaaa("host.example.com", "2001:db8::7");

        DnsAnswer<?> answer = ask("www.example.org", RecordType.A);

        assertThat(noData(answer).cnames()).containsExactly("host.example.com");
        assertThat(noData(answer).negativeTtlSeconds()).isEqualTo(300);
    }

    @Test
    void cnameToANameThatDoesNotExistIsNxDomain() throws Exception {
        // RFC 6604: the rcode is about the last name of the chain.
        server.cname("www.example.org", "gone.example.com");

        assertThat(ask("www.example.org", RecordType.A)).isInstanceOf(DnsAnswer.NxDomain.class);
    }

    @Test
    void cnameQuestionReturnsTheAliasItself() throws Exception {
        server.cname("www.example.org", "host.example.com").a("host.example.com", "192.0.2.7");

        DnsAnswer<String> answer = client.cname("www.example.org").get(2, TimeUnit.SECONDS);

        assertThat(recordValues(answer)).containsExactly("host.example.com");
        assertThat(records(answer).cnames()).isEmpty();
    }

    // ------------------------------------------------------------------ negative answers

    /** Asks a question the server is told to answer with {@code negative} and an SOA of this TTL and MINIMUM. */
    private DnsAnswer<?> askNegative(Behaviour negative, long soaTtl, long soaMinimum, String name, RecordType type)
            throws Exception {
        server.soa(soaTtl, soaMinimum).behave(name, type, negative);
        return ask(name, type);
    }

    @Test
    void nxDomainWithNegativeTtlFromSoaMinimum() throws Exception {
        server.soa(3600, 300);

        DnsAnswer<?> answer = ask("nowhere.example.org", RecordType.A);

        assertThat(answer).isEqualTo(new DnsAnswer.NxDomain<>(DnsQuestion.of("nowhere.example.org", RecordType.A), 300));
        assertThat(answer.isDefinitive()).isTrue();
    }

    @Test
    void nxDomainWithNegativeTtlFromSoaTtl() throws Exception {
        DnsAnswer<?> answer = askNegative(Behaviour.NXDOMAIN, 60, 300, "mail.example.org", RecordType.MX);

        assertThat(nxDomain(answer).negativeTtlSeconds()).isEqualTo(60);
    }

    @Test
    void noDataWhenTheNameHasOtherTypes() throws Exception {
        server.soa(120, 900).a("mail.example.org", "192.0.2.1");

        DnsAnswer<?> answer = ask("mail.example.org", RecordType.MX);

        assertThat(answer).isEqualTo(
                new DnsAnswer.NoData<>(DnsQuestion.of("mail.example.org", RecordType.MX), 120, List.of()));
    }

    @Test
    void explicitNoData() throws Exception {
        DnsAnswer<?> answer = askNegative(Behaviour.NODATA, 3600, 30, "example.org", RecordType.AAAA);

        assertThat(noData(answer).negativeTtlSeconds()).isEqualTo(30);
    }

    @Test
    void impossibleNamesAreNxDomainWithoutAQuery() throws Exception {
        String longLabel = "a".repeat(64) + ".example.org";
        String longName = ("b".repeat(60) + ".").repeat(5) + "example";
        String emptyLabel = "a..example.org";

        for (String name : List.of(longLabel, longName, emptyLabel)) {
            DnsAnswer<?> answer = ask(name, RecordType.A);
            assertThat(answer).as(name).isInstanceOf(DnsAnswer.NxDomain.class);
            assertThat(answer.isDefinitive()).isTrue();
        }
        assertThat(server.queries()).isZero();
    }

    // ------------------------------------------------------------------ temporary failures

    @ParameterizedTest
    @EnumSource(value = Behaviour.class, names = {"SERVFAIL", "REFUSED"})
    void errorRcodesAreTempFailNamingTheRcode(Behaviour behaviour) throws Exception {
        server.a("mail.example.org", "192.0.2.1").behave("mail.example.org", RecordType.A, behaviour);

        DnsAnswer<?> answer = ask("mail.example.org", RecordType.A);

        assertThat(tempFail(answer)).contains(behaviour.name());
        assertThat(answer.isDefinitive()).isFalse();
        assertThat(values(answer)).isEmpty();
        assertThat(server.queries()).isEqualTo(1);
    }

    @Test
    void anyOtherRcodeIsTempFail() throws Exception {
        server.rcode("example.org", RecordType.MX, Rcode.NOTIMP);

        assertThat(tempFail(ask("example.org", RecordType.MX))).contains("NOTIMP");
    }

    @Test
    void droppedQueriesTimeOutAfterRetries() throws Exception {
        server.behave("slow.example", RecordType.A, Behaviour.DROP);

        long start = System.nanoTime();
        DnsAnswer<?> answer = ask("slow.example", RecordType.A);
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

        assertThat(tempFail(answer)).startsWith("timeout");
        assertThat(server.queries("slow.example", RecordType.A)).isEqualTo(1 + RETRIES);
        // three attempts of 200 ms each: the per-attempt timeout is honoured, not rounded up to dnsjava's 1 s tick
        assertThat(millis).isBetween(3 * TIMEOUT.toMillis() - 50, 3 * TIMEOUT.toMillis() + 900);
    }

    @Test
    void anAnswerSlowerThanTheTimeoutIsATimeout() throws Exception {
        DnsClient impatient = dns.client(TIMEOUT, 0);
        server.a("late.example", "192.0.2.1").delay(Duration.ofMillis(600));

        assertThat(ask(impatient, "late.example", RecordType.A)).isInstanceOf(DnsAnswer.TempFail.class);
        assertThat(server.queries()).isEqualTo(1);
    }

    @Test
    void slowButInTimeAnswersAreAccepted() throws Exception {
        server.a("slow.example", "192.0.2.1").delay(Duration.ofMillis(50));

        long start = System.nanoTime();
        DnsAnswer<?> answer = ask("slow.example", RecordType.A);

        assertThat(values(answer)).containsExactly(ip("192.0.2.1"));
        assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(50));
    }

    @Test
    void garbageIsTempFail() throws Exception {
        server.behave("mail.example.org", RecordType.A, Behaviour.GARBAGE);

        DnsAnswer<?> answer = ask("mail.example.org", RecordType.A);

        assertThat(tempFail(answer)).contains("malformed");
    }

    @ParameterizedTest
    @EnumSource(value = Behaviour.class, names = {"WRONG_ID", "WRONG_QUESTION"})
    void answersThatDoNotMatchTheQueryAreNotAccepted(Behaviour behaviour) throws Exception {
        server.a("mail.example.org", "192.0.2.1").behave("mail.example.org", RecordType.A, behaviour);

        DnsAnswer<?> answer = ask("mail.example.org", RecordType.A);

        assertThat(answer).isInstanceOf(DnsAnswer.TempFail.class);
        assertThat(values(answer)).isEmpty();
    }

    @ParameterizedTest
    @EnumSource(value = Behaviour.class, names = {"SHORT", "WRONG_TYPE", "TRUNCATE_UDP_TCP_CLOSED"})
    void cutShortMistypedOrUnfinishedAnswersAreTempFail(Behaviour behaviour) throws Exception {
        server.a("mail.example.org", "192.0.2.1").behave("mail.example.org", RecordType.A, behaviour);

        DnsAnswer<?> answer = ask("mail.example.org", RecordType.A);

        assertThat(answer).isInstanceOf(DnsAnswer.TempFail.class);
        assertThat(server.queries("mail.example.org", RecordType.A)).isBetween(1, 2 * (1 + RETRIES));
    }

    @Test
    void truncatedUdpAnswerIsRetriedOverTcp() throws Exception {
        server.mx("example.org", 10, "mail.example.org").behave("example.org", RecordType.MX, Behaviour.TRUNCATE_UDP);

        DnsAnswer<?> answer = ask("example.org", RecordType.MX);

        assertThat(values(answer)).containsExactly(new MxRecord(10, "mail.example.org"));
        assertThat(server.queries()).isEqualTo(2);
        assertThat(server.tcpQueries()).isEqualTo(1);
    }

    @Test
    void truncatedEvenOverTcpIsTempFail() throws Exception {
        server.mx("example.org", 10, "mail.example.org").behave("example.org", RecordType.MX, Behaviour.TRUNCATE_ALWAYS);

        DnsAnswer<?> answer = ask("example.org", RecordType.MX);

        assertThat(tempFail(answer)).contains("truncated");
        assertThat(server.tcpQueries()).isEqualTo(1);
    }

    @Test
    void aLargeAnswerComesOverTcp() throws Exception {
        // 100 A records do not fit the 1232-byte EDNS payload: the server truncates, the client uses TCP
        for (int i = 1; i <= 100; i++) {
            server.a("big.example", "198.51.100." + i);
        }

        DnsAnswer<?> answer = ask("big.example", RecordType.A);

        assertThat(values(answer)).hasSize(100);
        assertThat(server.tcpQueries()).isEqualTo(1);
    }

    @Test
    void theNextServerIsAskedWhenOneDrops() throws Exception {
        try (FakeDnsServer second = FakeDnsServer.start()) {
            server.defaultBehaviour(Behaviour.DROP);
            second.a("mail.example.org", "192.0.2.1");
            DnsClient two = new DnsClient(List.of(server.address(), second.address()), TIMEOUT, 1, dns.executor());

            DnsAnswer<?> answer = ask(two, "mail.example.org", RecordType.A);

            assertThat(values(answer)).containsExactly(ip("192.0.2.1"));
            assertThat(server.queries()).isEqualTo(1);
            assertThat(second.queries()).isEqualTo(1);
        }
    }

    @ParameterizedTest
    @EnumSource(value = Behaviour.class, names = {"SERVFAIL", "REFUSED", "WRONG_QUESTION", "TRUNCATE_ALWAYS"})
    void theNextServerIsAskedWhenOneAnswersWithAFailure(Behaviour behaviour) throws Exception {
        try (FakeDnsServer second = FakeDnsServer.start()) {
            server.defaultBehaviour(behaviour);
            second.a("mail.example.org", "192.0.2.1");
            DnsClient two = new DnsClient(List.of(server.address(), second.address()), TIMEOUT, 1, dns.executor());

            DnsAnswer<?> answer = ask(two, "mail.example.org", RecordType.A);

            assertThat(values(answer)).containsExactly(ip("192.0.2.1"));
            assertThat(second.queries()).isEqualTo(1);
        }
    }

    @Test
    void aFailureFromEveryServerIsAskedOncePerAttempt() throws Exception {
        try (FakeDnsServer second = FakeDnsServer.start()) {
            server.defaultBehaviour(Behaviour.SERVFAIL);
            second.defaultBehaviour(Behaviour.SERVFAIL);
            DnsClient two = new DnsClient(List.of(server.address(), second.address()), TIMEOUT, 1, dns.executor());

            assertThat(tempFail(ask(two, "mail.example.org", RecordType.A))).contains("SERVFAIL");
            assertThat(server.queries() + second.queries()).isEqualTo(2);
        }
    }

    @Test
    void noServersIsAConfigurationError() {
        org.assertj.core.api.Assertions.assertThatIllegalArgumentException()
                .isThrownBy(() -> new DnsClient(List.of(), TIMEOUT, 0, dns.executor()));
    }
}
