package org.mxguard.queue;

import java.io.IOException;

/** Takes the recipients the queue gives up on (DSN generation implements it later). */
@FunctionalInterface
public interface BounceSink {
    /**
     * Takes responsibility for telling the sender, e.g. by queueing a DSN; returns only once that
     * is durable, since the queue then marks the recipients bounced for good. Nothing may be sent to
     * the null reverse-path ({@link Envelope#isNullSender}, RFC 5321 §4.5.5): the sink logs and drops
     * those. When it throws, the recipients stay queued and are handed over again later.
     */
    void bounce(Bounce bounce) throws IOException;
}
