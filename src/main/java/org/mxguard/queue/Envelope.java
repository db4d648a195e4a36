package org.mxguard.queue;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Everything the queue knows about one message except its body: who sent it, to whom, and how
 * delivery stands. Stored as {@code ID.env} next to the body {@code ID.eml}.
 *
 * @param id          the queue id, also the file names
 * @param sender      the MAIL FROM reverse-path without angle brackets; "" for the null reverse-path {@code <>}
 * @param recipients  in RCPT TO order, each address once, each with its own state
 * @param arrival     when the message was accepted; the queue lifetime counts from it
 * @param attempts    delivery rounds that ended with some recipient deferred; the backoff grows with it
 * @param nextAttempt when the message is next due for delivery
 * @param held        set by an administrator: a held message is kept but never delivered or expired
 * @param traceHeaders header fields the gateway puts in front of the stored body when it sends it
 *                    (Received:, Authentication-Results:), each ending in CRLF; "" for none. Kept
 *                    apart because some are known only once the body has been streamed to disk.
 */
public record Envelope(QueueId id, String sender, List<Recipient> recipients, Instant arrival,
                       int attempts, Instant nextAttempt, boolean held, String traceHeaders) {
    public Envelope {
        Objects.requireNonNull(traceHeaders, "traceHeaders");
        if (!traceHeaders.isEmpty() && !traceHeaders.endsWith("\r\n")) {
            throw new IllegalArgumentException("trace header fields must end in CRLF");
        }
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(sender, "sender");
        Objects.requireNonNull(arrival, "arrival");
        Objects.requireNonNull(nextAttempt, "nextAttempt");
        recipients = List.copyOf(recipients);
        if (recipients.isEmpty()) {
            throw new IllegalArgumentException("a message needs at least one recipient");
        }
        var addresses = new HashSet<String>();
        for (Recipient recipient : recipients) {
            if (!addresses.add(recipient.address())) {
                throw new IllegalArgumentException("recipient listed twice: " + recipient.address());
            }
        }
        if (attempts < 0) {
            throw new IllegalArgumentException("negative attempts " + attempts);
        }
        if (sender.indexOf('\r') >= 0 || sender.indexOf('\n') >= 0) {
            throw new IllegalArgumentException("line break in sender");
        }
    }

    /** A message just received: every recipient pending (a repeated RCPT TO counts once), due at once. */
    public static Envelope received(QueueId id, String sender, List<String> recipients, Instant arrival) {
        List<Recipient> pending = new LinkedHashSet<>(recipients).stream().map(Recipient::pending).toList();
        return new Envelope(id, sender, pending, arrival, 0, arrival, false, "");
    }

    public boolean isNullSender() {
        return sender.isEmpty();
    }

    public List<Recipient> pending() {
        return recipients.stream().filter(r -> !r.isFinal()).toList();
    }

    /** Every recipient delivered or bounced: the message may leave the queue. */
    public boolean finished() {
        return recipients.stream().allMatch(Recipient::isFinal);
    }

    /** The pending recipients by destination domain, in the order they were given. */
    public Map<String, List<Recipient>> pendingByDomain() {
        var byDomain = new LinkedHashMap<String, List<Recipient>>();
        for (Recipient recipient : pending()) {
            byDomain.computeIfAbsent(recipient.domain(), d -> new ArrayList<>()).add(recipient);
        }
        return byDomain;
    }

    /** This envelope with {@code changed} in place of the recipient of the same address. */
    public Envelope with(Recipient changed) {
        List<Recipient> updated = new ArrayList<>(recipients);
        for (int i = 0; i < updated.size(); i++) {
            if (updated.get(i).address().equals(changed.address())) {
                updated.set(i, changed);
                return withRecipients(updated);
            }
        }
        throw new IllegalArgumentException("not a recipient of " + id + ": " + changed.address());
    }

    /** The same message for other recipients, e.g. the part handed to one destination. */
    public Envelope withRecipients(List<Recipient> newRecipients) {
        return new Envelope(id, sender, newRecipients, arrival, attempts, nextAttempt, held, traceHeaders);
    }

    public Envelope withSchedule(int newAttempts, Instant newNextAttempt) {
        return new Envelope(id, sender, recipients, arrival, newAttempts, newNextAttempt, held, traceHeaders);
    }

    public Envelope withHeld(boolean newHeld) {
        return new Envelope(id, sender, recipients, arrival, attempts, nextAttempt, newHeld, traceHeaders);
    }

    public Envelope withTraceHeaders(String fields) {
        return new Envelope(id, sender, recipients, arrival, attempts, nextAttempt, held, fields);
    }
}
