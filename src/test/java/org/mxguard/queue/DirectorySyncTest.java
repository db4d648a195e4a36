package org.mxguard.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Group commit of directory fsyncs, against a fake {@link SpoolFiles} that only counts and times them. */
@Timeout(30)
class DirectorySyncTest {
    private static final Path DIRECTORY = Path.of("/spool");

    /** One clock for requests, fsync starts and ends and returns, so their order can be compared. */
    private final AtomicLong ticks = new AtomicLong();
    private final ExecutorService threads = Executors.newCachedThreadPool();

    @AfterEach
    void stop() {
        threads.shutdownNow();
    }

    record Fsync(long started, long ended) { }

    /** Counts fsyncs and records when each started and ended; the n-th (from 1) runs {@code behaviour.get(n)} if given. */
    private final class FakeFiles implements SpoolFiles {
        final List<Fsync> fsyncs = new ArrayList<>();
        final AtomicInteger count = new AtomicInteger();
        final BlockingQueue<Integer> started = new LinkedBlockingQueue<>();
        volatile java.util.function.IntPredicate failing = n -> false;
        volatile java.util.function.IntConsumer during = n -> sleepMillis(1);

        @Override
        public void syncDirectory(Path directory) throws IOException {
            assertThat(directory).isEqualTo(DIRECTORY);
            long start = ticks.incrementAndGet();
            int n = count.incrementAndGet();
            started.add(n);
            during.accept(n);
            boolean fail = failing.test(n);
            long end = ticks.incrementAndGet();
            synchronized (fsyncs) {
                fsyncs.add(new Fsync(start, end));
            }
            if (fail) {
                throw new IOException("injected failure of fsync " + n);
            }
        }

        @Override
        public long writeDurably(Path file, Content content) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void moveAtomically(Path source, Path target) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void deleteIfExists(Path file) {
            throw new UnsupportedOperationException();
        }

        @Override
        public long usableSpace(Path directory) {
            throw new UnsupportedOperationException();
        }
    }

