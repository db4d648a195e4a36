package org.mxguard.dns;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * At most {@code max} asynchronous tasks under way at once; the others wait their turn, first come
 * first served. A resolver has a limit of its own (Unbound: num-queries-per-thread, 512 or 1024)
 * past which it drops or refuses queries, and a burst beyond it (a cold cache under a flood of
 * connections, an audit of a domain with fifty MX hosts) would turn into temporary failures
 * instead of answers a few milliseconds later.
 */
final class InFlightLimit {
    private final int max;
    private final Deque<Runnable> waiting = new ArrayDeque<>();
    private int running;

    InFlightLimit(int max) {
        if (max < 1) {
            throw new IllegalArgumentException("max must be at least 1");
        }
        this.max = max;
    }

    /** Starts {@code task} now or when a running one completes; its result, either way. */
    <T> CompletableFuture<T> submit(Supplier<CompletableFuture<T>> task) {
        CompletableFuture<T> result = new CompletableFuture<>();
        Runnable start = () -> {
            CompletableFuture<T> started;
            try {
                started = task.get();
            } catch (RuntimeException e) {
                started = CompletableFuture.failedFuture(e);
            }
            started.whenComplete((value, error) -> {
                release();
                if (error != null) {
                    result.completeExceptionally(error);
                } else {
                    result.complete(value);
                }
            });
        };
        boolean now;
        synchronized (this) {
            now = running < max;
            if (now) {
                running++;
            } else {
                waiting.add(start);
            }
        }
        if (now) {
            start.run();
        }
        return result;
    }

    private void release() {
        Runnable next;
        synchronized (this) {
            next = waiting.poll();
            if (next == null) {
                running--;
            }
        }
        if (next != null) {
            // its slot is the one just freed; a task that completed while starting would recurse
            // here, which network I/O never does
            next.run();
        }
    }

    /** Tasks under way now (for tests). */
    synchronized int running() {
        return running;
    }

    /** Tasks waiting for a slot (for tests). */
    synchronized int waiting() {
        return waiting.size();
    }
}
