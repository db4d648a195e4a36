package org.mxguard.queue;

import java.util.Locale;
import java.util.Objects;

/**
 * One recipient of a queued message and how far its delivery got.
 *
 * @param address the RCPT TO address as given (no angle brackets)
 * @param status  where delivery stands
 * @param reply   the last reply heard about it: the deferral reason while pending, the remote's
 *                acceptance once delivered, the rejection once bounced; empty before any attempt
 */
public record Recipient(String address, Status status, String reply) {
    public enum Status {
        PENDING, DELIVERED, BOUNCED;

        /** Nothing more will be done for a recipient in a final state. */
        public boolean isFinal() {
            return this != PENDING;
        }

        /** The lower-case name used in the envelope file and logs. */
        public String text() {
            return name().toLowerCase(Locale.ROOT);
        }

        public static Status parse(String text) {
            return valueOf(text.toUpperCase(Locale.ROOT));
        }
    }

    public Recipient {
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(reply, "reply");
        if (address.isEmpty()) {
            throw new IllegalArgumentException("empty recipient address");
        }
    }

    public static Recipient pending(String address) {
        return new Recipient(address, Status.PENDING, "");
    }

    /**
     * The destination a recipient is delivered to, and limited by: the lower-cased domain, or ""
     * for an address without one (a local mailbox such as {@code postmaster}).
     */
    public String domain() {
        int at = address.lastIndexOf('@');
        return at < 0 ? "" : address.substring(at + 1).toLowerCase(Locale.ROOT);
    }

    public Recipient delivered(String reply) {
        return new Recipient(address, Status.DELIVERED, reply);
    }

    public Recipient bounced(String reply) {
        return new Recipient(address, Status.BOUNCED, reply);
    }

    /** Still pending, with the reason it was not delivered this time. */
    public Recipient deferred(String reply) {
        return new Recipient(address, Status.PENDING, reply);
    }

    public boolean isFinal() {
        return status.isFinal();
    }
}
