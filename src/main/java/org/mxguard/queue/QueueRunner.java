package org.mxguard.queue;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.NavigableSet;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers what is in the spool: picks due messages oldest first, hands each destination domain's
 * recipients to the {@link Deliverer} within that destination's concurrency limit, saves every
 * outcome in the envelope, schedules deferred messages by the {@link Backoff}, and gives what
 * bounced or expired to the {@link BounceSink}.
 *
 * <p>One <em>round</em> is one message's attempt at all the destinations that had a free slot. The
 * message is not handed out again until its round ends, which happens when the last of those
 * destinations answers. A delivered or bounced recipient is saved at once, so that a crash does not
 * deliver it twice; the schedule is saved at the end of the round.
 *
 * <p>{@link #runOnce} makes one pass and is what tests call; {@link #start} runs passes on a
 * virtual thread every scan interval, or sooner after {@link #wakeUp}. Between passes, new mail
 * starts through {@link #offer}, and a destination's freed slot goes to the oldest message waiting
 * for it, so that a deep queue drains as fast as its destinations take mail without a pass over
 * the whole queue for every message.
 */
public final class QueueRunner implements AutoCloseable {
    /**
     * @param scanInterval   time between passes when nothing wakes the runner
     * @param attemptTimeout an attempt still unanswered after this counts as deferred and frees its
     *                       slot; a safety net behind the deliverer's own SMTP timeouts
     */
    public record Settings(Duration scanInterval, Duration attemptTimeout) {
        public static final Settings DEFAULT = new Settings(Duration.ofSeconds(1), Duration.ofHours(2));
    }

    public static final String TIMED_OUT = "451 4.4.7 delivery attempt timed out";

    private static final Logger log = LoggerFactory.getLogger(QueueRunner.class);

    private final Spool spool;
    private final Backoff backoff;
    private final DestinationLimiter limiter;
    private final Clock clock;
    private final Deliverer deliverer;
    private final BounceSink bounces;
    /** Where outcomes are saved; the deliverer's threads and the timeout timer are not held up by fsync. */
    private final Executor outcomes;
    private final Settings settings;

    private final Map<QueueId, Round> rounds = new ConcurrentHashMap<>();
    /**
     * Per destination, the messages that found it full, oldest first; guarded by the pass lock. Only
     * a hint: whoever takes one checks that it is still queued, due and not in a round.
     */
    private final Map<String, NavigableSet<QueueId>> waiting = new HashMap<>();
    /** Messages whose new state could not be saved: not handed out again before then, or they would be redelivered in a loop. */
    private final Map<QueueId, Instant> notBefore = new ConcurrentHashMap<>();
    private final Object passLock = new Object();
    private final Semaphore wake = new Semaphore(0);
    private volatile boolean running;
    private Thread scanner;

    /** For production: outcomes are saved on virtual threads. */
    public QueueRunner(Spool spool, Backoff backoff, DestinationLimiter limiter, Clock clock,
                       Deliverer deliverer, BounceSink bounces, Settings settings) {
        this(spool, backoff, limiter, clock, deliverer, bounces, settings,
                task -> Thread.ofVirtual().name("queue-outcome").start(task));
    }

    /** @param outcomes runs the saving of each outcome; {@code Runnable::run} makes tests deterministic */
    public QueueRunner(Spool spool, Backoff backoff, DestinationLimiter limiter, Clock clock,
                       Deliverer deliverer, BounceSink bounces, Settings settings, Executor outcomes) {
        this.spool = spool;
        this.backoff = backoff;
        this.limiter = limiter;
        this.clock = clock;
        this.deliverer = deliverer;
        this.bounces = bounces;
        this.settings = settings;
        this.outcomes = outcomes;
    }

    /** One pass over the queue at {@code now}; returns how many deliveries it started. */
    public int runOnce(Instant now) {
        synchronized (passLock) {
            int started = 0;
            // Destinations found full in this pass. A slot that frees while the pass is further down
            // the queue must not go to a younger message: the messages skipped here wait in their
            // destination's line, and a freed slot goes to the oldest of them (slotFreed).
            Set<String> full = new HashSet<>();
            for (Envelope listed : spool.list()) {
                if (isDue(listed, now) && !rounds.containsKey(listed.id()) && !waitsOnly(listed, full)) {
                    started += startRound(listed.id(), now, full);
                }
            }
            return started;
        }
    }

    /**
     * A message just queued: it starts at once where its destinations have a free slot, and
     * otherwise waits in their lines behind older mail. Cheaper than {@link #wakeUp}, which passes
     * over the whole queue.
     */
    public void offer(QueueId id) {
        if (Thread.holdsLock(passLock)) {
            wakeUp(); // a pass is under way on this thread; the next one takes it
            return;
        }
        synchronized (passLock) {
            Instant now = clock.instant();
            Optional<Envelope> envelope = spool.read(id);
            if (envelope.isPresent() && isDue(envelope.get(), now) && !rounds.containsKey(id)) {
                startRound(id, now, new HashSet<>());
            }
        }
    }

    /**
     * A delivery to {@code destination} ended and its slot is free: the oldest message waiting for
     * it starts now, not at the next scan. Without this a queue deeper than the limit would drain at
     * one limit's worth per scan interval.
     */
    private void slotFreed(String destination) {
        if (Thread.holdsLock(passLock)) {
            wakeUp(); // completed synchronously inside a pass (tests' direct executor): the next pass hands it out
            return;
        }
        synchronized (passLock) {
            NavigableSet<QueueId> line = waiting.get(destination);
            Instant now = clock.instant();
            while (line != null && limiter.inUse(destination) < limiter.limit(destination)) {
                QueueId id = line.pollFirst();
                if (id == null) {
                    break;
                }
                Optional<Envelope> envelope = spool.read(id);
                if (envelope.isPresent() && isDue(envelope.get(), now) && !rounds.containsKey(id)) {
                    startRound(id, now, new HashSet<>());
                }
            }
            if (line != null && line.isEmpty()) {
                waiting.remove(destination);
            }
        }
    }

    /** What became of an administrator's request. */
    public enum Applied {
        DONE,
        /** Not yet: the message is being delivered, and the end of its round will save its envelope. Ask again later. */
        IN_FLIGHT,
        NOT_QUEUED
    }

    /**
     * Applies an administrator's change to the runner's own view of the spool, so that no later save
     * of the runner undoes it. A message in flight is left alone ({@link Applied#IN_FLIGHT}; ask
     * again after its round): the round holds its own copy of the envelope and saves it at the end.
     * A flush of a message in flight is done already: it asks for the attempt under way. No round
     * starts meanwhile.
     */
    public Applied apply(QueueRequest request) throws IOException {
        synchronized (passLock) {
            Instant now = clock.instant();
            if (request.message().isPresent()) {
                return change(request.message().get(), request.action(), now);
            }
            for (Envelope envelope : spool.list()) {
                change(envelope.id(), request.action(), now);
            }
            return Applied.DONE;
        }
    }

    public Applied hold(QueueId id) throws IOException {
        return apply(new QueueRequest(QueueRequest.Action.HOLD, id));
    }

    public Applied release(QueueId id) throws IOException {
        return apply(new QueueRequest(QueueRequest.Action.RELEASE, id));
    }

    public Applied flush(QueueId id) throws IOException {
        return apply(new QueueRequest(QueueRequest.Action.FLUSH, id));
    }

    public Applied flushAll() throws IOException {
        return apply(QueueRequest.flushAll());
    }

    /** Deletes a message, its pending recipients neither delivered nor bounced. */
    public Applied delete(QueueId id) throws IOException {
        return apply(new QueueRequest(QueueRequest.Action.DELETE, id));
    }

    /** Called holding the pass lock: no round of {@code id} can start; one under way can only end. */
    private Applied change(QueueId id, QueueRequest.Action action, Instant now) throws IOException {
        if (rounds.containsKey(id)) {
            return action == QueueRequest.Action.FLUSH ? Applied.DONE : Applied.IN_FLIGHT;
        }
        Optional<Envelope> envelope = spool.read(id);
        if (envelope.isEmpty()) {
            return Applied.NOT_QUEUED;
        }
        Optional<Envelope> changed = action.applyTo(envelope.get(), now);
        if (changed.isEmpty()) {
            spool.delete(id);
            notBefore.remove(id);
        } else if (!changed.get().equals(envelope.get())) {
            spool.update(changed.get());
        }
        if (changed.isPresent() && isDue(changed.get(), now)) {
            wakeUp();
        }
        return Applied.DONE;
    }

    /** Messages being delivered right now. */
    public int activeRounds() {
        return rounds.size();
    }

    public synchronized void start() {
        if (scanner != null) {
            throw new IllegalStateException("already started");
        }
        running = true;
        scanner = Thread.ofVirtual().name("queue-runner").start(this::scan);
    }

    /** Asks for a pass now, e.g. after a message was accepted. */
    public void wakeUp() {
        wake.release();
    }

    /**
     * Stops making passes. Deliveries under way go on and their outcomes are still saved; what a
     * crash interrupts is picked up again from the envelopes on the next start.
     */
    public void stop() throws InterruptedException {
        Thread stopping;
        synchronized (this) {
            running = false;
            stopping = scanner;
            scanner = null;
        }
        wake.release();
        if (stopping != null) {
            stopping.join();
        }
    }

    @Override
    public void close() {
        try {
            stop();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void scan() {
        while (running) {
            try {
                runOnce(clock.instant());
            } catch (RuntimeException e) {
                log.error("queue pass failed", e);
            }
            try {
                wake.tryAcquire(settings.scanInterval().toMillis(), TimeUnit.MILLISECONDS);
                wake.drainPermits();
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /**
     * Every destination the message still has is full in this pass: it joins their lines instead of
     * starting a round. A finished message has none, and is due for removal.
     */
    private boolean waitsOnly(Envelope envelope, Set<String> full) {
        if (full.isEmpty()) {
            return false;
        }
        List<String> destinations = new ArrayList<>(1);
        for (Recipient recipient : envelope.recipients()) {
            if (!recipient.isFinal()) {
                String domain = recipient.domain();
                if (!full.contains(domain)) {
                    return false;
                }
                destinations.add(domain);
            }
        }
        destinations.forEach(domain -> waitFor(domain, envelope.id()));
        return !destinations.isEmpty();
    }

    private void waitFor(String destination, QueueId id) {
        waiting.computeIfAbsent(destination, d -> new TreeSet<>()).add(id);
    }

    private boolean isDue(Envelope envelope, Instant now) {
        Instant blocked = notBefore.get(envelope.id());
        return !envelope.held() && !envelope.nextAttempt().isAfter(now) && (blocked == null || !now.isBefore(blocked));
    }

    private int startRound(QueueId id, Instant now, Set<String> full) {
        Round round = new Round();
        if (rounds.putIfAbsent(id, round) != null) {
            return 0;
        }
        // read again: the listing may predate the end of this message's previous round
        Envelope envelope = spool.read(id).orElse(null);
        if (envelope == null || !isDue(envelope, now)) {
            rounds.remove(id, round);
            return 0;
        }
        round.envelope = envelope;
        // nothing pending: an earlier run saved the last outcome but stopped before removing it
        round.attempted = envelope.finished();
        Path body = spool.body(id);
        int started = 0;
        for (Map.Entry<String, List<Recipient>> destination : envelope.pendingByDomain().entrySet()) {
            String domain = destination.getKey();
            if (full.contains(domain) || !limiter.tryAcquire(domain)) {
                full.add(domain);
                waitFor(domain, id);
                continue; // busy: these recipients wait in the destination's line, the other destinations go on
            }
            synchronized (round) {
                round.outstanding++;
                round.attempted = true;
            }
            Envelope part = envelope.withRecipients(destination.getValue());
            attempt(part, body).whenCompleteAsync((outcome, failure) -> {
                try {
                    completed(round, part, outcome, failure);
                } finally {
                    // only once the outcome is saved: a slot covers the time a delivery can still be
                    // repeated by a crash, so no more than the limit can ever arrive twice
                    limiter.release(domain);
                }
                slotFreed(domain);
            }, outcomes);
            started++;
        }
        synchronized (round) {
            endIfLast(round); // the dispatcher's own share: the round cannot end while it is still handing out
        }
        return started;
    }

    private CompletableFuture<DeliveryOutcome> attempt(Envelope part, Path body) {
        CompletableFuture<DeliveryOutcome> attempt;
        try {
            // a dependent future, so that the timeout below does not complete the deliverer's own
            attempt = deliverer.deliver(part, body)
                    .thenApply(outcome -> Objects.requireNonNull(outcome, "the deliverer completed without an outcome"));
        } catch (RuntimeException e) {
            attempt = CompletableFuture.failedFuture(e);
        }
        return attempt.orTimeout(settings.attemptTimeout().toMillis(), TimeUnit.MILLISECONDS);
    }

    private void completed(Round round, Envelope part, DeliveryOutcome outcome, Throwable failure) {
        synchronized (round) {
            boolean settled = false;
            List<Recipient> rejected = new ArrayList<>();
            for (Recipient recipient : part.recipients()) {
                RecipientOutcome result = failure == null
                        ? outcome.of(recipient.address())
                        : new RecipientOutcome.Deferred(describe(failure));
                switch (result) {
                    case RecipientOutcome.Delivered d -> {
                        round.envelope = round.envelope.with(recipient.delivered(d.reply()));
                        settled = true;
                    }
                    case RecipientOutcome.Deferred d -> {
                        round.envelope = round.envelope.with(recipient.deferred(d.reply()));
                        round.deferred = true;
                    }
                    case RecipientOutcome.Bounced b -> rejected.add(recipient.bounced(b.reply()));
                }
            }
            if (!rejected.isEmpty()) {
                settled |= handOver(round, rejected, Bounce.Reason.REJECTED);
            }
            if (!endIfLast(round) && settled) {
                save(round); // final states now, so that a crash before the round ends does not deliver twice
            }
        }
    }

    /** Gives up on {@code failed} through the bounce sink; only once it has taken them are they bounced. */
    private boolean handOver(Round round, List<Recipient> failed, Bounce.Reason reason) {
        try {
            bounces.bounce(new Bounce(round.envelope, spool.body(round.envelope.id()), failed, reason));
        } catch (IOException | RuntimeException e) {
            log.warn("bounce of {} not taken ({}); its recipients stay queued", round.envelope.id(), e.toString());
            for (Recipient recipient : failed) {
                round.envelope = round.envelope.with(recipient.deferred(recipient.reply()));
            }
            round.deferred = true;
            return false;
        }
        for (Recipient recipient : failed) {
            round.envelope = round.envelope.with(recipient.bounced(recipient.reply()));
        }
        return true;
    }

    /** Counts one share of the round as done; the last one saves the result. Called holding the round. */
    private boolean endIfLast(Round round) {
        if (--round.outstanding > 0) {
            return false;
        }
        QueueId id = round.envelope.id();
        try {
            if (round.attempted) {
                finish(round);
            }
            notBefore.remove(id);
        } catch (IOException | RuntimeException e) {
            Instant retry = clock.instant().plus(backoff.minimum());
            notBefore.put(id, retry);
            log.error("cannot save the delivery state of {}; not trying it again before {}", id, retry, e);
        } finally {
            rounds.remove(id, round);
        }
        return true;
    }

    private void finish(Round round) throws IOException {
        Instant now = clock.instant();
        if (!round.envelope.finished() && backoff.expired(round.envelope.arrival(), now)) {
            handOver(round, round.envelope.pending(), Bounce.Reason.EXPIRED);
        }
        Envelope envelope = round.envelope;
        if (envelope.finished()) {
            spool.remove(envelope);
            return;
        }
        if (round.deferred) {
            int attempts = envelope.attempts() + 1;
            envelope = envelope.withSchedule(attempts, backoff.nextAttempt(envelope.arrival(), attempts, now));
        }
        // not deferred but still pending: some destination had no free slot, and the message stays due
        spool.update(envelope);
    }

    private void save(Round round) {
        try {
            spool.update(round.envelope);
        } catch (IOException | RuntimeException e) {
            log.warn("cannot save the delivery state of {} yet ({}); trying again at the end of its round",
                    round.envelope.id(), e.toString());
        }
    }

    private static String describe(Throwable failure) {
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
        return cause instanceof TimeoutException ? TIMED_OUT : "451 4.4.0 delivery failed: " + cause;
    }

    /** One message's round; guarded by its own monitor. */
    private static final class Round {
        Envelope envelope;
        /** Attempts not yet answered, plus one held by the pass while it is still handing out. */
        int outstanding = 1;
        boolean attempted;
        boolean deferred;
    }
}
