package org.mxguard.delivery;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Idle sessions kept for the next transaction to the same server from the same source address,
 * which saves the connect, greeting, EHLO and TLS handshake (Postfix's connection cache).
 *
 * <p>A delivery {@link #take}s a session (or connects when there is none), sends, and
 * {@link #offer}s it back. A session is kept only while it is in step with the server (no lost
 * connection, timeout, malformed reply or 421 in its last transaction), has carried fewer than
 * {@code maxTransactions}, and has been idle less than {@code maxIdle}; servers drop idle clients
 * on their own after a while (RFC 5321 §4.5.3.2.7 allows 5 minutes), and a taken session is
 * checked with RSET first. Expired sessions are closed whenever the cache is used, or by
 * {@link #closeExpired()}. Thread-safe; network I/O happens outside the lock.
 */
public final class SmtpConnectionCache implements AutoCloseable {
    private final Duration maxIdle;
    private final int maxTransactions;
    private final Clock clock;
    private final ReentrantLock lock = new ReentrantLock();
    private final Map<Key, Deque<Idle>> idle = new HashMap<>();
    private boolean closed;

    private record Key(InetSocketAddress target, InetAddress source) {
    }

    private record Idle(SmtpConnection connection, Instant since) {
    }

    /**
     * @param maxIdle         how long a session may wait for its next transaction (Postfix: 2 s)
     * @param maxTransactions how many transactions one session may carry
     * @param clock           when sessions went idle, and when that was too long ago
     */
    public SmtpConnectionCache(Duration maxIdle, int maxTransactions, Clock clock) {
        if (maxIdle.isNegative() || maxIdle.isZero()) {
            throw new IllegalArgumentException("maxIdle must be positive: " + maxIdle);
        }
        if (maxTransactions < 1) {
            throw new IllegalArgumentException("maxTransactions must be at least 1: " + maxTransactions);
        }
        this.maxIdle = maxIdle;
        this.maxTransactions = maxTransactions;
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /**
     * An idle session to {@code target} from {@code source} (null: the system's choice) that
     * answered RSET, the most recently used first; empty when there is none.
     */
    public Optional<SmtpConnection> take(InetSocketAddress target, InetAddress source) {
        Key key = new Key(target, source);
        while (true) {
            List<SmtpConnection> expired;
            Idle candidate;
            lock.lock();
            try {
                expired = removeExpired();
                Deque<Idle> sessions = idle.get(key);
                candidate = sessions == null ? null : sessions.pollFirst();
                if (sessions != null && sessions.isEmpty()) {
                    idle.remove(key);
                }
            } finally {
                lock.unlock();
            }
            expired.forEach(SmtpConnection::close);
            if (candidate == null) {
                return Optional.empty();
            }
            if (candidate.connection().reset()) {
                return Optional.of(candidate.connection());
            }
            candidate.connection().close();
        }
    }

    /** Keeps the session for reuse when it is fit for it, else closes it (with QUIT if possible). */
    public void offer(SmtpConnection connection) {
        if (!connection.isUsable() || connection.transactions() >= maxTransactions) {
            connection.close();
            return;
        }
        List<SmtpConnection> expired;
        boolean kept = false;
        lock.lock();
        try {
            expired = removeExpired();
            if (!closed) {
                Key key = new Key(connection.target(), connection.source().orElse(null));
                idle.computeIfAbsent(key, k -> new ArrayDeque<>()).addFirst(new Idle(connection, clock.instant()));
                kept = true;
            }
        } finally {
            lock.unlock();
        }
        expired.forEach(SmtpConnection::close);
        if (!kept) {
            connection.close();
        }
    }

    /** Closes the sessions idle for {@code maxIdle} or longer; returns how many. */
    public int closeExpired() {
        List<SmtpConnection> expired;
        lock.lock();
        try {
            expired = removeExpired();
        } finally {
            lock.unlock();
        }
        expired.forEach(SmtpConnection::close);
        return expired.size();
    }

    /** Sessions waiting for reuse. */
    public int idleCount() {
        lock.lock();
        try {
            return idle.values().stream().mapToInt(Deque::size).sum();
        } finally {
            lock.unlock();
        }
    }

    /** Closes every idle session; sessions offered later are closed at once. */
    @Override
    public void close() {
        List<SmtpConnection> all = new ArrayList<>();
        lock.lock();
        try {
            closed = true;
            idle.values().forEach(sessions -> sessions.forEach(s -> all.add(s.connection())));
            idle.clear();
        } finally {
            lock.unlock();
        }
        all.forEach(SmtpConnection::close);
    }

    /** Under the lock: takes out the sessions idle too long, for the caller to close outside it. */
    private List<SmtpConnection> removeExpired() {
        Instant oldestKept = clock.instant().minus(maxIdle);
        List<SmtpConnection> expired = new ArrayList<>();
        for (Iterator<Deque<Idle>> it = idle.values().iterator(); it.hasNext(); ) {
            Deque<Idle> sessions = it.next();
            sessions.removeIf(s -> {
                boolean old = !s.since().isAfter(oldestKept);
                if (old) {
                    expired.add(s.connection());
                }
                return old;
            });
            if (sessions.isEmpty()) {
                it.remove();
            }
        }
        return expired;
    }
}
