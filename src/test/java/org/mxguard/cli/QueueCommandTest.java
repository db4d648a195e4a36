package org.mxguard.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mxguard.queue.Backoff;
import org.mxguard.queue.DestinationLimiter;
import org.mxguard.queue.Envelope;
import org.mxguard.queue.NioSpoolFiles;
import org.mxguard.queue.QueueId;
import org.mxguard.queue.QueueRunner;
import org.mxguard.queue.Spool;
import org.mxguard.queue.SpoolLock;
import org.mxguard.queue.SpoolRequests;

class QueueCommandTest {
    private static final Instant LATER = QueueCli.T0.plus(Duration.ofHours(1));
    private static final Instant NOW = QueueCli.T0.plus(Duration.ofMinutes(10));

    @TempDir
    Path directory;

    /** Deferred twice, one recipient delivered, due at {@link #LATER}. */
    private Envelope deferred;
    /** From the null sender, held, due already. */
    private Envelope held;

    @BeforeEach
    void queueTwoMessages() throws IOException {
        Spool spool = QueueCli.spool(directory, QueueCli.T0);
        Envelope first = spool.accept("alice@example.org", List.of("bob@example.net", "carol@example.com"),
                "Subject: first\r\nTo: bob@example.net,\r\n carol@example.com\r\n\r\nbody\r\n".getBytes(UTF_8));
        deferred = first.with(first.recipients().get(0).deferred("451 4.2.0 mailbox busy"))
                .with(first.recipients().get(1).delivered("250 2.0.0 ok"))
                .withSchedule(2, LATER);
        spool.update(deferred);
        held = spool.accept("", List.of("dave@example.org"), "Subject: bounce\r\n\r\n".getBytes(UTF_8)).withHeld(true);
        spool.update(held);
    }

    private QueueCli.Run queue(String... args) {
        String[] all = Stream.concat(Stream.concat(Stream.of("queue"), Stream.of(args)), Stream.of("--spool", directory.toString()))
                .toArray(String[]::new);
        QueueCli.Run run = QueueCli.run(NOW, "", null, all);
        assertThat(run.exit()).as("mxguard %s%nstderr: %s", List.of(all), run.err()).isIn(0, 1);
        return run;
    }

    /** What the server would find on disk now. */
    private Envelope onDisk(Envelope envelope) {
        return QueueCli.spool(directory, NOW).read(envelope.id()).orElseThrow();
    }

    @Test
    void listsOneLinePerMessageOldestFirst() {
        QueueCli.Run run = queue("list");

        assertThat(run.exit()).isZero();
        assertThat(run.err()).isEmpty();
        assertThat(run.out().lines().toList()).containsExactly(
                "ID                 ARRIVAL               SENDER             ATTEMPTS  NEXT ATTEMPT          HELD  RECIPIENTS",
                deferred.id() + "  2025-01-01T10:00:00Z  alice@example.org         2  2025-01-01T11:00:00Z  no    "
                        + "bob@example.net pending, carol@example.com delivered",
                held.id() + "  2025-01-01T10:00:00Z  <>                        0  2025-01-01T10:00:00Z  yes   dave@example.org pending");
    }

    @Test
    void listsAsJson() {
        JsonNode list = queue("list", "--json").json();

        assertThat(list).hasSize(2);
        JsonNode first = list.get(0);
        assertThat(first.get("id").asText()).isEqualTo(deferred.id().toString());
        assertThat(first.get("arrival").asText()).isEqualTo("2025-01-01T10:00:00Z");
        assertThat(first.get("sender").asText()).isEqualTo("alice@example.org");
        assertThat(first.get("attempts").asInt()).isEqualTo(2);
        assertThat(first.get("next-attempt").asText()).isEqualTo("2025-01-01T11:00:00Z");
        assertThat(first.get("held").asBoolean()).isFalse();
        assertThat(first.get("recipients").get(0).get("address").asText()).isEqualTo("bob@example.net");
        assertThat(first.get("recipients").get(0).get("status").asText()).isEqualTo("pending");
        assertThat(first.get("recipients").get(0).get("reply").asText()).isEqualTo("451 4.2.0 mailbox busy");
        assertThat(first.get("recipients").get(1).get("status").asText()).isEqualTo("delivered");
        assertThat(list.get(1).get("sender").asText()).isEmpty();
        assertThat(list.get(1).get("held").asBoolean()).isTrue();
    }

