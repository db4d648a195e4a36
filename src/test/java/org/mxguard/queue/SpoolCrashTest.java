package org.mxguard.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mxguard.queue.SpoolTest.body;
import static org.mxguard.queue.SpoolTest.names;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A crash at each step of each write, simulated by failing that file operation and every later
 * one, then recovery by a fresh spool on the same directory with real files.
 */
class SpoolCrashTest {
    @TempDir
    Path directory;

    private final ManualClock clock = new ManualClock();
    private final FaultyFiles files = new FaultyFiles();
    private Spool spool;
    private Envelope existing;

    @BeforeEach
    void queueOneMessage() throws IOException {
        spool = new Spool(directory, files, new QueueIds(clock, new SplittableRandom(7)), clock, 0);
        spool.recover();
        existing = spool.accept("a@example.org", List.of("old@example.net"), body("already queued"));
        clock.advance(Duration.ofSeconds(1));
    }

    private Recovery restart() throws IOException {
        return new Spool(directory, new NioSpoolFiles(), new QueueIds(clock, new SplittableRandom(8)), clock, 0).recover();
    }

    /** Operations of accept: 1 space, 2 write body, 3 write envelope, 4 rename body, 5 rename envelope, 6 sync. */
    @ParameterizedTest(name = "crash at operation {0} ({1}): visible after restart = {2}")
    @CsvSource({
            "1, before the space check,                  false",
            "2, before the body is written,              false",
            "3, after the body is written,               false",
            "4, after the envelope is written,           false",
            "5, after the body is renamed,               false",
            "6, after the envelope rename before fsync,  true",
            "7, after accept returned,                   true",
    })
    void aMessageIsVisibleAfterACrashExactlyWhenItsEnvelopeWasRenamed(int crashAt, String when, boolean visible) throws IOException {
        files.crashAt(crashAt);
        if (crashAt <= 6) {
            assertThatThrownBy(() -> spool.accept("b@example.org", List.of("new@example.net"), body("new")))
                    .isInstanceOf(NotQueuedException.class);
        } else {
            spool.accept("b@example.org", List.of("new@example.net"), body("new"));
        }

        Recovery recovery = restart();

        assertThat(recovery.messages()).hasSize(visible ? 2 : 1).first().isEqualTo(existing);
        if (visible) {
            Envelope recovered = recovery.messages().get(1);
            assertThat(recovered.recipients()).extracting(Recipient::address).containsExactly("new@example.net");
            assertThat(Files.readAllBytes(Spool.messageDirectory(directory, recovered.id()).resolve(recovered.id() + ".eml"))).isEqualTo(body("new"));
        }
        assertThat(recovery.quarantined()).isEmpty();
        assertThat(names(directory)).allMatch(name -> name.endsWith(".env") || name.endsWith(".eml")).hasSize(visible ? 4 : 2);
        assertThat(Files.readAllBytes(Spool.messageDirectory(directory, existing.id()).resolve(existing.id() + ".eml"))).isEqualTo(body("already queued"));
    }

    /**
     * A power failure may persist the envelope's rename but not the body's, which came first: the
     * directory fsync that the 250 waits for had not completed, so the message was never
     * acknowledged and is discarded, not quarantined.
     */
    @Test
    void anEnvelopeWhoseBodyIsStillTemporaryWasNeverAcknowledged() throws IOException {
        Envelope lost = spool.accept("b@example.org", List.of("new@example.net"), body("new"));
        Files.move(Spool.messageDirectory(directory, lost.id()).resolve(lost.id() + ".eml"), Spool.messageDirectory(directory, lost.id()).resolve(lost.id() + ".eml.tmp"));

        Recovery recovery = restart();

        assertThat(recovery.messages()).containsExactly(existing);
        assertThat(recovery.quarantined()).isEmpty();
        assertThat(recovery.discarded()).extracting(p -> p.getFileName().toString())
                .containsExactlyInAnyOrder(lost.id() + ".env", lost.id() + ".eml.tmp");
        assertThat(names(directory)).containsExactlyInAnyOrder(existing.id() + ".env", existing.id() + ".eml");
    }

