package org.mxguard.queue;

import java.nio.file.Path;
import java.util.List;

/**
 * Recipients the queue gives up on, for a delivery status notification to the sender.
 *
 * @param envelope   the message as queued (sender, id, arrival)
 * @param body       its body file, for the DSN to quote the headers
 * @param recipients the failed recipients, each with the last reply heard about it
 * @param reason     why the queue gave up
 */
public record Bounce(Envelope envelope, Path body, List<Recipient> recipients, Reason reason) {
    public enum Reason {
        /** The next hop refused them permanently. */
        REJECTED,
        /** They were still deferred when the message's queue lifetime ran out. */
        EXPIRED
    }

    public Bounce {
        recipients = List.copyOf(recipients);
    }
}
