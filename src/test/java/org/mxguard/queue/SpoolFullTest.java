package org.mxguard.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mxguard.queue.SpoolTest.body;
import static org.mxguard.queue.SpoolTest.names;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A full disk refuses new mail with a typed exception and touches nothing already queued. */
class SpoolFullTest {
    @TempDir
    Path directory;

    private final ManualClock clock = new ManualClock();
    private final FaultyFiles files = new FaultyFiles();

    private Spool open(Path where, SpoolFiles with, long reserve) throws IOException {
        Spool spool = new Spool(where, with, new QueueIds(clock, new SplittableRandom(7)), clock, reserve);
        spool.recover();
        return spool;
    }

    @Test
    void belowTheReserveNewMailIsRefusedBeforeAByteIsWritten() throws IOException {
        Spool spool = open(directory, files, 4096);
        Envelope existing = spool.accept("a@example.org", List.of("x@example.net"), body("queued"));
        files.diskFullAfter(4095);
        int before = files.operations().size();

        assertThatThrownBy(() -> spool.accept("a@example.org", List.of("y@example.net"), body("refused")))
                .isInstanceOf(SpoolFullException.class)
                .isInstanceOf(NotQueuedException.class);

        assertThat(files.operations().subList(before, files.operations().size()))
                .filteredOn(op -> op.startsWith("write") || op.startsWith("move")).isEmpty();
        assertThat(names(directory)).containsExactlyInAnyOrder(existing.id() + ".env", existing.id() + ".eml");
        // the reserve is for the queue's own bookkeeping: an update of a queued message still works
        Envelope deferred = existing.with(existing.recipients().getFirst().deferred("451 later"));
        spool.update(deferred);
        assertThat(spool.read(existing.id())).contains(deferred);
    }

    @Test
    void aDiskThatFillsDuringTheBodyLeavesNoPartialFiles() throws IOException {
        Spool spool = open(directory, files, 0);
        Envelope existing = spool.accept("a@example.org", List.of("x@example.net"), body("queued"));
        byte[] envelopeBefore = Files.readAllBytes(Spool.messageDirectory(directory, existing.id()).resolve(existing.id() + ".env"));
        files.diskFullAfter(10);

        assertThatThrownBy(() -> spool.accept("a@example.org", List.of("y@example.net"), body("does not fit")))
                .isInstanceOf(NotQueuedException.class)
                .isNotInstanceOf(SpoolFullException.class)
                .rootCause().hasMessage(FaultyFiles.NO_SPACE);

        assertThat(names(directory)).containsExactlyInAnyOrder(existing.id() + ".env", existing.id() + ".eml");
        assertThat(Files.readAllBytes(Spool.messageDirectory(directory, existing.id()).resolve(existing.id() + ".env"))).isEqualTo(envelopeBefore);
        assertThat(Files.readAllBytes(Spool.messageDirectory(directory, existing.id()).resolve(existing.id() + ".eml"))).isEqualTo(body("queued"));

        files.heal();
        spool.accept("a@example.org", List.of("y@example.net"), body("fits now"));
        assertThat(spool.list()).hasSize(2);
    }

    @Test
    void anUpdateOnAFullDiskKeepsTheOldEnvelope() throws IOException {
        Spool spool = open(directory, files, 0);
        Envelope existing = spool.accept("a@example.org", List.of("x@example.net"), body("queued"));
        files.diskFullAfter(10);

        Envelope deferred = existing.with(existing.recipients().getFirst().deferred("451 later"));
        assertThatThrownBy(() -> spool.update(deferred)).isInstanceOf(IOException.class);

        assertThat(spool.read(existing.id())).contains(existing);
        assertThat(names(directory)).containsExactlyInAnyOrder(existing.id() + ".env", existing.id() + ".eml");
        assertThat(open(directory, new NioSpoolFiles(), 0).list()).containsExactly(existing);
    }

