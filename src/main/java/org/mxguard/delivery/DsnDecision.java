package org.mxguard.delivery;

import java.util.Optional;

/** Whether a failed delivery produces a notification, and if not, why (for the log). */
public sealed interface DsnDecision {
    /** The notification, or empty when it is suppressed. */
    Optional<DsnMessage> message();

    record Send(DsnMessage notification) implements DsnDecision {
        @Override
        public Optional<DsnMessage> message() {
            return Optional.of(notification);
        }
    }

    /** No notification; the reason is a short phrase for the log line. */
    record Suppressed(String reason) implements DsnDecision {
        @Override
        public Optional<DsnMessage> message() {
            return Optional.empty();
        }
    }
}
