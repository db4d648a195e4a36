package org.mxguard.queue;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Who may write a spool's envelopes: while {@code mxguard serve} runs, the server alone (a queue
 * command asks it through {@link SpoolRequests}); otherwise one queue command at a time. New
 * messages ({@code mxguard sendmail}, {@link Spool#accept}) need no lock: each has its own new id.
 *
 * <p>Three one-byte regions of {@code SPOOL/requests/.lock}, each with one job:
 * <ul>
 *   <li>{@code SERVER}: held by a server for its life, tried once: a second server refuses to start.</li>
 *   <li>{@code WRITER}: held exclusively by a server for its life, shared by a command for its
 *       duration. A command that cannot share it knows that a server runs. A starting server waits
 *       for the commands at work (milliseconds) instead of taking them for another server.</li>
 *   <li>{@code COMMAND}: held exclusively by a command for its duration: commands take turns.</li>
 * </ul>
 * The locks are the kernel's (fcntl), so they end with their process: a crash leaves none behind.
 * The file is not in the spool directory itself, where every regular file is taken for part of a
 * message (or a leftover).
 */
public final class SpoolLock implements AutoCloseable {
    public static final String DIRECTORY = SpoolRequests.DIRECTORY;
    static final String FILE = ".lock";

    private static final long SERVER = 0;
    private static final long WRITER = 1;
    private static final long COMMAND = 2;
    /** How long a lock that is held only for a command's duration is waited for. */
    private static final Duration PATIENCE = Duration.ofSeconds(30);

    private final FileChannel channel;
    private final List<FileLock> locks;

    private SpoolLock(FileChannel channel, List<FileLock> locks) {
        this.channel = channel;
        this.locks = List.copyOf(locks);
    }

    /** The lock of the one server of {@code spool}; empty when another server holds it. */
    public static Optional<SpoolLock> forServer(Path spool) throws IOException {
        return take(spool, false);
    }

    /** The lock of a queue command that edits {@code spool} itself; empty when a server runs and must be asked. */
    public static Optional<SpoolLock> forCommand(Path spool) throws IOException {
        return take(spool, true);
    }

    private static Optional<SpoolLock> take(Path spool, boolean command) throws IOException {
        Path directory = spool.resolve(DIRECTORY);
        Files.createDirectories(directory, NioSpoolFiles.ownerOnly(directory, "rwx------"));
        Path file = directory.resolve(FILE);
        FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        List<FileLock> held = new ArrayList<>();
        try {
            Optional<FileLock> first = command ? tryLock(channel, WRITER, true) : tryLock(channel, SERVER, false);
            if (first.isEmpty()) {
                channel.close();
                return Optional.empty();
            }
            held.add(first.get());
            held.add(command ? await(channel, COMMAND, false, file) : await(channel, WRITER, false, file));
            return Optional.of(new SpoolLock(channel, held));
        } catch (IOException | RuntimeException e) {
            try {
                channel.close(); // releases what was taken
            } catch (IOException again) {
                e.addSuppressed(again);
            }
            throw e;
        }
    }

    private static Optional<FileLock> tryLock(FileChannel channel, long region, boolean shared) throws IOException {
        try {
            return Optional.ofNullable(channel.tryLock(region, 1, shared));
        } catch (OverlappingFileLockException e) {
            return Optional.empty(); // held within this JVM (tests run server and commands in one)
        }
    }

    /** Waits for a region that is held only for a command's duration. */
    private static FileLock await(FileChannel channel, long region, boolean shared, Path file) throws IOException {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (true) {
            Optional<FileLock> lock = tryLock(channel, region, shared);
            if (lock.isPresent()) {
                return lock.get();
            }
            if (System.nanoTime() > deadline) {
                throw new IOException("spool busy: " + file + " still locked by another queue command after " + PATIENCE);
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted waiting for " + file);
            }
        }
    }

    @Override
    public void close() throws IOException {
        for (FileLock lock : locks) {
            if (lock.isValid()) {
                lock.release();
            }
        }
        channel.close();
    }
}