    @Test
    void anEmptyQueueAndNoQueue() throws IOException {
        queue("delete", deferred.id().toString());
        queue("delete", held.id().toString());
        assertThat(queue("list").out()).isEqualTo("queue is empty\n");
        assertThat(queue("list", "--json").json()).isEmpty();

        QueueCli.Run missing = QueueCli.run(NOW, "", null, "queue", "list", "--spool", directory.resolve("nowhere").toString());
        assertThat(missing.exit()).isEqualTo(1);
        assertThat(missing.err()).contains("no spool at").contains("nowhere");
        assertThat(directory.resolve("nowhere")).doesNotExist();
    }

    @Test
    void showsTheEnvelopeAndTheHeader() {
        QueueCli.Run run = queue("show", deferred.id().toString());

        assertThat(run.exit()).isZero();
        assertThat(run.out()).isEqualTo("""
                id:           %s
                arrival:      2025-01-01T10:00:00Z
                sender:       alice@example.org
                attempts:     2
                next attempt: 2025-01-01T11:00:00Z
                held:         no
                size:         66 bytes
                recipients:
                  bob@example.net    pending    451 4.2.0 mailbox busy
                  carol@example.com  delivered  250 2.0.0 ok

                Subject: first
                To: bob@example.net,
                 carol@example.com
                """.formatted(deferred.id()));
    }

    @Test
    void showsAsJson() {
        JsonNode shown = queue("show", held.id().toString(), "--json").json();

        assertThat(shown.get("id").asText()).isEqualTo(held.id().toString());
        assertThat(shown.get("sender").asText()).isEmpty();
        assertThat(shown.get("held").asBoolean()).isTrue();
        assertThat(shown.get("size").asLong()).isEqualTo(19);
        assertThat(shown.get("headers")).hasSize(1);
        assertThat(shown.get("headers").get(0).get("name").asText()).isEqualTo("Subject");
        assertThat(shown.get("headers").get(0).get("value").asText()).isEqualTo("bounce");

        JsonNode folded = queue("show", deferred.id().toString(), "--json").json();
        assertThat(folded.get("headers").get(1).get("value").asText()).isEqualTo("bob@example.net, carol@example.com");
    }

    @Test
    void holdsAndReleases() {
        String id = deferred.id().toString();
        assertThat(queue("hold", id).out()).isEqualTo(id + " held\n");
        assertThat(onDisk(deferred).held()).isTrue();
        assertThat(queue("hold", id).out()).isEqualTo(id + " was already held\n");

        JsonNode released = queue("release", id, "--json").json();
        assertThat(released.get("held").asBoolean()).isFalse();
        assertThat(onDisk(deferred)).isEqualTo(deferred);
        assertThat(queue("release", id).out()).isEqualTo(id + " was not held\n");
    }

    @Test
    void flushesOneMessageOrAll() {
        String id = deferred.id().toString();
        assertThat(queue("flush", id).out()).isEqualTo(id + " due now\n");
        assertThat(onDisk(deferred)).isEqualTo(deferred.withSchedule(2, NOW));
        assertThat(queue("flush", id).out()).isEqualTo(id + " is already due\n");
        assertThat(queue("flush").out()).isEqualTo("every message is already due\n");
    }

    @Test
    void flushesAllAsJsonAndSaysWhatStaysHeld() throws IOException {
        Spool spool = QueueCli.spool(directory, QueueCli.T0);
        spool.update(held.withSchedule(1, LATER));

        JsonNode flushed = queue("flush", "--json").json();
        assertThat(flushed).hasSize(2);
        assertThat(flushed.get(0).get("next-attempt").asText()).isEqualTo(NOW.toString());
        assertThat(onDisk(held).nextAttempt()).isEqualTo(NOW);
        assertThat(onDisk(held).held()).isTrue();

        spool.update(held.withSchedule(1, LATER));
        assertThat(queue("flush", held.id().toString()).out())
                .isEqualTo(held.id() + " due now (held: not delivered until released)\n");
    }

    @Test
    void deletesAMessageWithPendingRecipients() {
        String id = deferred.id().toString();
        QueueCli.Run run = queue("delete", id);

        assertThat(run.out()).isEqualTo(id + " deleted: 1 recipient not delivered, no bounce sent\n");
        assertThat(Spool.messageDirectory(directory, QueueId.parse(id)).resolve(id + ".env")).doesNotExist();
        assertThat(Spool.messageDirectory(directory, QueueId.parse(id)).resolve(id + ".eml")).doesNotExist();
        assertThat(QueueCli.spool(directory, NOW).list()).extracting(Envelope::id).containsExactly(held.id());

        JsonNode deleted = queue("delete", held.id().toString(), "--json").json();
        assertThat(deleted.get("recipients").get(0).get("status").asText()).isEqualTo("pending");
    }

