package org.mxguard.queue;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.Path;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Group commit for one directory's fsync: {@link #sync} returns once a {@code syncDirectory} that
 * <em>started after {@code sync} was called</em> has completed, so every name created, renamed or
 * deleted in the directory before the call is durable. Concurrent callers share fsyncs.
 *
 * <p>Leader/follower in rounds. At most one round runs at a time; at most one more waits to start.
 * A caller always joins the waiting round (creating it if there is none), never the running one,
 * which may have started before the caller's rename. When no round is running, one caller of the
 * waiting round (the leader) starts it and runs the fsync outside the lock; everybody else in the
 * round waits for its outcome. Uncontended, a call is exactly one {@code syncDirectory}.
 *
 * <p>If a round's fsync fails, every caller of that round, and no other, gets an
 * {@link IOException}: the leader the original, the others a new one with it as the cause (each
 * caller may add its own suppressed exceptions).
 */
final class DirectorySync {
    private final SpoolFiles files;
    private final Path directory;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition finished = lock.newCondition();
    /** The round whose fsync is in progress, or null. */
    private Round running;
    /** The round that new callers join, which starts when {@link #running} finishes; or null. */
    private Round waiting;

    /** One fsync and the callers it covers. Guarded by {@link #lock}. */
    private static final class Round {
        int callers;
        boolean done;
        Throwable failure;
    }

    DirectorySync(SpoolFiles files, Path directory) {
        this.files = files;
        this.directory = directory;
    }

    Path directory() {
        return directory;
    }

    /**
     * Makes every change to the directory's entries done before this call durable.
     *
     * @throws IOException the fsync covering this call failed (or the thread was interrupted while
     *                     waiting for it: then nothing is known to be durable)
     */
    void sync() throws IOException {
        Round round;
        lock.lock();
        try {
            if (waiting == null) {
                waiting = new Round();
            }
            round = waiting;
            round.callers++;
            while (!round.done) {
                if (running == null) {
                    // lead: this round starts now, after every caller in it asked
                    running = round;
                    waiting = null;
                    break;
                }
                try {
                    finished.await();
                } catch (InterruptedException e) {
                    round.callers--;
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("interrupted waiting for fsync of " + directory);
                }
            }
            if (round.done) {
                rethrow(round.failure);
                return;
            }
        } finally {
            lock.unlock();
        }
        lead(round);
    }

    private void lead(Round round) throws IOException {
        Throwable failure = null;
        try {
            files.syncDirectory(directory);
        } catch (Throwable e) {
            failure = e;
            throw e;
        } finally {
            lock.lock();
            try {
                round.done = true;
                round.failure = failure;
                running = null;
                finished.signalAll();
            } finally {
                lock.unlock();
            }
        }
    }

    /** A follower's view of its round's failure: a fresh exception, the leader's as its cause. */
    private static void rethrow(Throwable failure) throws IOException {
        if (failure != null) {
            throw new IOException(failure.getMessage(), failure);
        }
    }

    /** Callers in the round that has not started yet, for tests. */
    int waitingCallers() {
        lock.lock();
        try {
            return waiting == null ? 0 : waiting.callers;
        } finally {
            lock.unlock();
        }
    }
}
