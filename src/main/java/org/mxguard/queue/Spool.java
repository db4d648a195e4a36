package org.mxguard.queue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The queue on local disk, and its one promise: once {@link #accept} has returned, the message
 * survives a crash, a full disk and anything short of losing the disk itself.
 *
 * <p>Layout: each message in one of 32 subdirectories, chosen from its id so that consecutive
 * messages spread over them (as Postfix's {@code hash_queue_depth} does): in a single directory, every create, rename and unlink waits for that directory's lock,
 * and that, not the disk, limited the queue's rate.
 * <pre>
 *   S/ID.eml       the body, exactly the bytes received after DATA (S: see {@link #messageDirectory})
 *   S/ID.env       the envelope (JSON, see EnvelopeCodec); its presence marks the message complete
 *   S/ID.eml.tmp   being written; deleted on recovery
 *   S/ID.env.tmp   being written; deleted on recovery
 *   corrupt/       envelopes that could not be read, with their bodies, kept for a person
 *   requests/      the writer's lock and the queue commands' requests to the server (SpoolLock, SpoolRequests)
 * </pre>
 *
 * <p>{@link #accept} writes in this order, so that a crash at any point leaves either no envelope
 * (never acknowledged: recovery deletes the rest) or a complete message:
 * <ol>
 *   <li>body to {@code ID.eml.tmp}, fsync; envelope to {@code ID.env.tmp}, fsync</li>
 *   <li>rename the body into place, then the envelope (the commit)</li>
 *   <li>fsync the message's directory: both names are durable before the caller answers 250</li>
 * </ol>
 * The "fsync the directory" waits for an fsync that started after the renames; concurrent accepts
 * in one directory share one ({@link DirectorySync}). A power failure before it may keep the envelope's rename and
 * lose the body's (file systems may persist renames in either order): an envelope whose body is
 * still {@code ID.eml.tmp} was therefore never acknowledged, and recovery discards it. One
 * directory fsync per message instead of two, since fsyncs are what an accept costs.
 *
 * <p>{@link #accept} may be called from many threads at once. One message's {@link #update} and
 * {@link #remove} come from one thread at a time: the queue runner owns delivery state. One process
 * at a time changes envelopes, the holder of the {@link SpoolLock}: another one's index would not
 * see the change, and its next update would undo it.
 */
public final class Spool {
    /** Free space kept for the queue's own envelope rewrites; new mail is refused below it. */
    public static final long DEFAULT_RESERVE_BYTES = 64L << 20;

    static final String BODY = ".eml";
    static final String ENVELOPE = ".env";
    static final String TEMPORARY = ".tmp";
    static final String CORRUPT = "corrupt";
    /** The names of the 32 message directories. */
    private static final String SHARDS = "0123456789abcdefghijklmnopqrstuv";

    private static final Logger log = LoggerFactory.getLogger(Spool.class);

    private final Path directory;
    private final SpoolFiles files;
    /** The message directories by their name's character; concurrent accepts share their fsyncs. */
    private final Map<Character, DirectorySync> directories;
    private final QueueIds ids;
    private final Clock clock;
    private final long reserveBytes;
    /** The envelopes on disk, oldest first, so that listing never reads the disk. */
    private final ConcurrentSkipListMap<QueueId, Envelope> index = new ConcurrentSkipListMap<>();
    private volatile boolean recovered;

    public Spool(Path directory, SpoolFiles files, QueueIds ids, Clock clock, long reserveBytes) {
        if (reserveBytes < 0) {
            throw new IllegalArgumentException("negative reserve " + reserveBytes);
        }
        this.directory = directory;
        this.files = files;
        Map<Character, DirectorySync> byName = new HashMap<>();
        for (char c : SHARDS.toCharArray()) {
            byName.put(c, new DirectorySync(files, directory.resolve(String.valueOf(c))));
        }
        this.directories = Map.copyOf(byName);
        this.ids = ids;
        this.clock = clock;
        this.reserveBytes = reserveBytes;
    }

    public Path directory() {
        return directory;
    }

    /** Where the files of message {@code id} of the spool in {@code spool} are. */
    public static Path messageDirectory(Path spool, QueueId id) {
        return spool.resolve(String.valueOf(shard(id)));
    }

    /**
     * The low bits of the millisecond plus those of the sequence number within it: consecutive ids
     * differ in one or the other, whether the spool takes many messages a millisecond or few.
     */
    private static char shard(QueueId id) {
        long stamp = id.stamp();
        return SHARDS.charAt((int) (((stamp >>> QueueId.SEQUENCE_BITS) + stamp) & (SHARDS.length() - 1)));
    }

    /** The envelope file of a queued (or once queued) message. */
    public Path envelopeFile(QueueId id) {
        return path(id, ENVELOPE);
    }

    /**
     * Start-up: loads every complete message, deletes what was never acknowledged (temporary files,
     * bodies without an envelope) and moves unreadable envelopes to {@code corrupt/}. Called once,
     * before anything else.
     */
    public synchronized Recovery recover() throws IOException {
        Files.createDirectories(directory, NioSpoolFiles.ownerOnly(directory, "rwx------"));
        for (DirectorySync messages : directories.values()) {
            Files.createDirectories(messages.directory(), NioSpoolFiles.ownerOnly(messages.directory(), "rwx------"));
        }
        List<Path> entries = messageFiles();
        try (Stream<Path> top = Files.list(directory)) {
            top.filter(Files::isRegularFile).forEach(f -> log.warn("spool {}: leaving unknown file {} alone", directory, name(f)));
        }
        index.clear();
        List<Path> discarded = new ArrayList<>();
        List<Path> quarantined = new ArrayList<>();
        Set<QueueId> corrupt = new HashSet<>();
        Set<Path> present = new HashSet<>(entries);
        for (Path file : entries) {
            if (!name(file).endsWith(ENVELOPE)) {
                continue;
            }
            Optional<QueueId> id = idOf(file, ENVELOPE);
            if (id.isPresent() && !present.contains(path(id.get(), BODY)) && present.contains(temporary(id.get(), BODY))) {
                // renamed before its body was, and a power failure came before the directory fsync
                // that the 250 waits for: never acknowledged
                files.deleteIfExists(file);
                discarded.add(file);
                continue;
            }
            try {
                Envelope envelope = load(id.orElseThrow(() -> new IOException("not a queue id")), file);
                index.put(envelope.id(), envelope);
            } catch (IOException | RuntimeException e) {
                id.ifPresent(corrupt::add);
                quarantined.addAll(quarantine(id, file, e));
            }
        }
        for (Path file : entries) {
            String name = name(file);
            Optional<QueueId> id = Stream.of(BODY, ENVELOPE, BODY + TEMPORARY, ENVELOPE + TEMPORARY)
                    .map(suffix -> idOf(file, suffix)).flatMap(Optional::stream).findFirst();
            id.ifPresent(ids::advancePast);
            boolean ours = id.isPresent();
            boolean temporary = ours && name.endsWith(TEMPORARY);
            boolean orphanBody = ours && name.endsWith(BODY) && !index.containsKey(id.get()) && !corrupt.contains(id.get());
            if (temporary || orphanBody) {
                files.deleteIfExists(file);
                discarded.add(file);
            } else if (!ours) {
                log.warn("spool {}: leaving unknown file {} alone", directory, name);
            }
        }
        if (!discarded.isEmpty() || !quarantined.isEmpty()) {
            for (DirectorySync messages : directories.values()) {
                messages.sync();
            }
        }
        recovered = true;
        log.info("spool {}: recovered {} messages, discarded {} unacknowledged files, quarantined {}",
                directory, index.size(), discarded.size(), quarantined.size());
        return new Recovery(list(), discarded, quarantined);
    }

    /**
     * Queues a message under a new id, durably: when this returns the caller may answer 250.
     *
     * @param sender the reverse-path, "" for {@code <>}
     * @throws NotQueuedException nothing was queued (disk full, I/O error, body stream failed);
     *                            answer {@link NotQueuedException#REPLY}
     */
    public Envelope accept(String sender, List<String> recipients, InputStream body) throws NotQueuedException {
        try (Draft draft = draft(sender, recipients)) {
            draft.writeBody(body::transferTo);
            return draft.commit();
        }
    }

    /**
     * Starts a message whose body is written, and judged, before it is queued: the SMTP server
     * streams DATA into {@link Draft#writeBody}, runs its end-of-data checks, and then commits
     * (answering 250) or closes the draft (leaving nothing behind).
     *
     * @throws NotQueuedException the disk is too full to take it
     */
    public Draft draft(String sender, List<String> recipients) throws NotQueuedException {
        requireRecovered();
        Envelope envelope = Envelope.received(ids.next(), sender, recipients, clock.instant());
        Draft draft = new Draft(envelope);
        try {
            long usable = files.usableSpace(directory);
            if (usable < reserveBytes) {
                throw new SpoolFullException(usable, reserveBytes);
            }
        } catch (IOException e) {
            throw draft.failed(e);
        }
        return draft;
    }

    /** A message being written; {@link #close} without {@link #commit} deletes what was written. */
    public final class Draft implements AutoCloseable {
        private final Envelope envelope;
        private boolean written;
        private boolean ended;

        private Draft(Envelope envelope) {
            this.envelope = envelope;
        }

        public QueueId id() {
            return envelope.id();
        }

        /**
         * Writes the body to its temporary file and forces it to the device.
         *
         * @return the bytes written
         * @throws NotQueuedException the write failed (disk full, I/O error, the content's own
         *                            source failed); the draft is discarded
         */
        public long writeBody(SpoolFiles.Content body) throws NotQueuedException {
            requireOpen();
            if (written) {
                throw new IllegalStateException("the body of " + id() + " is written already");
            }
            try {
                long bytes = files.writeDurably(temporary(id(), BODY), body);
                written = true;
                return bytes;
            } catch (IOException e) {
                throw failed(e);
            } catch (RuntimeException e) {
                discard(id(), e);
                ended = true;
                throw e;
            }
        }

        /** Queues the message: when this returns it survives a crash, and the caller may answer 250. */
        public Envelope commit() throws NotQueuedException {
            return commit("");
        }

        /**
         * {@link #commit()}, with header fields to send in front of the body (see
         * {@link Envelope#traceHeaders}), e.g. the results of checks that read the body's headers.
         */
        public Envelope commit(String traceHeaders) throws NotQueuedException {
            requireOpen();
            Envelope envelope = this.envelope.withTraceHeaders(traceHeaders);
            if (!written) {
                throw new IllegalStateException("no body written for " + id());
            }
            QueueId id = id();
            try {
                files.writeDurably(temporary(id, ENVELOPE), new ByteArrayInputStream(EnvelopeCodec.encode(envelope)));
                files.moveAtomically(temporary(id, BODY), path(id, BODY));
                files.moveAtomically(temporary(id, ENVELOPE), path(id, ENVELOPE));
                syncOf(id);
            } catch (IOException e) {
                throw failed(e);
            } catch (RuntimeException e) {
                discard(id, e);
                ended = true;
                throw e;
            }
            ended = true;
            index.put(id, envelope);
            return envelope;
        }

        /** Deletes what was written unless the message was committed. */
        @Override
        public void close() {
            if (!ended) {
                ended = true;
                if (written) {
                    discard(id(), new IOException("draft " + id() + " abandoned")); // nothing to report to
                }
            }
        }

        private void requireOpen() {
            if (ended) {
                throw new IllegalStateException("draft " + id() + " is committed or discarded");
            }
        }

        private NotQueuedException failed(IOException e) {
            discard(id(), e);
            ended = true;
            return e instanceof NotQueuedException notQueued ? notQueued
                    : new NotQueuedException("could not queue " + id() + ": " + e, e);
        }
    }

    public Envelope accept(String sender, List<String> recipients, byte[] body) throws NotQueuedException {
        return accept(sender, recipients, new ByteArrayInputStream(body));
    }

    /**
     * Replaces a queued message's envelope (delivery states, schedule, hold) in one atomic step: a
     * crash leaves the old envelope or the new one, never a mix.
     */
    public void update(Envelope envelope) throws IOException {
        requireRecovered();
        QueueId id = requireQueued(envelope.id());
        Path temporary = temporary(id, ENVELOPE);
        try {
            files.deleteIfExists(temporary); // left by an update that failed and could not clean up
            files.writeDurably(temporary, new ByteArrayInputStream(EnvelopeCodec.encode(envelope)));
            files.moveAtomically(temporary, path(id, ENVELOPE));
        } catch (IOException e) {
            try {
                files.deleteIfExists(temporary);
            } catch (IOException again) {
                e.addSuppressed(again);
            }
            throw e;
        }
        index.put(id, envelope); // the file holds the new state from here on, synced or not
        syncOf(id);
    }

    /** Deletes a message every recipient of which is delivered or bounced. */
    public synchronized void remove(Envelope finished) throws IOException {
        requireRecovered();
        if (!finished.finished()) {
            throw new IllegalArgumentException(finished.id() + " still has pending recipients");
        }
        delete(finished.id());
    }

    /**
     * Deletes a message whatever its recipients' states ({@code mxguard queue delete}): they are
     * neither delivered nor bounced. Only the writer of envelopes may (see {@link SpoolLock}).
     *
     * <p>No directory fsync, as in Postfix: a deletion that a power failure undoes brings back a
     * message already delivered, which is then delivered twice; nothing can be lost. A process
     * crash (kill -9) cannot undo it at all.
     */
    public synchronized void delete(QueueId message) throws IOException {
        requireRecovered();
        QueueId id = requireQueued(message);
        // the envelope first: a body left without one is discarded by recovery
        files.deleteIfExists(path(id, ENVELOPE));
        index.remove(id);
        files.deleteIfExists(path(id, BODY));
    }

    /**
     * Picks up complete messages that another process (e.g. {@code mxguard sendmail}) queued
     * since recovery. Read-only: it never deletes or moves a file, since what is half-written may
     * belong to a writer still at work. Synchronized with {@link #remove} so that a message being
     * removed cannot be read back in.
     *
     * @return the messages added to the index
     */
    public synchronized List<Envelope> rescan() throws IOException {
        requireRecovered();
        // Called every few seconds with the whole queue on disk: names only (no stat per file, no
        // sort of every name), so that a long queue does not make each rescan cost a sort and a stat
        // per message; only the envelopes not yet indexed are looked at further
        List<QueueId> unknown = new ArrayList<>();
        for (DirectorySync messages : directories.values()) {
            try (DirectoryStream<Path> listing = Files.newDirectoryStream(messages.directory())) {
                for (Path file : listing) {
                    idOf(file, ENVELOPE).filter(id -> !index.containsKey(id)).ifPresent(unknown::add);
                }
            }
        }
        unknown.sort(Comparator.naturalOrder());
        List<Envelope> added = new ArrayList<>();
        for (QueueId id : unknown) {
            Path file = path(id, ENVELOPE);
            if (!Files.isRegularFile(file)) {
                continue;
            }
            ids.advancePast(id);
            try {
                Envelope envelope = load(id, file);
                index.put(envelope.id(), envelope);
                added.add(envelope);
            } catch (IOException | RuntimeException e) {
                log.warn("spool {}: cannot read {} yet: {}", directory, name(file), e.toString());
            }
        }
        return added;
    }

    public Optional<Envelope> read(QueueId id) {
        return Optional.ofNullable(index.get(id));
    }

    /** How many messages are queued (without copying the index, as {@link #list} does). */
    public int size() {
        return index.size();
    }

    /** Every queued message, oldest first. */
    public List<Envelope> list() {
        return List.copyOf(index.values());
    }

    /** The body file of a queued message, for delivery to read. */
    public Path body(QueueId id) {
        return path(id, BODY);
    }

    private Envelope load(QueueId id, Path file) throws IOException {
        Envelope envelope = EnvelopeCodec.decode(Files.readAllBytes(file));
        if (!envelope.id().equals(id)) {
            throw new IOException("envelope names another id, " + envelope.id());
        }
        if (!Files.isRegularFile(path(id, BODY))) {
            throw new IOException("body " + id + BODY + " missing");
        }
        return envelope;
    }

    /**
     * Moves an unreadable envelope and its body out of the way. The body goes first: an envelope
     * left behind by a crash is quarantined again next time, while a body left alone would be
     * taken for an unacknowledged one and deleted.
     */
    private List<Path> quarantine(Optional<QueueId> id, Path envelope, Exception problem) throws IOException {
        Path corrupt = directory.resolve(CORRUPT);
        Files.createDirectories(corrupt, NioSpoolFiles.ownerOnly(corrupt, "rwx------"));
        List<Path> moved = new ArrayList<>();
        if (id.isPresent() && Files.exists(path(id.get(), BODY))) {
            moved.add(moveInto(corrupt, path(id.get(), BODY)));
        }
        moved.add(moveInto(corrupt, envelope));
        files.syncDirectory(corrupt);
        log.error("spool {}: cannot read {} ({}); moved to {} for inspection, not deleted",
                directory, name(envelope), problem.getMessage(), corrupt);
        return moved;
    }

    private Path moveInto(Path corrupt, Path file) throws IOException {
        Path target = corrupt.resolve(name(file));
        for (int n = 1; Files.exists(target); n++) {
            target = corrupt.resolve(name(file) + "." + n);
        }
        files.moveAtomically(file, target);
        return target;
    }

    /** Removes every file of a message that was not queued, envelope first, keeping {@code cause} the error to report. */
    private void discard(QueueId id, Exception cause) {
        for (Path file : List.of(path(id, ENVELOPE), temporary(id, ENVELOPE), path(id, BODY), temporary(id, BODY))) {
            try {
                files.deleteIfExists(file);
            } catch (IOException e) {
                cause.addSuppressed(e);
            }
        }
        try {
            syncOf(id);
        } catch (IOException e) {
            cause.addSuppressed(e);
        }
    }

    private QueueId requireQueued(QueueId id) {
        if (!index.containsKey(id)) {
            throw new IllegalArgumentException("not queued: " + id);
        }
        return id;
    }

    private void requireRecovered() {
        if (!recovered) {
            throw new IllegalStateException("call recover() before using the spool");
        }
    }

    private Path path(QueueId id, String suffix) {
        return messageDirectory(directory, id).resolve(id + suffix);
    }

    private Path temporary(QueueId id, String suffix) {
        return messageDirectory(directory, id).resolve(id + suffix + TEMPORARY);
    }

    /** Makes every change to the names in {@code id}'s directory durable. */
    private void syncOf(QueueId id) throws IOException {
        directories.get(shard(id)).sync();
    }

    /** The regular files in the message directories, sorted by name (so oldest first). */
    private List<Path> messageFiles() throws IOException {
        List<Path> all = new ArrayList<>();
        for (DirectorySync messages : directories.values()) {
            try (Stream<Path> listing = Files.list(messages.directory())) {
                listing.filter(Files::isRegularFile).forEach(all::add);
            }
        }
        all.sort(Comparator.comparing(Spool::name));
        return all;
    }

    private static Optional<QueueId> idOf(Path file, String suffix) {
        String name = name(file);
        if (!name.endsWith(suffix)) {
            return Optional.empty();
        }
        String id = name.substring(0, name.length() - suffix.length());
        return QueueId.isValid(id) ? Optional.of(QueueId.parse(id)) : Optional.empty();
    }

    private static String name(Path file) {
        return file.getFileName().toString();
    }
}
