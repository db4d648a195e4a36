package org.mxguard.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.mxguard.dns.DnsAnswer;
import org.mxguard.dns.DnsQuestion;
import org.mxguard.dns.InetAddresses;
import org.mxguard.dns.RecordType;
import org.mxguard.delivery.DeliveryTestSink;
import org.mxguard.testkit.RedisServer;

/** Two nodes' shared state in a real redis-server: what one records the other reads; Redis down, each keeps going alone. */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class RedisStateIT {
    private static final Duration TIMEOUT = Duration.ofMillis(500);
    private RedisServer redis;
    private RedisState node1;
    private RedisState node2;

    @BeforeEach
    void start() throws Exception {
        redis = RedisServer.onFreePort();
        node1 = RedisState.start(redis.url(), TIMEOUT, new LocalState());
        node2 = RedisState.start(redis.url(), TIMEOUT, new LocalState());
        awaitTrue(() -> node1.up() && node2.up(), "both nodes connected");
    }

    @AfterEach
    void stop() throws Exception {
        node1.close();
        node2.close();
        redis.close();
    }

    private static InetAddress ip(String text) {
        return InetAddresses.require(text);
    }

    @Test
    void whatOneNodeRecordsTheOtherReads() throws Exception {
        InetAddress bot = ip("127.0.9.1");
        InetAddress waiter = ip("127.0.9.2");
        InetAddress busy = ip("127.0.9.3");

        node1.recordTrapHit(bot, Duration.ofHours(1));
        node1.recordGreetingPass(waiter, Duration.ofDays(1));
        awaitTrue(() -> node2.trapped(bot), "node 2 sees node 1's trap hit");

        assertThat(node2.connected(bot, Duration.ZERO)).isEqualTo(new ClientStanding(true, false, 0));
        assertThat(node2.connected(waiter, Duration.ZERO)).isEqualTo(new ClientStanding(false, true, 0));
        long pttl = Long.parseLong(redis.call("PTTL", "mxguard:{127.0.9.1}:trap").substring(1));
        assertThat(pttl).as("the record expires with the trap's expiry").isBetween(1L, 3_600_000L);

        // the rate window is one counter for the cluster
        for (int i = 0; i < 3; i++) {
            node1.connected(busy, Duration.ofMinutes(1));
        }
        long before = node2.commands();
        assertThat(node2.connected(busy, Duration.ofMinutes(1)).connections()).isEqualTo(4);
        assertThat(node2.commands() - before).as("a client's standing is one round trip").isEqualTo(1);
        assertThat(Long.parseLong(redis.call("PTTL", "mxguard:{127.0.9.3}:rate").substring(1))).isBetween(1L, 60_000L);

        PrimaryHealth up = new PrimaryHealth(true, Instant.now().truncatedTo(ChronoUnit.MILLIS), "220 mx1 ESMTP");
        node1.publishPrimaryHealth("127.0.0.25:25", up, Duration.ofMinutes(1));
        awaitTrue(() -> node2.primaryHealth("127.0.0.25:25").isPresent(), "node 2 sees node 1's probe");
        assertThat(node2.primaryHealth("127.0.0.25:25")).contains(up);
        assertThat(node1.fallbacks() + node2.fallbacks()).isZero();
    }

    @Test
    void aClientsReverseDnsAnswersComeWithItsStandingInTheSameRoundTrip() throws Exception {
        InetAddress client = ip("127.0.9.5");
        DnsQuestion ptr = DnsQuestion.of("5.9.0.127.in-addr.arpa", RecordType.PTR);
        List<DnsAnswer<?>> answers = List.of(
                new DnsAnswer.Records<>(ptr, List.of("mail.example.test"), 3600, List.of()),
                new DnsAnswer.Records<>(DnsQuestion.of("mail.example.test", RecordType.A), List.of(client), 300, List.of()),
                new DnsAnswer.NoData<>(DnsQuestion.of("mail.example.test", RecordType.AAAA), 60, List.of()));
        assertThat(node2.connected(client, Duration.ZERO).reverseDns()).isEmpty();

        node1.shareReverseDns(client, answers);
        awaitTrue(() -> !node2.connected(client, Duration.ZERO).reverseDns().isEmpty(), "node 2 reads node 1's answers");

        long before = node2.commands();
        List<DnsAnswer<?>> read = node2.connected(client, Duration.ofMinutes(1)).reverseDns();
        assertThat(node2.commands() - before).isEqualTo(1);
        assertThat(read).extracting(DnsAnswer::question).containsExactly(ptr,
                DnsQuestion.of("mail.example.test", RecordType.A), DnsQuestion.of("mail.example.test", RecordType.AAAA));
        assertThat(List.<Object>copyOf(read.get(1).values())).containsExactly(client);
        assertThat(((DnsAnswer.Records<?>) read.get(1)).ttlSeconds()).isBetween(295L, 300L);
        long pttl = Long.parseLong(redis.call("PTTL", "mxguard:{127.0.9.5}:rdns").substring(1));
        assertThat(pttl).as("kept until the first answer expires").isBetween(1L, 60_000L);
    }

    @Test
    void withRedisDownEachNodeKeepsGoingOnItsOwnStateAndSharesAgainWhenItReturns() throws Exception {
        InetAddress before = ip("127.0.9.10");
        node1.recordTrapHit(before, Duration.ofHours(1));
        awaitTrue(() -> node2.trapped(before), "shared while Redis is up");

        redis.stop();
        InetAddress during = ip("127.0.9.11");
        node1.recordTrapHit(during, Duration.ofHours(1)); // kept in node 1's own state

        // no exception, no 4xx: answers from each node's own state, and it says so
        assertThat(node1.connected(during, Duration.ZERO).trapped()).as("node 1 knows its own hit").isTrue();
        assertThat(node1.connected(before, Duration.ZERO).trapped()).as("written through to node 1's state").isTrue();
        assertThat(node2.connected(during, Duration.ZERO).trapped()).as("node 2 cannot know").isFalse();
        assertThat(node2.connected(before, Duration.ZERO).trapped()).as("node 2 never recorded it itself").isFalse();
        assertThat(node1.up()).isFalse();
        assertThat(node2.up()).isFalse();
        assertThat(node1.fallbacks()).isPositive();

        redis.start(); // empty: a restarted Redis without persistence has forgotten everything, the script too
        awaitTrue(() -> {
            node1.connected(ip("127.0.9.12"), Duration.ZERO);
            node2.connected(ip("127.0.9.12"), Duration.ZERO);
            return node1.up() && node2.up();
        }, "both nodes back on Redis");
        InetAddress after = ip("127.0.9.13");
        node2.recordTrapHit(after, Duration.ofHours(1));
        awaitTrue(() -> node1.connected(after, Duration.ZERO).trapped(), "shared again, through the reloaded script");
    }

    @Test
    void aRedisThatHangsCostsOneTimeoutAndThenNoSessionAsksItUntilItAnswersAgain() throws Exception {
        InetAddress bot = ip("127.0.9.30");
        InetAddress other = ip("127.0.9.31");
        node1.recordTrapHit(bot, Duration.ofHours(1));
        awaitTrue(() -> node2.trapped(bot), "shared while Redis answers");
        assertThat(node1.connected(bot, Duration.ZERO).trapped()).isTrue(); // and Redis has the standing script

        redis.pause();
        try {
            // the first question waits the timeout and is answered from node 1's own state
            assertThat(node1.connected(bot, Duration.ZERO).trapped()).isTrue();
            assertThat(node1.up()).isFalse();
            long sent = node1.commands();
            long fellBack = node1.fallbacks();
            for (int i = 0; i < 20; i++) {
                node1.connected(other, Duration.ofMinutes(1));
            }
            Thread.sleep(RedisState.RETRY_AFTER.multipliedBy(2).toMillis()); // past the time a retry is due
            for (int i = 0; i < 20; i++) {
                node1.connected(other, Duration.ofMinutes(1));
            }
            assertThat(node1.commands()).as("commands sessions sent to a Redis that hangs").isEqualTo(sent);
            assertThat(node1.fallbacks() - fellBack).isEqualTo(40);
            assertThat(node1.up()).isFalse();
        } finally {
            redis.resume();
        }
        awaitTrue(node1::up, "node 1's watcher finds Redis answering again, without a session asking");
        long sent = node1.commands();
        assertThat(node1.connected(ip("127.0.9.32"), Duration.ZERO)).isEqualTo(new ClientStanding(false, false, 0));
        assertThat(node1.commands() - sent).isEqualTo(1);
        node2.recordTrapHit(other, Duration.ofHours(1));
        awaitTrue(() -> node1.connected(other, Duration.ZERO).trapped(), "shared again");
    }

    @Test
    void aRedisThatIsNotThereAtStartIsNoReasonToStop() throws Exception {
        int nobody = DeliveryTestSink.freePortOn("127.0.0.1");
        try (RedisState alone = RedisState.start("redis://127.0.0.1:" + nobody, TIMEOUT, new LocalState())) {
            InetAddress bot = ip("127.0.9.20");
            alone.recordTrapHit(bot, Duration.ofHours(1));
            assertThat(alone.connected(bot, Duration.ofMinutes(1))).isEqualTo(new ClientStanding(true, false, 1));
            assertThat(alone.up()).isFalse();
            assertThat(alone.fallbacks()).isPositive();
        }
    }

    private static void awaitTrue(BooleanSupplier condition, String what) throws InterruptedException {
        long end = System.nanoTime() + Duration.ofSeconds(40).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("never happened: " + what);
            }
            Thread.sleep(50);
        }
    }
}
