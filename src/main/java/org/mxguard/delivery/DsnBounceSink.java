package org.mxguard.delivery;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.mxguard.queue.Bounce;
import org.mxguard.queue.BounceSink;
import org.mxguard.queue.Envelope;
import org.mxguard.queue.Recipient;
import org.mxguard.queue.Spool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells senders about the recipients the queue gave up on: builds a delivery status notification
 * ({@link DsnBuilder}) and queues it in the {@link Spool} from the null sender, durably, before
 * returning, so the queue may then mark the recipients bounced for good. What must not be answered
 * (a null sender, a bounce of a bounce) is logged and dropped.
 *
 * <p>Each recipient is reported with the reply the queue kept for it ({@link DeliveryReply}): a
 * rejection with the next hop's 5xx and its name as Remote-MTA, or ours (a null MX, a domain that
 * does not exist) with an {@code X-Mxguard} diagnostic; an expiry as 4.4.7 with the last reply.
 */
public final class DsnBounceSink implements BounceSink {
    /** Enough for any real header section; a longer one is returned cut at this length. */
    static final int MAX_HEADER_BYTES = 256 * 1024;
    /** RFC 3464 §2.3.6 diagnostic type for what we said rather than a next hop. */
    static final String OUR_DIAGNOSTIC_TYPE = "X-Mxguard";

    private static final Logger log = LoggerFactory.getLogger(DsnBounceSink.class);

    private final Spool spool;
    private final DsnBuilder builder;
    private final Clock clock;

    public DsnBounceSink(Spool spool, DsnBuilder builder, Clock clock) {
        this.spool = Objects.requireNonNull(spool, "spool");
        this.builder = Objects.requireNonNull(builder, "builder");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    @Override
    public void bounce(Bounce bounce) throws IOException {
        Envelope original = bounce.envelope();
        DsnRequest request = new DsnRequest(original.id().toString(), original.sender(), original.arrival(),
                recipients(bounce), headers(original.traceHeaders(), bounce.body()));
        switch (builder.decide(request)) {
            case DsnDecision.Suppressed s -> log.info("{}: no notification for {} ({})", original.id(),
                    addresses(bounce.recipients()), s.reason());
            case DsnDecision.Send send -> {
                DsnMessage dsn = send.notification();
                Envelope queued = spool.accept(dsn.envelopeSender(), List.of(dsn.recipient()), dsn.content());
                log.info("{}: notification {} about {} queued as {} for <{}>", original.id(), dsn.messageId(),
                        addresses(bounce.recipients()), queued.id(), dsn.recipient());
            }
        }
    }

    private List<DsnRecipient> recipients(Bounce bounce) {
        Instant now = clock.instant(); // the queue hands over right after the last attempt
        return bounce.recipients().stream().map(r -> recipient(r, bounce.reason(), now)).toList();
    }

    static DsnRecipient recipient(Recipient recipient, Bounce.Reason reason, Instant lastAttempt) {
        Optional<DeliveryReply> reply = DeliveryReply.parse(recipient.reply());
        String remoteMta = reply.flatMap(DeliveryReply::remoteHost).orElse(null);
        String diagnostic = reply.map(DsnBounceSink::diagnostic)
                .orElse(recipient.reply().isBlank() ? null : OUR_DIAGNOSTIC_TYPE + "; " + recipient.reply());
        String status = switch (reason) {
            case EXPIRED -> "4.4.7";
            // a rejection is a 5xx; anything else (a reply we cannot read) is reported as undefined
            case REJECTED -> reply.map(DeliveryReply::status).filter(s -> s.startsWith("5")).orElse("5.0.0");
        };
        return new DsnRecipient(null, recipient.address(), DsnAction.FAILED, status, remoteMta, diagnostic,
                lastAttempt);
    }

    /** {@code smtp; 550 5.1.1 ...} for a next hop's reply; ours is our words, the status has its own field. */
    private static String diagnostic(DeliveryReply reply) {
        return reply.isRemote() ? "smtp; " + reply.reply() : OUR_DIAGNOSTIC_TYPE + "; " + reply.words();
    }

    /**
     * The returned message's headers. A body that cannot be read still gets its sender a
     * notification, only without the headers (and so without the loop checks they allow: the
     * null-sender check, which matters most, needs none).
     */
    private static DsnOriginalHeaders headers(String traceHeaders, Path body) {
        try (InputStream in = SmtpBody.of(traceHeaders, body).open()) {
            return DsnOriginalHeaders.of(in.readNBytes(MAX_HEADER_BYTES));
        } catch (NoSuchFileException e) {
            log.warn("body {} is gone; the notification goes without the original headers", body);
        } catch (IOException e) {
            log.warn("cannot read {} ({}); the notification goes without the original headers", body, e.toString());
        }
        return DsnOriginalHeaders.none();
    }

    private static List<String> addresses(List<Recipient> recipients) {
        return recipients.stream().map(Recipient::address).toList();
    }
}
