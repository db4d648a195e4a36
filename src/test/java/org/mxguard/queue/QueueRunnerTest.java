package org.mxguard.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mxguard.queue.SpoolTest.body;
import static org.mxguard.queue.SpoolTest.names;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(value = 10, unit = TimeUnit.SECONDS)
class QueueRunnerTest {
    private static final QueueRunner.Settings SETTINGS = new QueueRunner.Settings(Duration.ofMillis(20), Duration.ofHours(1));
    private static final RecipientOutcome DELIVERED = new RecipientOutcome.Delivered("250 2.0.0 Ok: queued");
    private static final RecipientOutcome DEFERRED = new RecipientOutcome.Deferred("451 4.7.1 try again later");

    @TempDir
    Path directory;

    private final ManualClock clock = new ManualClock();
    /** 5 minutes doubling to 20, a lifetime of an hour, no jitter: every time is exact. */
    private final Backoff backoff = new Backoff(Duration.ofMinutes(5), Duration.ofMinutes(20), Duration.ofHours(1), 0.1, () -> 0L);
    private final DestinationLimiter limiter = new DestinationLimiter(2, Map.of());
    private final List<Bounce> bounces = Collections.synchronizedList(new ArrayList<>());
    private final FaultyFiles files = new FaultyFiles();
    private Spool spool;

    @BeforeEach
    void openSpool() throws IOException {
        spool = reopen();
    }

    private Spool reopen() throws IOException {
        Spool opened = new Spool(directory, files, new QueueIds(clock, new SplittableRandom(7)), clock, 0);
        opened.recover();
        return opened;
    }

    private QueueRunner runner(Deliverer deliverer) {
        return runner(deliverer, SETTINGS);
    }

    private QueueRunner runner(Deliverer deliverer, QueueRunner.Settings settings) {
        return new QueueRunner(spool, backoff, limiter, clock, deliverer, bounces::add, settings, Runnable::run);
    }

    private Envelope accept(String... recipients) throws IOException {
        Envelope envelope = spool.accept("sender@example.org", List.of(recipients), body(String.join(",", recipients)));
        clock.advance(Duration.ofSeconds(1));
        return envelope;
    }

    private Envelope stored(Envelope envelope) {
        return spool.read(envelope.id()).orElseThrow();
    }

    /** Answers by destination domain (delivered unless told otherwise) and remembers what it was given. */
    private static final class ScriptedDeliverer implements Deliverer {
        final List<Envelope> given = Collections.synchronizedList(new ArrayList<>());
        final List<byte[]> bodies = Collections.synchronizedList(new ArrayList<>());
        final Map<String, Function<Envelope, CompletableFuture<DeliveryOutcome>>> byDomain = new HashMap<>();

        ScriptedDeliverer answer(String domain, RecipientOutcome outcome) {
            byDomain.put(domain, e -> CompletableFuture.completedFuture(DeliveryOutcome.all(e, outcome)));
            return this;
        }

        ScriptedDeliverer answer(String domain, Function<Envelope, CompletableFuture<DeliveryOutcome>> how) {
            byDomain.put(domain, how);
            return this;
        }

        @Override
        public CompletableFuture<DeliveryOutcome> deliver(Envelope envelope, Path body) {
            given.add(envelope);
            try {
                bodies.add(Files.readAllBytes(body));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            String domain = envelope.recipients().getFirst().domain();
            return byDomain.getOrDefault(domain, e -> CompletableFuture.completedFuture(DeliveryOutcome.all(e, DELIVERED)))
                    .apply(envelope);
        }
    }

    @Test
    void aDeliveredMessageLeavesTheQueue() throws IOException {
        ScriptedDeliverer deliverer = new ScriptedDeliverer();
        Envelope message = accept("bob@example.net");

        assertThat(runner(deliverer).runOnce(clock.instant())).isEqualTo(1);

        assertThat(deliverer.given).singleElement().satisfies(given -> assertThat(given.id()).isEqualTo(message.id()));
        assertThat(deliverer.bodies).singleElement().isEqualTo(body("bob@example.net"));
        assertThat(spool.list()).isEmpty();
        assertThat(names(directory)).isEmpty();
    }

