package org.mxguard.delivery;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * A message the queue gave up on, for some or all of its recipients.
 *
 * @param queueId         our queue ID of the message, for the report and the logs
 * @param envelopeSender  the MAIL FROM address; "" (or "&lt;&gt;") for the null reverse-path
 * @param arrival         when we accepted the message
 * @param recipients      what happened to each recipient; only failed ones are reported
 * @param originalHeaders the returned message's headers (never its body)
 */
public record DsnRequest(String queueId, String envelopeSender, Instant arrival, List<DsnRecipient> recipients,
        DsnOriginalHeaders originalHeaders) {
    public DsnRequest {
        if (queueId == null || queueId.isBlank()) {
            throw new IllegalArgumentException("queueId is required");
        }
        Objects.requireNonNull(envelopeSender, "envelopeSender (use \"\" for the null reverse-path)");
        Objects.requireNonNull(arrival, "arrival");
        recipients = List.copyOf(recipients);
        Objects.requireNonNull(originalHeaders, "originalHeaders (use DsnOriginalHeaders.none())");
    }

    /** The recipients the report is about. */
    public List<DsnRecipient> failedRecipients() {
        return recipients.stream().filter(r -> r.action() == DsnAction.FAILED).toList();
    }
}
