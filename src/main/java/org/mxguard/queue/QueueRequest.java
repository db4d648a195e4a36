package org.mxguard.queue;

import java.time.Instant;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * An administrator's change to the queue ({@code mxguard queue hold|release|flush|delete}), as the
 * running server is asked to make it: see {@link SpoolRequests}.
 *
 * @param action  what to do
 * @param message the message to do it to; empty for every message, which only {@link Action#FLUSH} allows
 */
public record QueueRequest(Action action, Optional<QueueId> message) {
    public enum Action {
        HOLD, RELEASE, FLUSH, DELETE;

        /** The command's name, also the first part of a request's file name. */
        public String word() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** The message after this action at {@code now}; empty for {@link #DELETE}. */
        Optional<Envelope> applyTo(Envelope envelope, Instant now) {
            return switch (this) {
                case HOLD -> Optional.of(envelope.withHeld(true));
                case RELEASE -> Optional.of(envelope.withHeld(false));
                // the attempt count stays, and with it the back-off after the next failure
                case FLUSH -> Optional.of(envelope.nextAttempt().isAfter(now) ? envelope.withSchedule(envelope.attempts(), now) : envelope);
                case DELETE -> Optional.empty();
            };
        }
    }

    public QueueRequest {
        Objects.requireNonNull(action, "action");
        Objects.requireNonNull(message, "message");
        if (message.isEmpty() && action != Action.FLUSH) {
            throw new IllegalArgumentException(action.word() + " needs a message");
        }
    }

    public QueueRequest(Action action, QueueId message) {
        this(action, Optional.of(message));
    }

    /** Flush every message. */
    public static QueueRequest flushAll() {
        return new QueueRequest(Action.FLUSH, Optional.empty());
    }
}
