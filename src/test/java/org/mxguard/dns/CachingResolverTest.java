package org.mxguard.dns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mxguard.dns.Answers.records;
import static org.mxguard.dns.Answers.tempFail;
import static org.mxguard.dns.Answers.values;

import com.github.benmanes.caffeine.cache.Ticker;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.mxguard.testkit.Behaviour;
import org.mxguard.testkit.FakeDns;
import org.mxguard.testkit.FakeDnsServer;

@Timeout(value = 5, unit = TimeUnit.SECONDS)
class CachingResolverTest {
    /** A clock the test moves by hand. */
    private final AtomicLong nanos = new AtomicLong(1_000_000_000L);
    private final Ticker ticker = nanos::get;

    @RegisterExtension
    final FakeDns dns = new FakeDns();
    private final FakeDnsServer server = dns.server();
    private final DnsClient client = dns.client(Duration.ofMillis(200), 1);

    /**
     * A cache whose delegate answers before returning. With a pending future, a caller woken by its
     * completion can ask again before Caffeine's own completion callback has set the entry's
     * lifetime (microseconds later), and get the same answer even when its lifetime is zero:
     * harmless, but it would make the "not kept" tests flaky.
     */
    private final CachingResolver cache =
            new CachingResolver(q -> CompletableFuture.completedFuture(client.lookup(q).join()), 100, ticker);

    private void advance(long seconds) {
        nanos.addAndGet(TimeUnit.SECONDS.toNanos(seconds));
    }

    private DnsAnswer<?> ask(String name, RecordType type) throws Exception {
        return cache.lookup(DnsQuestion.of(name, type)).get(3, TimeUnit.SECONDS);
    }

    @Test
    void clearForgetsEveryAnswer() throws Exception {
        server.a("mail.example.org", 3600, "192.0.2.1");
        ask("mail.example.org", RecordType.A);

        cache.clear();
        server.a("mail.example.org", 3600, "192.0.2.2"); // now two addresses
        DnsAnswer<?> after = ask("mail.example.org", RecordType.A);

        assertThat(values(after)).hasSize(2);
        assertThat(server.queries()).isEqualTo(2);
        assertThat(cache.size()).isEqualTo(1);
    }

    @Test
    void recordsAreKeptForTheirTtl() throws Exception {
        server.a("mail.example.org", 60, "192.0.2.1");

        DnsAnswer<?> first = ask("mail.example.org", RecordType.A);
        advance(59);
        DnsAnswer<?> cached = ask("Mail.Example.org.", RecordType.A);

        assertThat(cached).isSameAs(first);
        assertThat(server.queries()).isEqualTo(1);

        advance(2);
        DnsAnswer<?> fresh = ask("mail.example.org", RecordType.A);

        assertThat(fresh).isNotSameAs(first).isEqualTo(first);
        assertThat(server.queries()).isEqualTo(2);
    }

    @Test
    void aHeldAnswerReportsTheTtlItHasLeft() throws Exception {
        server.a("mail.example.org", 300, "192.0.2.1");
        ask("mail.example.org", RecordType.A);

        advance(100);
        DnsAnswer<?> held = cache.held(DnsQuestion.of("mail.example.org", RecordType.A)).orElseThrow();

        assertThat(records(held).ttlSeconds()).isEqualTo(200);
        assertThat(values(held)).containsExactly(InetAddress.getByName("192.0.2.1"));
        assertThat(cache.held(DnsQuestion.of("other.example.org", RecordType.A))).isEmpty();
        advance(201);
        assertThat(cache.held(DnsQuestion.of("mail.example.org", RecordType.A))).isEmpty();
        assertThat(server.queries()).isEqualTo(1);
    }

    @Test
    void anAdoptedAnswerIsServedForItsTtlWithoutAsking() throws Exception {
        DnsQuestion question = DnsQuestion.of("shared.example.org", RecordType.A);
        DnsAnswer<?> shared = new DnsAnswer.Records<>(question,
                List.of(InetAddress.getByName("192.0.2.7")), 30, List.of());

        assertThat(cache.adopt(shared)).isTrue();

        assertThat(ask("shared.example.org", RecordType.A)).isEqualTo(shared);
        assertThat(server.queries()).isZero();
        advance(31);
        server.a("shared.example.org", 60, "192.0.2.8");
        assertThat(values(ask("shared.example.org", RecordType.A))).containsExactly(InetAddress.getByName("192.0.2.8"));
        assertThat(server.queries()).isEqualTo(1);
    }