    /**
     * On a real 512 KiB tmpfs when this process may mount one (root in a container that allows
     * it); otherwise the same steps against the injected full disk.
     */
    @Test
    void aRealFullFileSystemRefusesMailAndCorruptsNothing() throws Exception {
        Path mountPoint = Files.createTempDirectory("mxguard-spool-tmpfs");
        boolean mounted = run("mount", "-t", "tmpfs", "-o", "size=512k", "tmpfs", mountPoint.toString());
        try {
            if (mounted) {
                assertThat(Files.getFileStore(mountPoint).type()).isEqualTo("tmpfs");
                fill(mountPoint.resolve("spool"), new NioSpoolFiles(), () -> { });
            } else {
                FaultyFiles injected = new FaultyFiles();
                fill(mountPoint.resolve("spool"), injected, () -> injected.diskFullAfter(300 * 1024));
            }
        } finally {
            if (mounted) {
                assertThat(run("umount", mountPoint.toString())).as("umount " + mountPoint).isTrue();
            }
            deleteTree(mountPoint);
        }
    }

    /** Fills the spool with 100 KiB messages until it refuses one, then checks what survived. */
    private void fill(Path spoolDirectory, SpoolFiles with, Runnable diskIsSmall) throws IOException {
        Spool reserved = open(spoolDirectory, with, 256 * 1024);
        diskIsSmall.run();
        List<Envelope> accepted = new ArrayList<>();
        NotQueuedException refusal = null;
        for (int i = 0; i < 10 && refusal == null; i++) {
            try {
                accepted.add(reserved.accept("a@example.org", List.of("r" + i + "@example.net"), message(i)));
            } catch (NotQueuedException e) {
                refusal = e;
            }
        }
        assertThat(refusal).as("the reserve refuses first").isInstanceOf(SpoolFullException.class);
        assertThat(accepted).isNotEmpty();

        // without a reserve, the disk itself runs full in the middle of a message
        Spool unreserved = open(spoolDirectory, with, 0);
        refusal = null;
        for (int i = accepted.size(); i < 20 && refusal == null; i++) {
            try {
                accepted.add(unreserved.accept("a@example.org", List.of("r" + i + "@example.net"), message(i)));
            } catch (NotQueuedException e) {
                refusal = e;
            }
        }
        assertThat(refusal).as("the full disk refuses").isNotNull().isNotInstanceOf(SpoolFullException.class);
        assertThat(names(spoolDirectory)).noneMatch(name -> name.endsWith(".tmp")).hasSize(2 * accepted.size());

        Recovery recovery = new Spool(spoolDirectory, new NioSpoolFiles(), new QueueIds(clock, new SplittableRandom(8)), clock, 0)
                .recover();
        assertThat(recovery.messages()).containsExactlyElementsOf(accepted);
        assertThat(recovery.discarded()).isEmpty();
        for (int i = 0; i < accepted.size(); i++) {
            assertThat(Files.readAllBytes(Spool.messageDirectory(spoolDirectory, accepted.get(i).id()).resolve(accepted.get(i).id() + ".eml"))).isEqualTo(message(i));
        }

        // room again once a message leaves: the spool carries on
        Envelope first = accepted.getFirst();
        unreserved.remove(first.with(first.recipients().getFirst().delivered("250 ok")));
        if (with instanceof FaultyFiles injected) {
            injected.heal();
        }
        unreserved.accept("a@example.org", List.of("again@example.net"), body("after"));
    }

    private static byte[] message(int i) {
        byte[] bytes = new byte[100 * 1024];
        Arrays.fill(bytes, (byte) ('a' + i));
        return bytes;
    }

    private static boolean run(String... command) throws InterruptedException {
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            process.getInputStream().transferTo(java.io.OutputStream.nullOutputStream());
            return process.waitFor(10, TimeUnit.SECONDS) && process.exitValue() == 0;
        } catch (IOException e) {
            return false; // no mount command
        }
    }

    private static void deleteTree(Path root) throws IOException {
        try (Stream<Path> all = Files.walk(root)) {
            for (Path path : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }
}
