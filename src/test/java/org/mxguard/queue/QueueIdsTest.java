package org.mxguard.queue;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class QueueIdsTest {
    private static final Instant START = Instant.parse("2025-03-01T10:00:00Z");

    @Test
    void idsInOneMillisecondStillIncrease() {
        QueueIds ids = new QueueIds(Clock.fixed(START, ZoneOffset.UTC), new SplittableRandom(1));
        QueueId previous = ids.next();
        for (int i = 0; i < 10_000; i++) {
            QueueId next = ids.next();
            assertThat(next).isGreaterThan(previous);
            assertThat(next.toString()).isGreaterThan(previous.toString());
            previous = next;
        }
        assertThat(previous.time()).isEqualTo(START);
    }

    @Test
    void pastAMillionInOneMillisecondTheSequenceCarriesIntoTheNext() {
        QueueIds ids = new QueueIds(Clock.fixed(START, ZoneOffset.UTC), new SplittableRandom(1));
        QueueId last = null;
        for (int i = 0; i <= 1 << QueueId.SEQUENCE_BITS; i++) {
            last = ids.next();
        }
        assertThat(last.time()).isEqualTo(START.plusMillis(1));
    }

    @Test
    void aClockSetBackNeverRepeatsAnId() {
        ManualClock clock = new ManualClock(START);
        QueueIds ids = new QueueIds(clock, new SplittableRandom(1));
        QueueId before = ids.next();
        clock.advance(Duration.ofHours(-1));
        assertThat(ids.next()).isGreaterThan(before);
    }

    @Test
    void advancingPastAnIdFoundOnDiskKeepsNewIdsAboveIt() {
        QueueIds ids = new QueueIds(Clock.fixed(START, ZoneOffset.UTC), new SplittableRandom(1));
        QueueId fromTheFuture = new QueueId(START.plusSeconds(3600).toEpochMilli() << QueueId.SEQUENCE_BITS, (1 << 20) - 1);
        ids.advancePast(fromTheFuture);
        assertThat(ids.next()).isGreaterThan(fromTheFuture);
    }

    @Test
    void twoProcessesOnOneClockDifferByNode() {
        Clock clock = Clock.fixed(START, ZoneOffset.UTC);
        QueueId a = new QueueIds(clock, new SplittableRandom(1)).next();
        QueueId b = new QueueIds(clock, new SplittableRandom(2)).next();
        assertThat(a.stamp()).isEqualTo(b.stamp());
        assertThat(a).isNotEqualTo(b);
    }

    @Test
    void uniqueAndIncreasingUnderConcurrency() throws Exception {
        QueueIds ids = new QueueIds(Clock.systemUTC(), new SplittableRandom(1));
        int threads = 16;
        int each = 20_000;
        List<Callable<List<QueueId>>> tasks = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            tasks.add(() -> {
                List<QueueId> mine = new ArrayList<>(each);
                for (int i = 0; i < each; i++) {
                    mine.add(ids.next());
                }
                return mine;
            });
        }
        var all = new HashSet<QueueId>();
        try (ExecutorService pool = Executors.newFixedThreadPool(threads)) {
            for (Future<List<QueueId>> result : pool.invokeAll(tasks)) {
                List<QueueId> mine = result.get();
                assertThat(mine).isSortedAccordingTo(QueueId::compareTo).doesNotHaveDuplicates();
                all.addAll(mine);
            }
        }
        assertThat(all).hasSize(threads * each);
    }
}
