package org.mxguard.queue;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SpoolTest {
    @TempDir
    Path directory;

    private final ManualClock clock = new ManualClock();
    private final FaultyFiles files = new FaultyFiles();

    private Spool open() throws IOException {
        Spool spool = new Spool(directory, files, new QueueIds(clock, new SplittableRandom(7)), clock, 0);
        spool.recover();
        return spool;
    }

    static byte[] body(String text) {
        return ("Subject: " + text + "\r\n\r\n" + text + "\r\n").getBytes(UTF_8);
    }

    /** The files of the spool in {@code directory}: its own and its message directories' (not corrupt/ or requests/). */
    static List<String> names(Path directory) throws IOException {
        try (Stream<Path> walk = Files.walk(directory, 2)) {
            return walk.filter(Files::isRegularFile)
                    .filter(p -> p.getParent().equals(directory) || p.getParent().getFileName().toString().length() == 1)
                    .map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void aDraftIsInvisibleUntilCommittedAndLeavesNothingWhenAbandoned() throws IOException {
        Spool spool = open();
        QueueId abandoned;
        try (Spool.Draft draft = spool.draft("a@example.org", List.of("b@example.net"))) {
            abandoned = draft.id();
            assertThat(draft.writeBody(out -> {
                out.write(body("judged, then refused"));
                return body("judged, then refused").length;
            })).isEqualTo(body("judged, then refused").length);
            assertThat(spool.list()).isEmpty();
            assertThat(names(directory)).containsExactly(abandoned + ".eml.tmp");
        }
        assertThat(names(directory)).isEmpty();

        Envelope committed;
        try (Spool.Draft draft = spool.draft("a@example.org", List.of("b@example.net"))) {
            draft.writeBody(out -> {
                out.write(body("accepted"));
                return body("accepted").length;
            });
            committed = draft.commit();
        }
        assertThat(spool.list()).containsExactly(committed);
        assertThat(Files.readAllBytes(spool.body(committed.id()))).isEqualTo(body("accepted"));
        Recovery recovery = open().recover();
        assertThat(recovery.messages()).containsExactly(committed);
        assertThat(recovery.discarded()).isEmpty();
    }

    @Test
    void aDraftWhoseBodySourceFailsIsNotQueuedAndLeavesNothing() throws IOException {
        Spool spool = open();
        try (Spool.Draft draft = spool.draft("a@example.org", List.of("b@example.net"))) {
            assertThatThrownBy(() -> draft.writeBody(out -> {
                out.write(body("half"));
                throw new IOException("client went away");
            })).isInstanceOf(NotQueuedException.class).hasMessageContaining("client went away");
            assertThatThrownBy(draft::commit).isInstanceOf(IllegalStateException.class);
        }
        assertThat(names(directory)).isEmpty();
        assertThat(spool.list()).isEmpty();
    }

    @Test
    void acceptStoresBodyAndEnvelopeUnderTheNewId() throws IOException {
        Spool spool = open();
        Envelope queued = spool.accept("alice@example.org", List.of("bob@example.net", "carol@example.com"), body("hello"));

        QueueId id = queued.id();
        assertThat(names(directory)).containsExactlyInAnyOrder(id + ".env", id + ".eml");
        assertThat(Files.readAllBytes(spool.body(id))).isEqualTo(body("hello"));
        assertThat(EnvelopeCodec.decode(Files.readAllBytes(Spool.messageDirectory(directory, id).resolve(id + ".env")))).isEqualTo(queued);
        assertThat(queued.arrival()).isEqualTo(clock.instant());
        assertThat(queued.nextAttempt()).isEqualTo(clock.instant());
        assertThat(queued.attempts()).isZero();
        assertThat(queued.recipients()).extracting(Recipient::status).containsOnly(Recipient.Status.PENDING);
        assertThat(spool.read(id)).contains(queued);
        assertThat(spool.list()).containsExactly(queued);
    }

    @Test
    void onlyTheOwnerMayReadTheSpool() throws IOException {
        Path fresh = directory.resolve("spool");
        Spool spool = new Spool(fresh, files, new QueueIds(clock, new SplittableRandom(7)), clock, 0);
        spool.recover();
        QueueId id = spool.accept("a@example.org", List.of("b@example.net"), body("private")).id();

        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(fresh))).isEqualTo("rwx------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(spool.body(id)))).isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(Spool.messageDirectory(fresh, id).resolve(id + ".env")))).isEqualTo("rw-------");
    }

    @Test
    void writesInTheOrderThatMakesTheEnvelopeTheCommit() throws IOException {
        Spool spool = open();
        int before = files.operations().size();
        QueueId id = spool.accept("a@example.org", List.of("b@example.net"), body("x")).id();

        assertThat(files.operations().subList(before, files.operations().size())).containsExactly(
                "space",
                "write " + id + ".eml.tmp",
                "write " + id + ".env.tmp",
                "move " + id + ".eml.tmp " + id + ".eml",
                "move " + id + ".env.tmp " + id + ".env",
                "sync " + Spool.messageDirectory(directory, id).getFileName());
    }

    @Test
    void keepsTheNullReversePathAndCountsARepeatedRecipientOnce() throws IOException {
        Spool spool = open();
        Envelope bounceMessage = spool.accept("", List.of("x@example.org", "x@example.org", "y@example.org"), body("dsn"));

        assertThat(bounceMessage.isNullSender()).isTrue();
        assertThat(bounceMessage.recipients()).extracting(Recipient::address).containsExactly("x@example.org", "y@example.org");
        assertThat(new Spool(directory, files, new QueueIds(clock, new SplittableRandom(8)), clock, 0).recover().messages())
                .containsExactly(bounceMessage);
    }

    @Test
    void updateReplacesTheEnvelopeAndRemoveDeletesAFinishedMessage() throws IOException {
        Spool spool = open();
        Envelope queued = spool.accept("a@example.org", List.of("b@example.net"), body("x"));
        Recipient bob = queued.recipients().getFirst();

        Envelope deferred = queued.with(bob.deferred("451 4.7.1 try later")).withSchedule(1, clock.instant().plusSeconds(300));
        spool.update(deferred);
        assertThat(spool.read(queued.id())).contains(deferred);
        assertThat(EnvelopeCodec.decode(Files.readAllBytes(Spool.messageDirectory(directory, queued.id()).resolve(queued.id() + ".env")))).isEqualTo(deferred);
        assertThat(names(directory)).hasSize(2);

        assertThatThrownBy(() -> spool.remove(deferred)).isInstanceOf(IllegalArgumentException.class);
        spool.remove(deferred.with(bob.delivered("250 ok")));
        assertThat(names(directory)).isEmpty();
        assertThat(spool.list()).isEmpty();
    }

    @Test
    void aNewSpoolOnTheSameDirectoryRecoversEveryMessageAsItWas() throws IOException {
        Spool first = open();
        Envelope a = first.accept("a@example.org", List.of("x@example.net"), body("a"));
        clock.advance(Duration.ofSeconds(1));
        Envelope b = first.accept("b@example.org", List.of("y@example.net", "z@example.com"), body("b"));
        Envelope bHeld = b.withHeld(true).with(b.recipients().get(1).delivered("250 ok"));
        first.update(bHeld);

        Recovery recovery = new Spool(directory, new NioSpoolFiles(), new QueueIds(clock, new SplittableRandom(9)), clock, 0).recover();

        assertThat(recovery.messages()).containsExactly(a, bHeld);
        assertThat(recovery.discarded()).isEmpty();
        assertThat(recovery.quarantined()).isEmpty();
    }

    @Test
    void recoveryDiscardsWhatWasNeverAcknowledgedAndLeavesForeignFilesAlone() throws IOException {
        Spool first = open();
        Envelope kept = first.accept("a@example.org", List.of("x@example.net"), body("kept"));
        String unacknowledged = "01jn0q2f6g0000abc";
        Files.write(Spool.messageDirectory(directory, QueueId.parse(unacknowledged)).resolve(unacknowledged + ".eml"), body("no envelope"));
        Files.write(Spool.messageDirectory(directory, QueueId.parse(unacknowledged)).resolve(unacknowledged + ".eml.tmp"), body("half"));
        QueueId writing = QueueId.parse("01jn0q2f6g0000abd");
        Files.write(Spool.messageDirectory(directory, writing).resolve(writing + ".env.tmp"), "{\"form".getBytes(UTF_8));
        Files.write(directory.resolve("README"), "mine".getBytes(UTF_8));

        Recovery recovery = new Spool(directory, new NioSpoolFiles(), new QueueIds(clock, new SplittableRandom(9)), clock, 0).recover();

        assertThat(recovery.messages()).containsExactly(kept);
        assertThat(recovery.discarded()).extracting(p -> p.getFileName().toString()).containsExactlyInAnyOrder(
                unacknowledged + ".eml", unacknowledged + ".eml.tmp", "01jn0q2f6g0000abd.env.tmp");
        assertThat(names(directory)).containsExactlyInAnyOrder(kept.id() + ".env", kept.id() + ".eml", "README");
    }

    @Test
    void anUnreadableEnvelopeIsMovedAsideWithItsBodyNeverDeleted() throws IOException {
        Spool first = open();
        Envelope good = first.accept("a@example.org", List.of("x@example.net"), body("good"));
        Envelope damaged = first.accept("a@example.org", List.of("y@example.net"), body("damaged"));
        Envelope bodiless = first.accept("a@example.org", List.of("z@example.net"), body("bodiless"));
        byte[] garbage = "{\"format\":1,\"id\":".getBytes(UTF_8);
        Files.write(Spool.messageDirectory(directory, damaged.id()).resolve(damaged.id() + ".env"), garbage);
        Files.delete(Spool.messageDirectory(directory, bodiless.id()).resolve(bodiless.id() + ".eml"));

        Recovery recovery = new Spool(directory, new NioSpoolFiles(), new QueueIds(clock, new SplittableRandom(9)), clock, 0).recover();

        assertThat(recovery.messages()).containsExactly(good);
        Path corrupt = directory.resolve(Spool.CORRUPT);
        assertThat(recovery.quarantined()).containsExactlyInAnyOrder(corrupt.resolve(damaged.id() + ".eml"),
                corrupt.resolve(damaged.id() + ".env"), corrupt.resolve(bodiless.id() + ".env"));
        assertThat(Files.readAllBytes(corrupt.resolve(damaged.id() + ".env"))).isEqualTo(garbage);
        assertThat(Files.readAllBytes(corrupt.resolve(damaged.id() + ".eml"))).isEqualTo(body("damaged"));
        assertThat(names(directory)).containsExactlyInAnyOrder(good.id() + ".env", good.id() + ".eml");
    }

    @Test
    void anEnvelopeNamingAnotherIdIsMovedAside() throws IOException {
        Spool first = open();
        Envelope a = first.accept("a@example.org", List.of("x@example.net"), body("a"));
        Envelope b = first.accept("a@example.org", List.of("y@example.net"), body("b"));
        Files.copy(Spool.messageDirectory(directory, a.id()).resolve(a.id() + ".env"), Spool.messageDirectory(directory, b.id()).resolve(b.id() + ".env"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);

        Recovery recovery = new Spool(directory, new NioSpoolFiles(), new QueueIds(clock, new SplittableRandom(9)), clock, 0).recover();

        assertThat(recovery.messages()).containsExactly(a);
        assertThat(recovery.quarantined()).hasSize(2);
    }

    @Test
    void newIdsStayAboveEveryIdOnDiskEvenWithTheClockSetBack() throws IOException {
        Spool first = open();
        Envelope last = first.accept("a@example.org", List.of("x@example.net"), body("a"));
        clock.advance(Duration.ofDays(-1));

        Spool second = new Spool(directory, files, new QueueIds(clock, new SplittableRandom(7)), clock, 0);
        second.recover();
        Envelope next = second.accept("a@example.org", List.of("x@example.net"), body("b"));

        assertThat(next.id()).isGreaterThan(last.id());
        assertThat(second.list()).containsExactly(last, next);
    }

    @Test
    void rescanAddsOnlyWhatAnotherProcessQueuedOldestFirstAndNothingHalfWritten() throws IOException {
        Spool server = open();
        Envelope own = server.accept("a@example.org", List.of("x@example.net"), body("own"));
        Spool sendmail = new Spool(directory, files, new QueueIds(clock, new SplittableRandom(8)), clock, 0);
        sendmail.recover();
        Envelope older = sendmail.accept("a@example.org", List.of("y@example.net"), body("older"));
        clock.advance(Duration.ofSeconds(1));
        Envelope newer = sendmail.accept("a@example.org", List.of("z@example.net"), body("newer"));
        try (Spool.Draft unfinished = sendmail.draft("a@example.org", List.of("w@example.net"))) {
            unfinished.writeBody(out -> {
                out.write(body("not committed"));
                return body("not committed").length;
            });

            assertThat(server.rescan()).containsExactly(older, newer);
            assertThat(server.rescan()).isEmpty();
        }
        assertThat(server.list()).containsExactlyInAnyOrder(own, older, newer);
        assertThat(server.accept("a@example.org", List.of("x@example.net"), body("next")).id()).isGreaterThan(newer.id());
    }

    @Test
    void refusesWorkBeforeRecovery() {
        Spool spool = new Spool(directory, files, new QueueIds(clock, new SplittableRandom(7)), clock, 0);
        assertThatThrownBy(() -> spool.accept("a@example.org", List.of("x@example.net"), body("a")))
                .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void concurrentAcceptsAllLandIntact() throws Exception {
        Spool spool = new Spool(directory, new NioSpoolFiles(), new QueueIds(java.time.Clock.systemUTC(), new SplittableRandom(7)),
                java.time.Clock.systemUTC(), 0);
        spool.recover();
        int threads = 8;
        int each = 12;
        List<Callable<List<Envelope>>> tasks = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int thread = t;
            tasks.add(() -> {
                List<Envelope> mine = new ArrayList<>();
                for (int i = 0; i < each; i++) {
                    mine.add(spool.accept("t" + thread + "@example.org", List.of("r" + i + "@example.net"), body(thread + "/" + i)));
                }
                return mine;
            });
        }
        List<Envelope> accepted = new ArrayList<>();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (Future<List<Envelope>> result : pool.invokeAll(tasks)) {
                accepted.addAll(result.get());
            }
        }

        assertThat(new HashSet<>(accepted.stream().map(Envelope::id).toList())).hasSize(threads * each);
        Recovery recovery = new Spool(directory, new NioSpoolFiles(), new QueueIds(clock, new SplittableRandom(9)), clock, 0).recover();
        assertThat(recovery.messages()).containsExactlyInAnyOrderElementsOf(accepted);
        assertThat(recovery.discarded()).isEmpty();
        for (Envelope envelope : accepted) {
            String expected = envelope.sender().substring(1, envelope.sender().indexOf('@')) + "/"
                    + envelope.recipients().getFirst().address().substring(1, envelope.recipients().getFirst().address().indexOf('@'));
            assertThat(Files.readAllBytes(spool.body(envelope.id()))).isEqualTo(body(expected));
        }
    }
}