    @Test
    void aMessageIsHandedOutOncePerDestinationDomain() throws IOException {
        ScriptedDeliverer deliverer = new ScriptedDeliverer();
        accept("a@x.example", "b@y.example", "c@X.Example");

        assertThat(runner(deliverer).runOnce(clock.instant())).isEqualTo(2);

        assertThat(deliverer.given).extracting(e -> e.recipients().stream().map(Recipient::address).toList())
                .containsExactly(List.of("a@x.example", "c@X.Example"), List.of("b@y.example"));
    }

    @Test
    void aDeferredMessageComesBackOnTheBackoffSchedule() throws IOException {
        int[] calls = {0};
        ScriptedDeliverer deliverer = new ScriptedDeliverer().answer("example.net",
                e -> CompletableFuture.completedFuture(DeliveryOutcome.all(e, ++calls[0] <= 2 ? DEFERRED : DELIVERED)));
        QueueRunner runner = runner(deliverer);
        Envelope message = accept("bob@example.net");
        Instant first = clock.instant();

        runner.runOnce(first);
        Envelope deferred = stored(message);
        assertThat(deferred.attempts()).isEqualTo(1);
        assertThat(deferred.nextAttempt()).isEqualTo(first.plus(Duration.ofMinutes(5)));
        assertThat(deferred.recipients().getFirst()).isEqualTo(new Recipient("bob@example.net", Recipient.Status.PENDING, DEFERRED.reply()));

        assertThat(runner.runOnce(first.plus(Duration.ofMinutes(5)).minusMillis(1))).isZero();
        clock.set(first.plus(Duration.ofMinutes(5)));
        assertThat(runner.runOnce(clock.instant())).isEqualTo(1);
        assertThat(stored(message).attempts()).isEqualTo(2);
        assertThat(stored(message).nextAttempt()).isEqualTo(first.plus(Duration.ofMinutes(15)));

        clock.set(first.plus(Duration.ofMinutes(15)));
        assertThat(runner.runOnce(clock.instant())).isEqualTo(1);
        assertThat(spool.list()).isEmpty();
    }

    @Test
    void aBouncedRecipientGoesToTheBounceSinkAndTheOthersAreDelivered() throws IOException {
        ScriptedDeliverer deliverer = new ScriptedDeliverer().answer("example.net", e -> CompletableFuture.completedFuture(
                new DeliveryOutcome(Map.of("ok@example.net", DELIVERED,
                        "nouser@example.net", new RecipientOutcome.Bounced("550 5.1.1 no such user")))));
        Envelope message = accept("ok@example.net", "nouser@example.net");

        runner(deliverer).runOnce(clock.instant());

        assertThat(bounces).singleElement().satisfies(bounce -> {
            assertThat(bounce.reason()).isEqualTo(Bounce.Reason.REJECTED);
            assertThat(bounce.envelope().id()).isEqualTo(message.id());
            assertThat(bounce.envelope().sender()).isEqualTo("sender@example.org");
            assertThat(bounce.body()).isEqualTo(spool.body(message.id()));
            assertThat(bounce.recipients()).containsExactly(
                    new Recipient("nouser@example.net", Recipient.Status.BOUNCED, "550 5.1.1 no such user"));
        });
        assertThat(spool.list()).isEmpty();
    }

    @Test
    void aBounceTheSinkCannotTakeStaysQueuedAndIsHandedOverLater() throws IOException {
        boolean[] sinkWorks = {false};
        ScriptedDeliverer deliverer = new ScriptedDeliverer().answer("example.net", new RecipientOutcome.Bounced("550 5.1.1 no"));
        QueueRunner runner = new QueueRunner(spool, backoff, limiter, clock, deliverer, bounce -> {
            if (!sinkWorks[0]) {
                throw new IOException("DSN spool unavailable");
            }
            bounces.add(bounce);
        }, SETTINGS, Runnable::run);
        Envelope message = accept("nouser@example.net");

        runner.runOnce(clock.instant());
        assertThat(stored(message).recipients().getFirst()).isEqualTo(
                new Recipient("nouser@example.net", Recipient.Status.PENDING, "550 5.1.1 no"));
        assertThat(stored(message).attempts()).isEqualTo(1);

        sinkWorks[0] = true;
        clock.set(stored(message).nextAttempt());
        runner.runOnce(clock.instant());
        assertThat(bounces).hasSize(1);
        assertThat(spool.list()).isEmpty();
    }

