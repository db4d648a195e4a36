package org.mxguard.cli;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.mxguard.queue.Envelope;
import org.mxguard.queue.NioSpoolFiles;
import org.mxguard.queue.QueueId;
import org.mxguard.queue.QueueIds;
import org.mxguard.queue.QueueRequest;
import org.mxguard.queue.Recovery;
import org.mxguard.queue.Spool;
import org.mxguard.queue.SpoolFiles;
import org.mxguard.queue.SpoolLock;
import org.mxguard.queue.SpoolRequests;
import picocli.CommandLine.Option;

/**
 * The {@code --spool} option of {@code sendmail} and {@code queue}, and the spool opened the way a
 * process other than the server must open it.
 *
 * <p>{@link Spool#recover()} is what loads the spool's index, but it also cleans up after a crash:
 * it deletes temporary files and bodies without an envelope and moves unreadable envelopes to
 * {@code corrupt/}. Run beside a live server that would be wrong: a body the server has renamed
 * into place but whose envelope it has not renamed yet is a message about to be acknowledged, and
 * deleting it would lose that message. So the files given to the spool leave everything in place
 * until recovery is over, and pass everything through after it (for {@code accept}, {@code update}
 * and {@code remove}). What recovery then reports as discarded or quarantined was left alone (it
 * may still create an empty {@code corrupt/}, which it does not do through {@code SpoolFiles}).
 * Even under the {@link SpoolLock} a command leaves them in place: {@code sendmail} takes no lock,
 * and may be between its renames.
 *
 * <p>Changes go through {@link #change}: made here only when no server runs.
 */
final class QueueSpool {
    /** sysexits.h EX_IOERR: the spool could not be read or written. */
    static final int EXIT_IO = 74;
    /** sysexits.h EX_TEMPFAIL: --wait gave up; the request stays and is applied later. */
    static final int EXIT_TEMPFAIL = 75;
    /** How long --wait waits: a request for a message in flight waits for the end of its delivery round. */
    static final Duration WAIT = Duration.ofSeconds(60);
    private static final Duration POLL = Duration.ofMillis(100);

    @Option(names = "--spool", paramLabel = "DIR", defaultValue = "var/spool",
            description = "the spool directory (default: ${DEFAULT-VALUE}, relative to the working directory, as for the server)")
    Path directory;

    /** The real file operations; tests swap them. */
    SpoolFiles files = new NioSpoolFiles();

    Clock clock = Clock.systemUTC();

    /** The spool, created if missing (for {@code sendmail}: the server finds the message when it starts). */
    Spool open(PrintWriter err) throws IOException {
        LeaveInPlace leaving = new LeaveInPlace(files);
        Spool spool = new Spool(directory, leaving, new QueueIds(clock, new SecureRandom()), clock, Spool.DEFAULT_RESERVE_BYTES);
        Recovery recovery = spool.recover();
        leaving.recovered = true;
        for (Path path : recovery.quarantined()) {
            String name = path.getFileName().toString();
            if (name.contains(".env")) {
                err.println("mxguard: despite the line above, " + name + " was not moved: only the server"
                        + " quarantines unreadable envelopes, when it starts; until then it is skipped");
            }
        }
        return spool;
    }

    /** The spool, or empty after saying so on {@code err} when there is none (an admin command never creates one). */
    Optional<Spool> openExisting(PrintWriter err) throws IOException {
        if (!Files.isDirectory(directory)) {
            err.println("mxguard: no spool at " + directory + " (give its directory with --spool)");
            return Optional.empty();
        }
        return Optional.of(open(err));
    }

    /** The queued message {@code id}, or empty after saying on {@code err} that there is none. */
    Optional<Envelope> find(Spool spool, String id, PrintWriter err) {
        if (!QueueId.isValid(id)) {
            err.println("mxguard: " + id + " is not a queue id (" + QueueId.LENGTH + " characters 0-9a-v, as `mxguard queue list` shows them)");
            return Optional.empty();
        }
        Optional<Envelope> envelope = spool.read(QueueId.parse(id));
        if (envelope.isEmpty()) {
            err.println("mxguard: no message " + id + " in the queue at " + directory);
        }
        return envelope;
    }

