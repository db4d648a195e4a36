package org.mxguard.queue;

import java.util.Objects;

/** What one delivery attempt did for one recipient, with the reply that says so. */
public sealed interface RecipientOutcome {
    String reply();

    /** The next hop took responsibility (2xx after DATA). */
    record Delivered(String reply) implements RecipientOutcome {
        public Delivered {
            Objects.requireNonNull(reply, "reply");
        }
    }

    /** Try again later (4xx, no answer, connection failure). */
    record Deferred(String reply) implements RecipientOutcome {
        public Deferred {
            Objects.requireNonNull(reply, "reply");
        }
    }

    /** Permanently refused (5xx): the sender gets a bounce. */
    record Bounced(String reply) implements RecipientOutcome {
        public Bounced {
            Objects.requireNonNull(reply, "reply");
        }
    }
}
