package org.mxguard.delivery;

import java.util.Objects;
import java.util.Optional;

/**
 * What became of one recipient in one transaction.
 *
 * @param recipient the address as given in the transaction
 * @param outcome   delivered, try again later, or give up
 * @param status    the RFC 3463 status for logs and DSNs: the server's enhanced code, the
 *                  reply's class ({@code 5.0.0}) when it sent none, or ours for what happened here
 *                  ({@code 4.4.2} lost connection or timeout, {@code 5.3.4} too big for the server)
 * @param reply     the server's reply that decided the outcome (to MAIL, to this RCPT, to DATA or
 *                  after the message); empty when nothing the server said decided it
 * @param detail    one line saying why: the deciding reply as sent, or what happened here
 * @param rcptReply the server's reply to this recipient's RCPT TO, if one came
 */
public record SmtpRecipientResult(
        String recipient,
        Outcome outcome,
        String status,
        Optional<SmtpReply> reply,
        String detail,
        Optional<SmtpReply> rcptReply) {

    public enum Outcome {
        /** The server took responsibility for the message (2xx after the data). */
        DELIVERED,
        /** Not delivered; try again later: a 4xx, a lost connection, a timeout. */
        TRANSIENT,
        /** Not delivered and it would fail again: a 5xx, a message too big for the server. */
        PERMANENT
    }

    public SmtpRecipientResult {
        Objects.requireNonNull(recipient, "recipient");
        Objects.requireNonNull(outcome, "outcome");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(reply, "reply");
        Objects.requireNonNull(detail, "detail");
        Objects.requireNonNull(rcptReply, "rcptReply");
    }

    /** Decided by a reply of the server: 2xx delivered, 5xx permanent, anything else transient. */
    static SmtpRecipientResult decidedBy(String recipient, SmtpReply reply, Optional<SmtpReply> rcptReply) {
        Outcome outcome = reply.isPositive() ? Outcome.DELIVERED
                : reply.isPermanent() ? Outcome.PERMANENT : Outcome.TRANSIENT;
        String status = outcome == Outcome.TRANSIENT && !reply.isTransient() ? "4.5.0" : reply.status();
        return new SmtpRecipientResult(recipient, outcome, status, Optional.of(reply), reply.toString(), rcptReply);
    }

    /** Decided by something that happened on our side of the conversation. */
    static SmtpRecipientResult decidedHere(String recipient, Outcome outcome, String status, String detail,
            Optional<SmtpReply> rcptReply) {
        return new SmtpRecipientResult(recipient, outcome, status, Optional.empty(), detail, rcptReply);
    }

    public boolean delivered() {
        return outcome == Outcome.DELIVERED;
    }
}