    @Test
    void aMessageStillDeferredWhenItsLifetimeEndsBounces() throws IOException {
        ScriptedDeliverer deliverer = new ScriptedDeliverer().answer("example.net", DEFERRED);
        QueueRunner runner = runner(deliverer);
        Envelope message = accept("bob@example.net");
        List<Duration> attemptedAfter = new ArrayList<>();

        while (spool.read(message.id()).isPresent()) {
            clock.set(stored(message).nextAttempt());
            assertThat(runner.runOnce(clock.instant())).isEqualTo(1);
            attemptedAfter.add(Duration.between(message.arrival(), clock.instant()));
        }

        // 5, 10, 20, 20 minutes apart, then the last attempt exactly at the end of the hour
        assertThat(attemptedAfter).extracting(Duration::toMinutes).containsExactly(0L, 5L, 15L, 35L, 55L, 60L);
        assertThat(bounces).singleElement().satisfies(bounce -> {
            assertThat(bounce.reason()).isEqualTo(Bounce.Reason.EXPIRED);
            assertThat(bounce.recipients()).extracting(Recipient::reply).containsExactly(DEFERRED.reply());
        });
    }

    @Test
    void aDestinationThatNeverAnswersDoesNotStallTheOthers() throws IOException {
        List<CompletableFuture<DeliveryOutcome>> hanging = Collections.synchronizedList(new ArrayList<>());
        ScriptedDeliverer deliverer = new ScriptedDeliverer().answer("dead.example", e -> {
            CompletableFuture<DeliveryOutcome> never = new CompletableFuture<>();
            hanging.add(never);
            return never;
        });
        QueueRunner runner = runner(deliverer);
        Envelope dead1 = accept("a@dead.example");
        Envelope live1 = accept("a@live.example");
        Envelope dead2 = accept("b@dead.example");
        Envelope dead3 = accept("c@dead.example");
        Envelope live2 = accept("b@live.example");
        Envelope mixed = accept("d@dead.example", "c@live.example");
        Envelope live3 = accept("d@live.example");

        assertThat(runner.runOnce(clock.instant())).isEqualTo(2 + 4);

        assertThat(spool.list()).extracting(Envelope::id).containsExactly(dead1.id(), dead2.id(), dead3.id(), mixed.id());
        assertThat(limiter.inUse("dead.example")).isEqualTo(2);
        assertThat(limiter.inUse("live.example")).isZero();
        // the live half of the mixed message is saved as delivered at once, not at the end of its round
        assertThat(reopen().read(mixed.id()).orElseThrow().recipients())
                .extracting(Recipient::status).containsExactly(Recipient.Status.PENDING, Recipient.Status.DELIVERED);

        assertThat(runner.runOnce(clock.instant())).isZero();
        Envelope live4 = accept("e@live.example");
        assertThat(runner.runOnce(clock.instant())).isEqualTo(1);
        assertThat(spool.read(live4.id())).isEmpty();

        // when the dead destination finally answers, its slot goes at once to the oldest waiting message
        hanging.getFirst().complete(DeliveryOutcome.all(dead1, DELIVERED));
        assertThat(spool.read(dead1.id())).isEmpty();
        assertThat(deliverer.given.getLast().id()).isEqualTo(dead3.id());
        assertThat(limiter.inUse("dead.example")).isEqualTo(2);
        assertThat(runner.runOnce(clock.instant())).isZero();
        assertThat(List.of(live1, live2, live3)).allSatisfy(m -> assertThat(spool.read(m.id())).isEmpty());
    }

    @Test
    void anAttemptThatNeverAnswersTimesOutAsDeferredAndFreesItsSlot() throws IOException, InterruptedException {
        ScriptedDeliverer deliverer = new ScriptedDeliverer().answer("dead.example", e -> new CompletableFuture<>());
        QueueRunner runner = runner(deliverer, new QueueRunner.Settings(Duration.ofSeconds(1), Duration.ofMillis(50)));
        Envelope message = accept("a@dead.example");

        assertThat(runner.runOnce(clock.instant())).isEqualTo(1);
        await(() -> runner.activeRounds() == 0);

        assertThat(stored(message).recipients().getFirst().reply()).isEqualTo(QueueRunner.TIMED_OUT);
        assertThat(stored(message).attempts()).isEqualTo(1);
        assertThat(limiter.inUse("dead.example")).isZero();
    }