    /** What a command does with the opened spool; returns the command's exit code. */
    @FunctionalInterface
    interface Task {
        int apply(Spool spool) throws IOException;
    }

    /** Runs {@code read} on the existing spool, for a command that only reads it (list, show). */
    int read(PrintWriter err, Task read) {
        try {
            Optional<Spool> spool = openExisting(err);
            return spool.isEmpty() ? 1 : read.apply(spool.get());
        } catch (IOException e) {
            return failed(err, e);
        }
    }

    /**
     * Makes a change to the spool: here, holding the {@link SpoolLock}, when no server runs; else by
     * leaving a request for the server, which alone writes envelopes while it runs (a change made
     * here would not be in its index, and its next save of the message would undo it).
     *
     * @param id   the message, or null for every message (flush)
     * @param wait after a request, wait until the server has applied it
     */
    int change(String id, QueueRequest.Action action, boolean json, boolean wait, PrintWriter out, PrintWriter err,
               Task edit) {
        try {
            if (!Files.isDirectory(directory)) {
                err.println("mxguard: no spool at " + directory + " (give its directory with --spool)");
                return 1;
            }
            Optional<SpoolLock> lock = SpoolLock.forCommand(directory);
            if (lock.isPresent()) {
                try (SpoolLock held = lock.get()) {
                    return edit.apply(open(err)); // opened under the lock: no server changed it since
                }
            }
            Optional<QueueId> target = Optional.empty();
            if (id != null) {
                Optional<Envelope> message = find(open(err), id, err); // reading beside the server is safe
                if (message.isEmpty()) {
                    return 1;
                }
                target = Optional.of(message.get().id());
            }
            // the real clock, not the one tests fix: it orders the requests
            Path request = new SpoolRequests(directory, files, Clock.systemUTC()).submit(new QueueRequest(action, target));
            String what = action.word() + (id == null ? " of every message" : " of " + id);
            out.println(json ? Json.write(requested(action, id, request)) : what + " requested; the running server applies it within "
                    + DeliveryWiring.RESCAN_INTERVAL.toSeconds() + " s" + (wait ? "" : " (--wait waits for that)"));
            out.flush();
            return wait ? awaitApplied(request, what, out, err) : 0;
        } catch (IOException e) {
            return failed(err, e);
        }
    }

    private static Map<String, Object> requested(QueueRequest.Action action, String id, Path request) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("requested", action.word());
        json.put("id", id);
        json.put("request", request.toString());
        return json;
    }

    /** Waits for the server to delete the request, which it does once it has applied it. */
    private int awaitApplied(Path request, String what, PrintWriter out, PrintWriter err) throws IOException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (Files.exists(request)) {
            if (System.nanoTime() > deadline) {
                err.println("mxguard: " + what + " not applied after " + WAIT.toSeconds() + " s (is the message being"
                        + " delivered? is the server still running?); the request stays in " + request.getParent());
                return EXIT_TEMPFAIL;
            }
            try {
                Thread.sleep(POLL.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted waiting for " + request);
            }
        }
        out.println(what + " applied");
        out.flush();
        return 0;
    }

    static int failed(PrintWriter err, IOException e) {
        err.println("mxguard: spool error: " + e.getMessage());
        return EXIT_IO;
    }

    /** Passes file operations through, except that it deletes, moves and syncs nothing until recovery is over. */
    private static final class LeaveInPlace implements SpoolFiles {
        private final SpoolFiles files;
        boolean recovered;

        LeaveInPlace(SpoolFiles files) {
            this.files = files;
        }

        @Override
        public long writeDurably(Path file, Content content) throws IOException {
            return files.writeDurably(file, content);
        }

        @Override
        public void moveAtomically(Path source, Path target) throws IOException {
            if (recovered) {
                files.moveAtomically(source, target);
            }
        }

        @Override
        public void syncDirectory(Path directory) throws IOException {
            if (recovered) {
                files.syncDirectory(directory);
            }
        }

        @Override
        public void deleteIfExists(Path file) throws IOException {
            if (recovered) {
                files.deleteIfExists(file);
            }
        }

        @Override
        public long usableSpace(Path directory) throws IOException {
            return files.usableSpace(directory);
        }
    }
}
