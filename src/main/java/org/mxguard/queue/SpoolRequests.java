package org.mxguard.queue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The requests that queue commands leave for the running server, which alone writes envelopes
 * while it runs (see {@link SpoolLock}): one empty file per request in {@code SPOOL/requests/},
 * named {@code ACTION.ID.STAMP} ({@code ID} is {@code all} for a flush of every message,
 * {@code STAMP} the nanoseconds since the epoch, which orders them).
 *
 * <p>A request is written to a dot-file and renamed into place, so that the server never sees half
 * of one. It is deleted once applied; a request for a message in flight stays until its round has
 * ended, so that it survives a crash and never races the round's own save.
 */
public final class SpoolRequests {
    public static final String DIRECTORY = "requests";

    private static final Pattern NAME = Pattern.compile("(hold|release|flush|delete)\\.(all|[0-9a-v]+)\\.([0-9]+)");
    private static final String ALL = "all";
    private static final Logger log = LoggerFactory.getLogger(SpoolRequests.class);

    private final Path directory;
    private final SpoolFiles files;
    private final Clock clock;

    public SpoolRequests(Path spool, SpoolFiles files, Clock clock) {
        this.directory = spool.resolve(DIRECTORY);
        this.files = files;
        this.clock = clock;
    }

    /** Leaves {@code request} for the server, durably; returns its file, which is gone once applied. */
    public Path submit(QueueRequest request) throws IOException {
        Files.createDirectories(directory, NioSpoolFiles.ownerOnly(directory, "rwx------"));
        Instant now = clock.instant();
        long stamp = now.getEpochSecond() * 1_000_000_000L + now.getNano();
        String target = request.message().map(QueueId::toString).orElse(ALL);
        Path file = directory.resolve(request.action().word() + "." + target + "." + stamp);
        Path temporary = directory.resolve("." + file.getFileName() + "." + ProcessHandle.current().pid());
        files.writeDurably(temporary, new ByteArrayInputStream(new byte[0]));
        files.moveAtomically(temporary, file);
        files.syncDirectory(directory);
        return file;
    }

    /**
     * Applies every waiting request through {@code runner}, oldest first, and deletes those done.
     * One that {@code runner} cannot apply yet (its message in flight) stays, and so do the later
     * ones for the same message, which must not overtake it. Called by the server every few seconds.
     *
     * @return how many requests were applied (or dropped, for messages no longer queued)
     */
    public int applyTo(QueueRunner runner) throws IOException {
        if (!Files.isDirectory(directory)) {
            return 0;
        }
        List<Waiting> waiting = new ArrayList<>();
        try (Stream<Path> listing = Files.list(directory)) {
            for (Path file : listing.toList()) {
                parse(file).ifPresent(waiting::add);
            }
        }
        waiting.sort(Comparator.comparingLong(Waiting::stamp));
        Set<QueueId> postponed = new HashSet<>();
        int done = 0;
        for (Waiting request : waiting) {
            Optional<QueueId> id = request.request().message();
            if (id.isPresent() && postponed.contains(id.get())) {
                continue;
            }
            QueueRunner.Applied applied = runner.apply(request.request());
            if (applied == QueueRunner.Applied.IN_FLIGHT) {
                id.ifPresent(postponed::add);
                continue;
            }
            log.info("queue request {}: {}", request.file().getFileName(), applied == QueueRunner.Applied.DONE
                    ? "applied" : "no such message, dropped");
            // not synced: should a crash bring the file back, applying it again changes nothing
            files.deleteIfExists(request.file());
            done++;
        }
        return done;
    }

    /** The request in {@code file}; empty for dot-files (being written) and, with a warning, anything else. */
    private static Optional<Waiting> parse(Path file) {
        String name = file.getFileName().toString();
        if (name.startsWith(".")) {
            return Optional.empty();
        }
        Matcher matcher = NAME.matcher(name);
        if (!matcher.matches() || !(matcher.group(2).equals(ALL) || QueueId.isValid(matcher.group(2)))) {
            log.warn("spool requests: ignoring {}, not a request", file);
            return Optional.empty();
        }
        QueueRequest.Action action = QueueRequest.Action.valueOf(matcher.group(1).toUpperCase(Locale.ROOT));
        Optional<QueueId> id = matcher.group(2).equals(ALL) ? Optional.empty() : Optional.of(QueueId.parse(matcher.group(2)));
        try {
            return Optional.of(new Waiting(new QueueRequest(action, id), Long.parseLong(matcher.group(3)), file));
        } catch (IllegalArgumentException e) { // "hold.all", or a stamp out of range
            log.warn("spool requests: ignoring {}: {}", file, e.getMessage());
            return Optional.empty();
        }
    }

    private record Waiting(QueueRequest request, long stamp, Path file) {
    }
}