    @Test
    void aFailingDelivererOrAForgottenRecipientDefersNeverLoses() throws IOException {
        ScriptedDeliverer deliverer = new ScriptedDeliverer()
                .answer("throws.example", e -> {
                    throw new IllegalStateException("bug");
                })
                .answer("fails.example", e -> CompletableFuture.failedFuture(new IOException("connection refused")))
                .answer("forgets.example", e -> CompletableFuture.completedFuture(new DeliveryOutcome(Map.of())));
        Envelope message = accept("a@throws.example", "b@fails.example", "c@forgets.example");

        assertThat(runner(deliverer).runOnce(clock.instant())).isEqualTo(3);

        assertThat(stored(message).recipients()).allMatch(r -> r.status() == Recipient.Status.PENDING)
                .extracting(Recipient::reply).containsExactly(
                        "451 4.4.0 delivery failed: java.lang.IllegalStateException: bug",
                        "451 4.4.0 delivery failed: java.io.IOException: connection refused",
                        DeliveryOutcome.NO_OUTCOME);
        assertThat(stored(message).attempts()).isEqualTo(1);
    }

    @Test
    void aMessageLeftFinishedByAnEarlierRunIsRemovedWithoutDelivery() throws IOException {
        ScriptedDeliverer deliverer = new ScriptedDeliverer();
        Envelope message = accept("bob@example.net");
        spool.update(message.with(message.recipients().getFirst().delivered("250 ok")));

        assertThat(runner(deliverer).runOnce(clock.instant())).isZero();

        assertThat(deliverer.given).isEmpty();
        assertThat(spool.list()).isEmpty();
    }

    @Test
    void aDelivererCompletingWithoutAnOutcomeDefers() throws IOException {
        Envelope message = accept("bob@example.net");

        runner((envelope, body) -> CompletableFuture.completedFuture(null)).runOnce(clock.instant());

        assertThat(stored(message).recipients().getFirst().reply()).contains("without an outcome");
        assertThat(stored(message).attempts()).isEqualTo(1);
    }

    @Test
    void aHeldMessageWaitsUntilReleased() throws IOException {
        ScriptedDeliverer deliverer = new ScriptedDeliverer();
        QueueRunner runner = runner(deliverer);
        Envelope message = accept("bob@example.net");
        spool.update(message.withHeld(true));

        clock.advance(Duration.ofDays(30));
        assertThat(runner.runOnce(clock.instant())).isZero();
        assertThat(bounces).isEmpty();

        spool.update(message);
        assertThat(runner.runOnce(clock.instant())).isEqualTo(1);
    }

    @Test
    void theOldestMessageGetsAFreeSlotFirst() throws IOException {
        ScriptedDeliverer deliverer = new ScriptedDeliverer().answer("example.net", e -> new CompletableFuture<>());
        QueueRunner runner = new QueueRunner(spool, backoff, new DestinationLimiter(1, Map.of()), clock, deliverer,
                bounces::add, SETTINGS, Runnable::run);
        Envelope oldest = accept("a@example.net");
        accept("b@example.net");
        accept("c@example.net");

        assertThat(runner.runOnce(clock.instant())).isEqualTo(1);
        assertThat(deliverer.given).extracting(Envelope::id).containsExactly(oldest.id());
    }

