package org.mxguard.queue;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(value = 10, unit = TimeUnit.SECONDS)
class SpoolLockTest {
    @TempDir
    Path spool;

    @Test
    void oneServerPerSpool() throws Exception {
        try (SpoolLock first = SpoolLock.forServer(spool).orElseThrow()) {
            assertThat(SpoolLock.forServer(spool)).isEmpty();
        }
        try (SpoolLock again = SpoolLock.forServer(spool).orElseThrow()) {
            assertThat(again).isNotNull();
        }
    }

    @Test
    void aCommandEditsTheSpoolOnlyWhenNoServerRuns() throws Exception {
        try (SpoolLock server = SpoolLock.forServer(spool).orElseThrow()) {
            assertThat(SpoolLock.forCommand(spool)).as("a server runs: ask it").isEmpty();
        }
        try (SpoolLock command = SpoolLock.forCommand(spool).orElseThrow()) {
            assertThat(command).isNotNull();
        }
    }

    @Test
    void aStartingServerWaitsForTheCommandAtWorkInsteadOfRefusing() throws Exception {
        SpoolLock command = SpoolLock.forCommand(spool).orElseThrow();
        CompletableFuture<Optional<SpoolLock>> server = CompletableFuture.supplyAsync(() -> {
            try {
                return SpoolLock.forServer(spool);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        Thread.sleep(50);
        assertThat(server).isNotDone();

        command.close();

        try (SpoolLock held = server.get(5, TimeUnit.SECONDS).orElseThrow()) {
            assertThat(SpoolLock.forCommand(spool)).isEmpty();
        }
    }
}