    @Test
    void anAdoptedAnswerNeverReplacesOneHeldAndExpiredOrTemporaryOnesAreRefused() throws Exception {
        server.a("mail.example.org", 300, "192.0.2.1");
        DnsAnswer<?> own = ask("mail.example.org", RecordType.A);
        DnsQuestion question = DnsQuestion.of("mail.example.org", RecordType.A);

        assertThat(cache.adopt(new DnsAnswer.Records<>(question,
                List.of(InetAddress.getByName("192.0.2.9")), 300, List.of()))).isFalse();
        assertThat(ask("mail.example.org", RecordType.A)).isSameAs(own);

        DnsQuestion other = DnsQuestion.of("gone.example.org", RecordType.A);
        assertThat(cache.adopt(new DnsAnswer.NxDomain<>(other, 0))).isFalse();
        assertThat(cache.adopt(new DnsAnswer.TempFail<>(other, "SERVFAIL"))).isFalse();
        assertThat(cache.held(other)).isEmpty();
    }

    @Test
    void differentTypesAreDifferentEntries() throws Exception {
        server.a("mail.example.org", "192.0.2.1").aaaa("mail.example.org", "2001:db8::1");

        ask("mail.example.org", RecordType.A);
        ask("mail.example.org", RecordType.AAAA);
        ask("mail.example.org", RecordType.A);

        assertThat(server.queries()).isEqualTo(2);
        assertThat(cache.size()).isEqualTo(2);
    }

    @Test
    void recordTtlsAreCappedAtOneDay() throws Exception {
        server.a("mail.example.org", 7 * 86_400, "192.0.2.1");

        ask("mail.example.org", RecordType.A);
        advance(CachingResolver.MAX_TTL_SECONDS - 1);
        ask("mail.example.org", RecordType.A);
        assertThat(server.queries()).isEqualTo(1);

        advance(2);
        ask("mail.example.org", RecordType.A);
        assertThat(server.queries()).isEqualTo(2);
    }

    @Test
    void zeroTtlAnswersAreNotKept() throws Exception {
        server.a("volatile.example", 0, "192.0.2.1");

        ask("volatile.example", RecordType.A);
        ask("volatile.example", RecordType.A);

        assertThat(server.queries()).isEqualTo(2);
    }

    @Test
    void nxDomainIsKeptForItsNegativeTtl() throws Exception {
        server.soa(3600, 120);

        assertThat(ask("nowhere.example", RecordType.MX)).isInstanceOf(DnsAnswer.NxDomain.class);
        advance(119);
        assertThat(ask("nowhere.example", RecordType.MX)).isInstanceOf(DnsAnswer.NxDomain.class);
        assertThat(server.queries()).isEqualTo(1);

        advance(2);
        ask("nowhere.example", RecordType.MX);
        assertThat(server.queries()).isEqualTo(2);
    }

    @Test
    void noDataIsKeptForItsNegativeTtl() throws Exception {
        server.soa(30, 900).a("example.org", "192.0.2.1");

        assertThat(ask("example.org", RecordType.MX)).isInstanceOf(DnsAnswer.NoData.class);
        advance(29);
        ask("example.org", RecordType.MX);
        assertThat(server.queries()).isEqualTo(1);

        advance(2);
        ask("example.org", RecordType.MX);
        assertThat(server.queries()).isEqualTo(2);
    }

    @Test
    void negativeTtlsAreCapped() throws Exception {
        server.soa(86_400, 86_400);

        ask("nowhere.example", RecordType.A);
        advance(CachingResolver.MAX_NEGATIVE_TTL_SECONDS + 1);
        ask("nowhere.example", RecordType.A);

        assertThat(server.queries()).isEqualTo(2);
    }

    @Test
    void negativeAnswersWithoutSoaAreNotKept() throws Exception {
        // rcode NXDOMAIN without an SOA in the authority section: negative TTL 0 (RFC 2308 §5)
        server.rcode("nosoa.example", RecordType.A, org.xbill.DNS.Rcode.NXDOMAIN);

        assertThat(ask("nosoa.example", RecordType.A)).isInstanceOf(DnsAnswer.NxDomain.class);
        ask("nosoa.example", RecordType.A);

        assertThat(server.queries()).isEqualTo(2);
    }