    @Test
    void aFreedSlotGoesToTheOldestMessageWaitingForItWithoutAPass() throws IOException {
        List<CompletableFuture<DeliveryOutcome>> hanging = Collections.synchronizedList(new ArrayList<>());
        ScriptedDeliverer deliverer = new ScriptedDeliverer().answer("example.net", e -> {
            CompletableFuture<DeliveryOutcome> later = new CompletableFuture<>();
            hanging.add(later);
            return later;
        });
        QueueRunner runner = new QueueRunner(spool, backoff, new DestinationLimiter(1, Map.of()), clock, deliverer,
                bounces::add, SETTINGS, Runnable::run);
        Envelope a = accept("a@example.net");
        Envelope b = accept("b@example.net");
        Envelope c = accept("c@example.net");
        assertThat(runner.runOnce(clock.instant())).isEqualTo(1);

        // new mail offered while the destination is full waits behind the older mail
        Envelope d = accept("d@example.net");
        runner.offer(d.id());
        Envelope other = accept("x@example.org");
        runner.offer(other.id()); // another destination with room starts at once
        assertThat(spool.read(other.id())).isEmpty();

        // a, then b and c as each slot frees (given: a, other, b, c, d)
        for (int i = 0; i < 3; i++) {
            hanging.get(i).complete(DeliveryOutcome.all(deliverer.given.get(i == 0 ? 0 : i + 1), DELIVERED));
        }

        assertThat(deliverer.given).extracting(Envelope::id).containsExactly(a.id(), other.id(), b.id(), c.id(), d.id());
        assertThat(spool.list()).extracting(Envelope::id).containsExactly(d.id()); // d still in flight
    }

    @Test
    void anOfferedMessageStartsAtOnceWhenItsDestinationHasRoom() throws IOException {
        ScriptedDeliverer deliverer = new ScriptedDeliverer();
        QueueRunner runner = runner(deliverer);
        Envelope message = accept("bob@example.net");

        runner.offer(message.id());

        assertThat(deliverer.given).extracting(Envelope::id).containsExactly(message.id());
        assertThat(spool.list()).isEmpty();
        runner.offer(message.id()); // gone: nothing happens
        assertThat(deliverer.given).hasSize(1);
    }

    @Test
    void aRestartResumesFromTheEnvelopes() throws IOException {
        Envelope message = accept("bob@example.net");
        runner(new ScriptedDeliverer().answer("example.net", DEFERRED)).runOnce(clock.instant());
        Envelope beforeCrash = stored(message);

        spool = reopen(); // a new process on the same directory
        ScriptedDeliverer deliverer = new ScriptedDeliverer();
        QueueRunner restarted = runner(deliverer);

        assertThat(spool.list()).containsExactly(beforeCrash);
        assertThat(restarted.runOnce(clock.instant())).isZero();
        clock.set(beforeCrash.nextAttempt());
        assertThat(restarted.runOnce(clock.instant())).isEqualTo(1);
        assertThat(deliverer.given.getFirst().attempts()).isEqualTo(1);
        assertThat(spool.list()).isEmpty();
    }

    @Test
    void aStateThatCannotBeSavedIsNotRetriedInALoop() throws IOException {
        ScriptedDeliverer deliverer = new ScriptedDeliverer().answer("example.net", DEFERRED);
        QueueRunner runner = runner(deliverer);
        Envelope message = accept("bob@example.net");
        files.failEvery("write");

        assertThat(runner.runOnce(clock.instant())).isEqualTo(1);
        assertThat(stored(message)).isEqualTo(message); // the deferral could not be written
        assertThat(runner.runOnce(clock.instant())).isZero();

        files.heal();
        clock.advance(backoff.minimum());
        assertThat(runner.runOnce(clock.instant())).isEqualTo(1);
        assertThat(stored(message).attempts()).isEqualTo(1);
    }

    @Test
    void startedItDeliversOnVirtualThreadsUntilStopped() throws Exception {
        List<Boolean> onVirtualThread = Collections.synchronizedList(new ArrayList<>());
        Deliverer deliverer = (envelope, body) -> {
            onVirtualThread.add(Thread.currentThread().isVirtual());
            return CompletableFuture.supplyAsync(() -> DeliveryOutcome.all(envelope, DELIVERED));
        };
        try (QueueRunner runner = new QueueRunner(spool, backoff, limiter, clock, deliverer, bounces::add, SETTINGS)) {
            runner.start();
            accept("bob@example.net");
            runner.wakeUp();
            await(() -> spool.list().isEmpty());
            runner.stop();
            accept("carol@example.net");
            runner.wakeUp();
            Thread.sleep(100);
            assertThat(spool.list()).hasSize(1);
        }
        assertThat(onVirtualThread).containsOnly(true);
    }

    private static void await(BooleanSupplier condition) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("waited 5 s").isLessThan(deadline);
            Thread.onSpinWait();
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }
}
