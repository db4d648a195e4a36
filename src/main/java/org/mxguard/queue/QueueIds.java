package org.mxguard.queue;

import java.time.Clock;
import java.util.concurrent.atomic.AtomicLong;
import java.util.random.RandomGenerator;

/**
 * Issues queue ids: strictly increasing within the process, even when many are asked for in one
 * millisecond or the clock steps back, and different across processes by a random node part.
 */
public final class QueueIds {
    private final Clock clock;
    private final int node;
    /** The last stamp issued; the next is greater, whatever the clock says. */
    private final AtomicLong last = new AtomicLong(-1);

    public QueueIds(Clock clock, RandomGenerator random) {
        this.clock = clock;
        this.node = random.nextInt(1 << QueueId.NODE_BITS);
    }

    public QueueId next() {
        long now = clock.millis() << QueueId.SEQUENCE_BITS;
        // past 2^20 ids in one millisecond the sequence carries into the next millisecond: still unique and ordered
        return new QueueId(last.updateAndGet(previous -> Math.max(previous + 1, now)), node);
    }

    /**
     * Makes every later id greater than {@code id}. The spool calls it with the ids found on disk at
     * start-up, so a clock set back between two runs cannot issue a name already taken.
     */
    public void advancePast(QueueId id) {
        last.accumulateAndGet(id.stamp(), Math::max);
    }
}
