package org.mxguard.delivery;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.mxguard.delivery.SmtpConnectResult.Stage;
import org.mxguard.queue.Deliverer;
import org.mxguard.queue.DeliveryOutcome;
import org.mxguard.queue.Envelope;
import org.mxguard.queue.Recipient;
import org.mxguard.queue.RecipientOutcome;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers one destination domain's share of a queued message over SMTP: routes the domain, then
 * tries the route's attempts in order until every recipient has an answer.
 *
 * <p>When to go on to the next host (RFC 5321 §5.1 says to try the next one "if the SMTP client
 * cannot establish a connection ... or the SMTP server returns a transient failure"; Postfix
 * refines it the same way):
 * <ul>
 * <li>no connection, no greeting, a refused or 4xx/5xx greeting or EHLO, a 4xx to MAIL, to DATA or
 *     after the message, a 421 anywhere, a lost or timed-out session: a fault of that host, so the
 *     undelivered recipients go to the next one;</li>
 * <li>a 4xx to RCPT: the domain's mail system judged that recipient (greylisting, a full mailbox,
 *     a rate limit), and a backup MX would only queue it in turn or say the same; the recipient is
 *     deferred and retried later by the queue, from the best host again;</li>
 * <li>any 5xx after the greeting: bounced, no other host is asked;</li>
 * <li>a 2xx after the message's final dot: delivered. Nothing else ever counts as delivered.</li>
 * </ul>
 * Like Postfix ({@code smtp_mx_address_limit}, {@code smtp_mx_session_limit}) it tries at most
 * {@link Settings#maxAddresses} addresses and {@link Settings#maxSessions} sessions that got past
 * EHLO per delivery; what is still undelivered then is deferred with the last reply heard.
 *
 * <p>Each connection leaves from the first {@link EgressPool} address of the target's family that
 * is up, or from the address the system chooses when no egress is configured. An egress whose
 * address cannot be bound (or whose network is unreachable) is marked down for
 * {@link Settings#egressDownTime} and the same host is tried from the next one.
 */
public final class SmtpDeliverer implements Deliverer {
    /**
     * @param maxAddresses   addresses tried per delivery (Postfix: 5)
     * @param maxSessions    sessions past EHLO per delivery (Postfix: 2)
     * @param egressDownTime how long an egress address that could not be used is left out
     */
    public record Settings(int maxAddresses, int maxSessions, Duration egressDownTime) {
        public static final Settings DEFAULT = new Settings(5, 2, Duration.ofMinutes(1));

        public Settings {
            if (maxAddresses < 1 || maxSessions < 1 || egressDownTime.isNegative() || egressDownTime.isZero()) {
                throw new IllegalArgumentException("limits must be at least 1 and the down time positive");
            }
        }
    }

    private static final Logger log = LoggerFactory.getLogger(SmtpDeliverer.class);

    private final Router router;
    private final SmtpClient client;
    private final SmtpConnectionCache cache;
    private final Optional<EgressPool> egresses;
    private final String heloName;
    private final Clock clock;
    private final Settings settings;
    private final Executor sessions;

    /** For production: each delivery's SMTP conversation runs on a virtual thread of its own. */
    public SmtpDeliverer(Router router, SmtpClient client, SmtpConnectionCache cache, Optional<EgressPool> egresses,
            String heloName, Clock clock, Settings settings) {
        this(router, client, cache, egresses, heloName, clock, settings,
                task -> Thread.ofVirtual().name("smtp-delivery").start(task));
    }

    /**
     * @param egresses the source addresses; empty lets the system choose and says {@code heloName}
     * @param heloName the EHLO name when no egress is configured
     * @param sessions runs the blocking SMTP conversations
     */
    public SmtpDeliverer(Router router, SmtpClient client, SmtpConnectionCache cache, Optional<EgressPool> egresses,
            String heloName, Clock clock, Settings settings, Executor sessions) {
        this.router = Objects.requireNonNull(router, "router");
        this.client = Objects.requireNonNull(client, "client");
        this.cache = Objects.requireNonNull(cache, "cache");
        this.egresses = Objects.requireNonNull(egresses, "egresses");
        this.heloName = Objects.requireNonNull(heloName, "heloName");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.sessions = Objects.requireNonNull(sessions, "sessions");
    }

    @Override
    public CompletableFuture<DeliveryOutcome> deliver(Envelope envelope, Path body) {
        String domain = envelope.recipients().getFirst().domain();
        if (domain.isEmpty()) {
            // "postmaster" without a domain: a gateway has no mailboxes of its own to put it in
            return CompletableFuture.completedFuture(all(envelope, new RecipientOutcome.Bounced(
                    DeliveryReply.ours("5.1.3", "recipient address has no domain to route to").toString())));
        }
        CompletableFuture<DeliveryOutcome> outcome;
        try {
            outcome = router.route(domain).thenCompose(route -> switch (route) {
                case Route.Bounce b -> CompletableFuture.completedFuture(all(envelope,
                        new RecipientOutcome.Bounced(DeliveryReply.ours(b.enhancedCode(), b.text()).toString())));
                case Route.Defer d -> CompletableFuture.completedFuture(all(envelope,
                        new RecipientOutcome.Deferred(DeliveryReply.ours(d.enhancedCode(), d.text()).toString())));
                case Route.Deliver d -> CompletableFuture.supplyAsync(() -> new Delivery(envelope, body, d).run(), sessions);
            });
        } catch (RuntimeException e) {
            outcome = CompletableFuture.failedFuture(e);
        }
        return outcome.exceptionally(failure -> {
            log.error("{}: delivery to {} failed", envelope.id(), domain, failure);
            return all(envelope, new RecipientOutcome.Deferred(
                    DeliveryReply.ours("4.3.0", "delivery failed: " + failure).toString()));
        }).whenComplete((done, failure) -> logOutcome(envelope, done));
    }

    /** One delivery: its recipients still to send, and the attempts made so far. */
    private final class Delivery {
        private final Envelope envelope;
        private final Path body;
        private final Route.Deliver route;
        private final Map<String, RecipientOutcome> outcomes = new LinkedHashMap<>();
        /** Not yet answered for good, each with the last failure that concerned it. */
        private final Map<String, String> undecided = new LinkedHashMap<>();

        Delivery(Envelope envelope, Path body, Route.Deliver route) {
            this.envelope = envelope;
            this.body = body;
            this.route = route;
            for (Recipient r : envelope.recipients()) {
                undecided.put(r.address(), "");
            }
        }

        DeliveryOutcome run() {
            boolean eightBit = hasEightBitOctets(body);
            int addresses = 0;
            int sessionsUsed = 0;
            for (Attempt attempt : route.attempts()) {
                if (undecided.isEmpty() || addresses == settings.maxAddresses()
                        || sessionsUsed == settings.maxSessions()) {
                    break;
                }
                addresses++;
                Optional<SmtpConnection> connection = open(attempt);
                if (connection.isEmpty()) {
                    continue;
                }
                sessionsUsed++;
                SmtpTransactionResult result = connection.get().send(new SmtpTransaction(envelope.sender(),
                        List.copyOf(undecided.keySet()), SmtpBody.of(envelope.traceHeaders(), body), eightBit));
                cache.offer(connection.get()); // kept only while it is in step with the server
                settle(attempt, result);
            }
            undecided.forEach((address, last) -> outcomes.put(address, new RecipientOutcome.Deferred(last.isEmpty()
                    ? DeliveryReply.ours("4.4.0", "no delivery attempt was made").toString()
                    : last)));
            return new DeliveryOutcome(outcomes);
        }

        /** A session to {@code attempt}: reused, or newly opened from an egress that works; empty after a failure. */
        private Optional<SmtpConnection> open(Attempt attempt) {
            String egressTrouble = "";
            while (true) {
                Optional<Source> source = source(attempt.address().getAddress());
                if (source.isEmpty()) {
                    failedAll(DeliveryReply.ours("4.4.0", "no egress address of the family of "
                            + attempt.address().getAddress().getHostAddress() + " is up" + egressTrouble).toString());
                    return Optional.empty();
                }
                InetAddress from = source.get().address();
                Optional<SmtpConnection> cached = cache.take(attempt.address(), from);
                if (cached.isPresent()) {
                    return cached;
                }
                SmtpConnectResult result = client.connect(attempt.address(), from, source.get().heloName());
                if (result instanceof SmtpConnectResult.Connected c) {
                    return Optional.of(c.connection());
                }
                SmtpConnectResult.Failed failed = (SmtpConnectResult.Failed) result;
                if (from != null && isEgressFault(failed)) {
                    egresses.orElseThrow().markDown(from, clock.instant().plus(settings.egressDownTime()));
                    log.warn("egress {} left out for {}: {}", from.getHostAddress(), settings.egressDownTime(), failed);
                    egressTrouble = " (" + failed.detail() + ")";
                    continue; // the same host from the next egress
                }
                failedAll(describe(attempt, failed));
                return Optional.empty();
            }
        }

        private void settle(Attempt attempt, SmtpTransactionResult result) {
            boolean dataAccepted = result.finalReply().map(SmtpReply::isPositive).orElse(false);
            for (SmtpRecipientResult r : result.recipients()) {
                String reply = describe(attempt, r);
                switch (r.outcome()) {
                    case DELIVERED -> {
                        if (dataAccepted) {
                            decide(r.recipient(), new RecipientOutcome.Delivered(reply));
                        } else {
                            undecided.put(r.recipient(), reply); // the client never does this; still, no 2xx, no delivery
                        }
                    }
                    case PERMANENT -> decide(r.recipient(), new RecipientOutcome.Bounced(reply));
                    case TRANSIENT -> {
                        if (refusedAtRcpt(result, r)) {
                            decide(r.recipient(), new RecipientOutcome.Deferred(reply));
                        } else {
                            undecided.put(r.recipient(), reply); // for the next host
                        }
                    }
                }
            }
        }

        private void decide(String recipient, RecipientOutcome outcome) {
            undecided.remove(recipient);
            outcomes.put(recipient, outcome);
        }

        private void failedAll(String reply) {
            undecided.replaceAll((address, last) -> reply);
        }
    }

    /** A 4xx to this recipient's RCPT itself, MAIL having been accepted; a 421 closes the session instead. */
    private static boolean refusedAtRcpt(SmtpTransactionResult result, SmtpRecipientResult r) {
        return result.mailReply().map(SmtpReply::isPositive).orElse(false)
                && r.reply().isPresent() && r.reply().equals(r.rcptReply()) && r.reply().get().code() != 421;
    }

    /** The source address itself is unusable: not (or no longer) ours, or its network is gone. */
    private static boolean isEgressFault(SmtpConnectResult.Failed failed) {
        return failed.stage() == Stage.BIND
                || (failed.stage() == Stage.CONNECT && failed.detail().contains("Network is unreachable"));
    }

    private static String describe(Attempt attempt, SmtpRecipientResult r) {
        return r.reply().map(reply -> DeliveryReply.from(attempt, reply).toString())
                .orElseGet(() -> DeliveryReply.ours(r.status(), relay(attempt) + ": " + r.detail()).toString());
    }

    private static String describe(Attempt attempt, SmtpConnectResult.Failed failed) {
        if (failed.reply().isPresent()) {
            return DeliveryReply.from(attempt, failed.reply().get()).toString();
        }
        // X.4.1 no answer from host; X.4.2 the connection broke; X.4.0 our side (the source address)
        String status = switch (failed.stage()) {
            case BIND -> "4.4.0";
            case CONNECT -> "4.4.1";
            case GREETING, HELLO -> "4.4.2";
        };
        return DeliveryReply.ours(status, relay(attempt) + ": " + failed.detail()).toString();
    }

    /** {@code mx.example.org[192.0.2.1]:25}, as the logs and our own replies name a next hop. */
    private static String relay(Attempt attempt) {
        return attempt.host() + "[" + attempt.address().getAddress().getHostAddress() + "]:" + attempt.address().getPort();
    }

    /** Where a connection to {@code target} leaves from: an egress that is up, or the system's choice. */
    private Optional<Source> source(InetAddress target) {
        if (egresses.isEmpty()) {
            return Optional.of(new Source(null, heloName));
        }
        return egresses.get().select(target).map(e -> new Source(e.source(), e.heloName()));
    }

    /** @param address the local address to bind; null lets the system choose */
    private record Source(InetAddress address, String heloName) {
    }

    /** Whether the body needs BODY=8BITMIME; read once per delivery, as the queue does not record it. */
    private static boolean hasEightBitOctets(Path body) {
        try (InputStream in = Files.newInputStream(body)) {
            byte[] buffer = new byte[8 * 1024];
            for (int n; (n = in.read(buffer)) > 0; ) {
                for (int i = 0; i < n; i++) {
                    if (buffer[i] < 0) {
                        return true;
                    }
                }
            }
            return false;
        } catch (IOException e) {
            return false; // the transaction itself will fail to read it and say so
        }
    }

    private static DeliveryOutcome all(Envelope envelope, RecipientOutcome outcome) {
        return DeliveryOutcome.all(envelope, outcome);
    }

    private static void logOutcome(Envelope envelope, DeliveryOutcome outcome) {
        if (outcome == null) {
            return;
        }
        for (Recipient r : envelope.recipients()) {
            RecipientOutcome o = outcome.of(r.address());
            String status = switch (o) {
                case RecipientOutcome.Delivered d -> "sent";
                case RecipientOutcome.Deferred d -> "deferred";
                case RecipientOutcome.Bounced b -> "bounced";
            };
            log.info("{}: to=<{}>, status={} ({})", envelope.id(), r.address(), status, o.reply());
        }
    }
}