    @Test
    void tempFailIsNotKept() throws Exception {
        server.a("mail.example.org", "192.0.2.1").behave("mail.example.org", RecordType.A, Behaviour.SERVFAIL);

        tempFail(ask("mail.example.org", RecordType.A));
        tempFail(ask("mail.example.org", RecordType.A));
        assertThat(server.queries()).isEqualTo(2);

        server.reset("mail.example.org", RecordType.A);
        assertThat(values(ask("mail.example.org", RecordType.A))).hasSize(1);
        assertThat(values(ask("mail.example.org", RecordType.A))).hasSize(1);
        assertThat(server.queries()).isEqualTo(3);
    }

    @Test
    void concurrentIdenticalQuestionsShareOneQuery() throws Exception {
        server.a("mail.example.org", "192.0.2.1").delay(Duration.ofMillis(100));
        CachingResolver cache = new CachingResolver(client, 100, ticker);
        int callers = 32;
        CountDownLatch go = new CountDownLatch(1);
        List<CompletableFuture<CompletableFuture<DnsAnswer<?>>>> asks = new ArrayList<>();
        for (int i = 0; i < callers; i++) {
            asks.add(CompletableFuture.supplyAsync(() -> {
                await(go);
                return cache.lookup(DnsQuestion.of("mail.example.org", RecordType.A));
            }, dns.executor()));
        }
        go.countDown();

        List<DnsAnswer<?>> answers = new ArrayList<>();
        for (var a : asks) {
            answers.add(a.get(2, TimeUnit.SECONDS).get(2, TimeUnit.SECONDS));
        }

        assertThat(answers).hasSize(callers).allSatisfy(a -> assertThat(a).isSameAs(answers.getFirst()));
        assertThat(values(answers.getFirst())).hasSize(1);
        assertThat(server.queries()).isEqualTo(1);
    }

    @Test
    void aTempFailInFlightIsSharedButThenForgotten() throws Exception {
        server.behave("down.example", RecordType.A, Behaviour.SERVFAIL).delay(Duration.ofMillis(50));
        CachingResolver cache = new CachingResolver(client, 100, ticker);
        DnsQuestion question = DnsQuestion.of("down.example", RecordType.A);

        CompletableFuture<DnsAnswer<?>> one = cache.lookup(question);
        CompletableFuture<DnsAnswer<?>> two = cache.lookup(question);
        tempFail(one.get(2, TimeUnit.SECONDS));
        tempFail(two.get(2, TimeUnit.SECONDS));
        assertThat(server.queries()).isEqualTo(1);

        // forgotten as soon as the cache has seen the answer (see the note on the cache field)
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
        while (server.queries() < 2 && System.nanoTime() < deadline) {
            cache.lookup(question).get(2, TimeUnit.SECONDS);
        }
        assertThat(server.queries()).isEqualTo(2);
    }

    @Test
    void sizeIsBounded() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        Resolver answering = q -> {
            calls.incrementAndGet();
            return CompletableFuture.completedFuture(new DnsAnswer.NxDomain<>(q, 300));
        };
        CachingResolver small = new CachingResolver(answering, 10, ticker);

        for (int i = 0; i < 100; i++) {
            small.lookup(DnsQuestion.of("host" + i + ".example", RecordType.A)).get(1, TimeUnit.SECONDS);
        }

        assertThat(calls).hasValue(100);
        assertThat(small.size()).isLessThanOrEqualTo(10);
    }

    @Test
    void sizeIsBoundedWithAnswersArrivingLater() throws Exception {
        server.delay(Duration.ofMillis(10));
        CachingResolver small = new CachingResolver(dns.client(Duration.ofMillis(500), 0), 10, ticker);

        List<CompletableFuture<DnsAnswer<?>>> all = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            all.add(small.lookup(DnsQuestion.of("host" + i + ".example", RecordType.A)));
        }
        CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(2, TimeUnit.SECONDS);
        assertThat(server.queries()).isEqualTo(100);

        // Answers completing on many threads at once can leave Caffeine's eviction pending (the bound
        // is exceeded briefly, e.g. 17 of 10); the next access to the cache runs it.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
        while (small.size() > 10 && System.nanoTime() < deadline) {
            small.lookup(DnsQuestion.of("host99.example", RecordType.A)).get(1, TimeUnit.SECONDS);
            Thread.sleep(5);
        }
        assertThat(small.size()).isLessThanOrEqualTo(10);
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