    @Test
    void aCrashHalfWayThroughTheBodyLeavesNothingVisible() throws IOException {
        files.diskFullAfter(5).crashAt(3); // the body write stops after 5 bytes; the clean-up never happens
        assertThatThrownBy(() -> spool.accept("b@example.org", List.of("new@example.net"), body("a longer body")))
                .isInstanceOf(NotQueuedException.class);
        assertThat(names(directory)).anyMatch(name -> name.endsWith(".eml.tmp"));

        Recovery recovery = restart();

        assertThat(recovery.messages()).containsExactly(existing);
        assertThat(recovery.discarded()).hasSize(1);
        assertThat(names(directory)).containsExactlyInAnyOrder(existing.id() + ".env", existing.id() + ".eml");
    }

    /** Operations of update: 1 delete stale temporary, 2 write, 3 rename, 4 sync. */
    @ParameterizedTest(name = "crash at update operation {0}: new state visible = {1}")
    @CsvSource({"1, false", "2, false", "3, false", "4, true", "5, true"})
    void anUpdateCrashLeavesTheOldEnvelopeOrTheNewOneNeverAMix(int crashAt, boolean updated) throws IOException {
        Envelope changed = existing.with(existing.recipients().getFirst().deferred("451 4.4.1 no answer"))
                .withSchedule(1, clock.instant().plusSeconds(300));
        files.crashAt(crashAt);
        try {
            spool.update(changed);
        } catch (IOException expected) {
            // the process "died" here
        }

        assertThat(restart().messages()).containsExactly(updated ? changed : existing);
        assertThat(names(directory)).containsExactlyInAnyOrder(existing.id() + ".env", existing.id() + ".eml");
    }

    /** Operations of remove: 1 delete envelope, 2 delete body; no directory sync (see Spool#delete), so 3 is after the end. */
    @ParameterizedTest(name = "crash at remove operation {0}: gone = {1}")
    @CsvSource({"1, false", "2, true", "3, true"})
    void aRemoveCrashNeverLeavesAnEnvelopeWithoutItsBody(int crashAt, boolean gone) throws IOException {
        Envelope done = existing.with(existing.recipients().getFirst().delivered("250 ok"));
        files.crashAt(crashAt);
        try {
            spool.remove(done);
        } catch (IOException expected) {
            // the process "died" here
        }

        Recovery recovery = restart();

        assertThat(recovery.messages()).hasSize(gone ? 0 : 1);
        assertThat(recovery.quarantined()).isEmpty();
        assertThat(names(directory)).hasSize(gone ? 0 : 2);
    }

    /** Without a crash, a failure anywhere is cleaned up at once and the spool carries on. */
    @ParameterizedTest(name = "operation {0} fails")
    @ValueSource(ints = {1, 2, 3, 4, 5, 6})
    void aFailedAcceptLeavesNothingAndTheSpoolCarriesOn(int failAt) throws IOException {
        files.failAt(failAt);
        assertThatThrownBy(() -> spool.accept("b@example.org", List.of("new@example.net"), body("new")))
                .isInstanceOf(NotQueuedException.class)
                .hasCauseInstanceOf(IOException.class);

        assertThat(names(directory)).containsExactlyInAnyOrder(existing.id() + ".env", existing.id() + ".eml");
        assertThat(spool.list()).containsExactly(existing);

        Envelope next = spool.accept("c@example.org", List.of("next@example.net"), body("next"));
        assertThat(restart().messages()).containsExactly(existing, next);
    }

    @Test
    void aClientThatGoesAwayDuringDataLeavesNothing() throws IOException {
        InputStream dropped = new SequenceInputStream(new ByteArrayInputStream(body("start")), new InputStream() {
            @Override
            public int read() throws IOException {
                throw new IOException("connection reset");
            }
        });

        assertThatThrownBy(() -> spool.accept("b@example.org", List.of("new@example.net"), dropped))
                .isInstanceOf(NotQueuedException.class);
        assertThat(names(directory)).allSatisfy(name -> assertThat(name).startsWith(existing.id().toString())).hasSize(2);
    }

    @Test
    void theSmtpReplyForNotQueuedIsInsufficientStorage() {
        assertThat(NotQueuedException.REPLY).isEqualTo("452 4.3.1 Insufficient system storage");
    }
}
