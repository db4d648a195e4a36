package org.mxguard.delivery;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The outcome of one {@link SmtpTransaction}: a result per recipient, in the transaction's order,
 * and the replies that concern the whole message.
 *
 * @param recipients  one per recipient of the transaction
 * @param mailReply   the reply to MAIL FROM, if it came
 * @param dataReply   the reply to the DATA command (354 when the server wanted the message), if
 *                    DATA was sent and answered
 * @param finalReply  the reply after the message's final {@code .}, if it came
 * @param failure     what went wrong other than a reply: a lost connection, a timeout, a
 *                    malformed reply, a message larger than the server's SIZE
 */
public record SmtpTransactionResult(
        List<SmtpRecipientResult> recipients,
        Optional<SmtpReply> mailReply,
        Optional<SmtpReply> dataReply,
        Optional<SmtpReply> finalReply,
        Optional<String> failure) {

    public SmtpTransactionResult {
        recipients = List.copyOf(recipients);
        Objects.requireNonNull(mailReply, "mailReply");
        Objects.requireNonNull(dataReply, "dataReply");
        Objects.requireNonNull(finalReply, "finalReply");
        Objects.requireNonNull(failure, "failure");
    }

    /** The result for {@code address}, the first if it was given twice. */
    public SmtpRecipientResult recipient(String address) {
        return recipients.stream().filter(r -> r.recipient().equals(address)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("not a recipient of this transaction: " + address));
    }

    public List<SmtpRecipientResult> delivered() {
        return recipients.stream().filter(SmtpRecipientResult::delivered).toList();
    }

    public boolean allDelivered() {
        return recipients.stream().allMatch(SmtpRecipientResult::delivered);
    }
}
