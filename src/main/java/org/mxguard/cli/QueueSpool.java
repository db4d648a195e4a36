package org.mxguard.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.Optional;
import org.mxguard.queue.Envelope;
import org.mxguard.queue.NioSpoolFiles;
import org.mxguard.queue.QueueId;
import org.mxguard.queue.QueueIds;
import org.mxguard.queue.Recovery;
import org.mxguard.queue.Spool;
import org.mxguard.queue.SpoolFiles;
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
 */
final class QueueSpool {
    /** sysexits.h EX_IOERR: the spool could not be read or written. */
    static final int EXIT_IO = 74;

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
        public long writeDurably(Path file, InputStream content) throws IOException {
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