    private static void sleepMillis(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void aLoneCallerIsExactlyOneFsync() throws IOException {
        FakeFiles files = new FakeFiles();
        DirectorySync sync = new DirectorySync(files, DIRECTORY);

        sync.sync();
        sync.sync();

        assertThat(files.count).hasValue(2);
    }

    @Test
    void manyConcurrentCallersShareFewFsyncsAndEachReturnsOnlyAfterOneThatStartedAfterItAsked() throws Exception {
        FakeFiles files = new FakeFiles();
        files.during = n -> sleepMillis(5);
        DirectorySync sync = new DirectorySync(files, DIRECTORY);
        int callers = 64;
        int rounds = 5;
        record Call(long asked, long returned) { }
        ConcurrentLinkedQueue<Call> calls = new ConcurrentLinkedQueue<>();
        CountDownLatch go = new CountDownLatch(1);
        List<Future<?>> done = new ArrayList<>();
        for (int c = 0; c < callers; c++) {
            done.add(threads.submit(() -> {
                go.await();
                for (int r = 0; r < rounds; r++) {
                    long asked = ticks.incrementAndGet();
                    sync.sync();
                    calls.add(new Call(asked, ticks.incrementAndGet()));
                }
                return null;
            }));
        }
        go.countDown();
        for (Future<?> f : done) {
            f.get(20, TimeUnit.SECONDS);
        }

        assertThat(calls).hasSize(callers * rounds);
        assertThat(files.count.get()).isLessThanOrEqualTo(callers * rounds / 4);
        List<Fsync> fsyncs = List.copyOf(files.fsyncs);
        // never two at once
        for (int i = 1; i < fsyncs.size(); i++) {
            assertThat(fsyncs.get(i).started()).isGreaterThan(fsyncs.get(i - 1).ended());
        }
        for (Call call : calls) {
            assertThat(fsyncs).as("an fsync within %s", call)
                    .anyMatch(f -> f.started() > call.asked() && f.ended() < call.returned());
        }
    }

    @Test
    void aCallerArrivingDuringAnFsyncWaitsForTheNextOne() throws Exception {
        FakeFiles files = new FakeFiles();
        CountDownLatch releaseFirst = new CountDownLatch(1);
        files.during = n -> {
            if (n == 1) {
                await(releaseFirst);
            }
        };
        DirectorySync sync = new DirectorySync(files, DIRECTORY);

        Future<?> first = threads.submit(() -> {
            sync.sync();
            return null;
        });
        assertThat(files.started.poll(10, TimeUnit.SECONDS)).isEqualTo(1);
        Future<?> late = threads.submit(() -> {
            sync.sync();
            return null;
        });
        awaitWaiting(sync, 1);
        releaseFirst.countDown();
        first.get(10, TimeUnit.SECONDS);
        late.get(10, TimeUnit.SECONDS);

        assertThat(files.count).hasValue(2);
    }

    @Test
    void aFailingFsyncFailsExactlyTheCallersThatDependedOnIt() throws Exception {
        FakeFiles files = new FakeFiles();
        CountDownLatch releaseFirst = new CountDownLatch(1);
        files.during = n -> {
            if (n == 1) {
                await(releaseFirst);
            }
        };
        files.failing = n -> n == 2;
        DirectorySync sync = new DirectorySync(files, DIRECTORY);

        Future<?> before = threads.submit(() -> {
            sync.sync();
            return null;
        });
        assertThat(files.started.poll(10, TimeUnit.SECONDS)).isEqualTo(1);
        int dependents = 5;
        List<Future<?>> second = new ArrayList<>();
        for (int i = 0; i < dependents; i++) {
            second.add(threads.submit(() -> {
                sync.sync();
                return null;
            }));
        }
        awaitWaiting(sync, dependents);
        releaseFirst.countDown();

        before.get(10, TimeUnit.SECONDS); // fsync 1 succeeded: its caller is fine
        for (Future<?> f : second) {
            assertThatThrownBy(() -> f.get(10, TimeUnit.SECONDS))
                    .cause().isInstanceOf(IOException.class)
                    .hasMessageContaining("injected failure of fsync 2");
        }
        assertThat(files.count).hasValue(2);

        sync.sync(); // fsync 3: a new round, unaffected by the failed one
        assertThat(files.count).hasValue(3);
    }

    @Test
    void theLeaderOfAFailedRoundGetsTheOriginalException() {
        FakeFiles files = new FakeFiles();
        files.failing = n -> n == 1;
        DirectorySync sync = new DirectorySync(files, DIRECTORY);

        assertThatThrownBy(sync::sync).isInstanceOf(IOException.class).hasMessage("injected failure of fsync 1");
    }

    @Test
    void anUncheckedFailureStillFinishesTheRound() throws Exception {
        FakeFiles files = new FakeFiles();
        files.during = n -> {
            if (n == 1) {
                throw new IllegalStateException("boom");
            }
        };
        DirectorySync sync = new DirectorySync(files, DIRECTORY);

        assertThatThrownBy(sync::sync).isInstanceOf(IllegalStateException.class);
        sync.sync();
        assertThat(files.count).hasValue(2);
    }

    @Test
    void concurrentAcceptsShareDirectoryFsyncsAndAllSurviveARestart(@TempDir Path spoolDirectory) throws Exception {
        AtomicInteger syncs = new AtomicInteger();
        NioSpoolFiles real = new NioSpoolFiles();
        SpoolFiles counting = new SpoolFiles() {
            @Override
            public long writeDurably(Path file, Content content) throws IOException {
                return real.writeDurably(file, content);
            }

            @Override
            public void moveAtomically(Path source, Path target) throws IOException {
                real.moveAtomically(source, target);
            }

            @Override
            public void syncDirectory(Path directory) throws IOException {
                syncs.incrementAndGet();
                sleepMillis(2); // a slow disk
                real.syncDirectory(directory);
            }

            @Override
            public void deleteIfExists(Path file) throws IOException {
                real.deleteIfExists(file);
            }

            @Override
            public long usableSpace(Path directory) throws IOException {
                return real.usableSpace(directory);
            }
        };
        ManualClock clock = new ManualClock();
        Spool spool = new Spool(spoolDirectory, counting, new QueueIds(clock, new SplittableRandom(7)), clock, 0);
        spool.recover();
        int injectors = 16;
        int each = 10;
        CountDownLatch go = new CountDownLatch(1);
        List<Future<List<Envelope>>> done = new ArrayList<>();
        for (int i = 0; i < injectors; i++) {
            int injector = i;
            done.add(threads.submit(() -> {
                go.await();
                List<Envelope> accepted = new ArrayList<>();
                for (int m = 0; m < each; m++) {
                    accepted.add(spool.accept("a@example.org", List.of("r@example.net"), SpoolTest.body(injector + "/" + m)));
                }
                return accepted;
            }));
        }
        go.countDown();
        List<Envelope> accepted = new ArrayList<>();
        for (Future<List<Envelope>> f : done) {
            accepted.addAll(f.get(20, TimeUnit.SECONDS));
        }

        assertThat(syncs.get()).isLessThan(2 * injectors * each);
        assertThat(new Spool(spoolDirectory, new NioSpoolFiles(), new QueueIds(clock, new SplittableRandom(8)), clock, 0)
                .recover().messages()).containsExactlyInAnyOrderElementsOf(accepted);
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void awaitWaiting(DirectorySync sync, int callers) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (sync.waitingCallers() < callers) {
            assertThat(System.nanoTime()).as("callers waiting for the next fsync").isLessThan(deadline);
            Thread.sleep(1);
        }
    }
}