    @Test
    void anUnknownIdExits1() {
        String absent = new QueueId(deferred.id().stamp() + 99, 1).toString();
        for (String command : List.of("show", "hold", "release", "flush", "delete")) {
            QueueCli.Run run = queue(command, absent);
            assertThat(run.exit()).as(command).isEqualTo(1);
            assertThat(run.err()).as(command).contains("no message " + absent + " in the queue");
            assertThat(run.out()).as(command).isEmpty();
        }
        QueueCli.Run malformed = queue("show", "nonsense");
        assertThat(malformed.exit()).isEqualTo(1);
        assertThat(malformed.err()).contains("nonsense is not a queue id");
    }

    @Test
    void readingTheQueueLeavesEveryOtherFileInPlace() throws IOException {
        // a running server's accept between its two renames, an update in progress, an unreadable envelope
        QueueId inFlight = QueueId.parse("0123456789abcdefg");
        QueueId broken = QueueId.parse("0123456789abcdefh");
        Path body = Files.writeString(Spool.messageDirectory(directory, inFlight).resolve(inFlight + ".eml"),
                "Subject: in flight\r\n\r\n");
        Path temporary = Files.writeString(Spool.messageDirectory(directory, deferred.id()).resolve(deferred.id() + ".env.tmp"), "{");
        Path unreadable = Files.writeString(Spool.messageDirectory(directory, broken).resolve(broken + ".env"), "not json");
        Path itsBody = Files.writeString(Spool.messageDirectory(directory, broken).resolve(broken + ".eml"), "Subject: x\r\n\r\n");

        QueueCli.Run run = queue("list", "--json");

        assertThat(run.json()).hasSize(2);
        assertThat(run.err()).contains("0123456789abcdefh.env was not moved");
        assertThat(body).exists();
        assertThat(temporary).exists();
        assertThat(unreadable).exists();
        assertThat(itsBody).exists();
    }

    @Test
    void editingTheSpoolItselfLeavesNoRequest() throws IOException {
        assertThat(queue("hold", deferred.id().toString()).out()).endsWith(" held\n");

        try (Stream<Path> left = Files.list(directory.resolve(SpoolRequests.DIRECTORY))) {
            assertThat(left.map(p -> p.getFileName().toString())).containsExactly(".lock");
        }
    }

    @Test
    void withAServerRunningTheChangesAreRequestedAndTheServerMakesThem() throws IOException {
        String id = deferred.id().toString();
        try (SpoolLock server = SpoolLock.forServer(directory).orElseThrow()) {
            Spool itsSpool = QueueCli.spool(directory, NOW);
            QueueRunner runner = new QueueRunner(itsSpool, new Backoff(Duration.ofMinutes(5), Duration.ofHours(1),
                    Duration.ofDays(5), 0, () -> 0L), new DestinationLimiter(), Clock.fixed(NOW, ZoneOffset.UTC),
                    (envelope, body) -> new CompletableFuture<>(), bounce -> { }, QueueRunner.Settings.DEFAULT, Runnable::run);

            QueueCli.Run hold = queue("hold", id);
            QueueCli.Run flush = queue("flush");
            QueueCli.Run delete = queue("delete", held.id().toString(), "--json");

            assertThat(hold.out()).isEqualTo("hold of " + id + " requested; the running server applies it within 2 s"
                    + " (--wait waits for that)\n");
            assertThat(flush.out()).startsWith("flush of every message requested;");
            assertThat(delete.json().get("requested").asText()).isEqualTo("delete");
            assertThat(onDisk(deferred)).as("not changed behind the server's back").isEqualTo(deferred);
            assertThat(queue("hold", "0123456789abcdefg").exit()).as("still checked first").isEqualTo(1);

            assertThat(new SpoolRequests(directory, new NioSpoolFiles(), Clock.systemUTC()).applyTo(runner)).isEqualTo(3);

            assertThat(itsSpool.list()).containsExactly(deferred.withHeld(true).withSchedule(2, NOW));
        }
        assertThat(QueueCli.spool(directory, NOW).list()).containsExactly(deferred.withHeld(true).withSchedule(2, NOW));
    }
}
