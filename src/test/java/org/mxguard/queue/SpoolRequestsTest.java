package org.mxguard.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mxguard.queue.SpoolTest.body;
import static org.mxguard.queue.SpoolTest.names;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The queue commands' requests as the server applies them through its runner. */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class SpoolRequestsTest {
    private static final RecipientOutcome DEFERRED = new RecipientOutcome.Deferred("451 4.7.1 try again later");

    @TempDir
    Path directory;

    private final ManualClock clock = new ManualClock();
    private final Backoff backoff = new Backoff(Duration.ofMinutes(5), Duration.ofMinutes(20), Duration.ofHours(1), 0.1, () -> 0L);
    /** Deliveries handed out and not yet answered; the test answers them. */
    private final List<CompletableFuture<DeliveryOutcome>> attempts = Collections.synchronizedList(new ArrayList<>());
    private final List<Envelope> given = Collections.synchronizedList(new ArrayList<>());
    private Spool spool;
    private QueueRunner runner;
    private SpoolRequests requests;

    @BeforeEach
    void open() throws IOException {
        spool = new Spool(directory, new NioSpoolFiles(), new QueueIds(clock, new SplittableRandom(7)), clock, 0);
        spool.recover();
        runner = new QueueRunner(spool, backoff, new DestinationLimiter(2, Map.of()), clock, (envelope, body) -> {
            given.add(envelope);
            CompletableFuture<DeliveryOutcome> attempt = new CompletableFuture<>();
            attempts.add(attempt);
            return attempt;
        }, bounce -> { }, QueueRunner.Settings.DEFAULT, Runnable::run);
        requests = new SpoolRequests(directory, new NioSpoolFiles(), clock);
    }

    private Envelope accept() throws IOException {
        Envelope envelope = spool.accept("alice@example.org", List.of("bob@example.net"), body("hi"));
        clock.advance(Duration.ofSeconds(1));
        return envelope;
    }

    /** What a server started now would find. */
    private Spool onDisk() throws IOException {
        Spool reopened = new Spool(directory, new NioSpoolFiles(), new QueueIds(clock, new SplittableRandom(8)), clock, 0);
        reopened.recover();
        return reopened;
    }

    private List<String> waiting() throws IOException {
        return names(directory.resolve(SpoolRequests.DIRECTORY));
    }

    private void deferAll() {
        for (CompletableFuture<DeliveryOutcome> attempt : List.copyOf(attempts)) {
            attempt.complete(DeliveryOutcome.all(given.get(attempts.indexOf(attempt)), DEFERRED));
        }
        attempts.clear();
        given.clear();
    }

    @Test
    void aHeldMessageStaysHeldThroughTheRunnersNextSaves() throws IOException {
        Envelope message = accept();
        Path request = requests.submit(new QueueRequest(QueueRequest.Action.HOLD, message.id()));
        assertThat(request.getFileName().toString()).startsWith("hold." + message.id() + ".");

        assertThat(requests.applyTo(runner)).isEqualTo(1);

        assertThat(waiting()).isEmpty();
        assertThat(runner.runOnce(clock.instant())).as("held: not delivered").isZero();
        assertThat(onDisk().read(message.id()).orElseThrow().held()).isTrue();

        requests.submit(new QueueRequest(QueueRequest.Action.RELEASE, message.id()));
        requests.applyTo(runner);
        assertThat(runner.runOnce(clock.instant())).isEqualTo(1);
        deferAll(); // the round's own save keeps the release
        assertThat(onDisk().read(message.id()).orElseThrow()).satisfies(e -> {
            assertThat(e.held()).isFalse();
            assertThat(e.attempts()).isEqualTo(1);
        });
    }

    @Test
    void aFlushOfEveryMessageMakesThemDueAndKeepsTheirAttempts() throws IOException {
        Envelope message = accept();
        runner.runOnce(clock.instant());
        deferAll();
        assertThat(runner.runOnce(clock.instant())).as("backing off").isZero();

        requests.submit(QueueRequest.flushAll());
        requests.applyTo(runner);

        assertThat(onDisk().read(message.id()).orElseThrow().nextAttempt()).isEqualTo(clock.instant());
        assertThat(runner.runOnce(clock.instant())).isEqualTo(1);
    }

    @Test
    void aDeleteOfAMessageInFlightWaitsForTheEndOfItsRound() throws IOException {
        Envelope message = accept();
        assertThat(runner.runOnce(clock.instant())).isEqualTo(1);
        requests.submit(new QueueRequest(QueueRequest.Action.DELETE, message.id()));
        requests.submit(new QueueRequest(QueueRequest.Action.HOLD, message.id()));

        assertThat(requests.applyTo(runner)).as("in flight").isZero();
        assertThat(waiting()).hasSize(2);
        assertThat(spool.read(message.id())).isPresent();

        deferAll(); // the round ends and saves the message
        assertThat(requests.applyTo(runner)).isEqualTo(2); // the delete, then the hold of a message gone

        assertThat(waiting()).isEmpty();
        assertThat(names(directory)).isEmpty();
        assertThat(onDisk().list()).isEmpty();
        clock.advance(Duration.ofHours(1));
        assertThat(runner.runOnce(clock.instant())).isZero();
    }

    @Test
    void aRequestForAMessageNoLongerQueuedIsDropped() throws IOException {
        Envelope message = accept();
        spool.delete(message.id());
        requests.submit(new QueueRequest(QueueRequest.Action.HOLD, message.id()));

        assertThat(runner.apply(new QueueRequest(QueueRequest.Action.HOLD, message.id()))).isEqualTo(QueueRunner.Applied.NOT_QUEUED);
        assertThat(requests.applyTo(runner)).isEqualTo(1);
        assertThat(waiting()).isEmpty();
    }
}
