package org.mxguard.queue;

import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;

/** Hands a message to its next hop (the delivery package implements it). */
@FunctionalInterface
public interface Deliverer {
    /**
     * Starts delivering {@code body} to the recipients of {@code envelope}, which are all pending and
     * all of one destination domain. Returns at once; the future completes when every recipient has
     * an outcome. It should time out by itself (the queue runner's attempt timeout is only a safety
     * net), and a recipient it leaves out of the outcome counts as deferred.
     */
    CompletableFuture<DeliveryOutcome> deliver(Envelope envelope, Path body);
}
