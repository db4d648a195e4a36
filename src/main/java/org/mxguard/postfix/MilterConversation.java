package org.mxguard.postfix;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.mxguard.dns.DnsNames;
import org.mxguard.policy.Evaluator;
import org.mxguard.policy.Refusals;
import org.mxguard.policy.Reply;
import org.mxguard.policy.SessionChecks;
import org.mxguard.smtp.AuthenticationResultsHeader;
import org.mxguard.smtp.TagHeader;
import org.mxguard.smtp.TransactionRecord;
import org.mxguard.web.GatewayMetrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One milter connection's logic: what to answer to each event, with no I/O of its own. The checks
 * start as the gateway's do (connect: iprev, generic-ptr; HELO: helo; MAIL: sender-domain,
 * reverse-mx:mail-from/ptr; end of headers: reverse-mx:from/reply-to) and a refusal is given as
 * the gateway gives it: at RCPT, and at the end of the message for what the headers decided, with
 * the verdict's own reply ({@code SMFIR_REPLYCODE}). What passes gets the gateway's
 * Authentication-Results field (and X-Mxguard-Tag for a tag) just below the MTA's Received:, and
 * Authentication-Results fields that claim our authserv-id are deleted. Each transaction ends in one
 * line of the transaction log. One connection's; not thread-safe.
 */
final class MilterConversation {
    private static final Logger log = LoggerFactory.getLogger(MilterConversation.class);
    private static final List<MilterReply> CONTINUE = List.of(new MilterReply.Continue());
    /** The checks could not answer (a timeout, a bug): come back later, never a 5xx for our own trouble. */
    static final Reply CHECKS_FAILED = new Reply(451, "4.3.0", "Error: temporary failure; try again later");

    private final MilterSetup setup;
    private final MilterSetup.Settings settings;
    private final MilterMacros macros = new MilterMacros();
    private MilterNegotiation negotiation;
    private boolean quit;

    // the SMTP session the MTA is reporting on
    private boolean connected;
    /** The client; null when the MTA named none (the session is then not checked). */
    private InetAddress client;
    private SessionChecks checks;
    private String authservId;
    private String helo;
    private long connectedAt;
    private boolean hadTransaction;
    private Reply lastReply;

    // its transaction
    private boolean inTransaction;
    private String sender;
    private long transactionStart;
    private final List<String> recipients = new ArrayList<>();
    private final List<TransactionRecord.RefusedRecipient> refused = new ArrayList<>();
    private Evaluator.Evaluation transactionVerdict;
    private String from;
    private String replyTo;
    private boolean headersChecked;
    private int authResultsFields;
    private final List<Integer> forged = new ArrayList<>();

    MilterConversation(MilterSetup setup) {
        this.setup = setup;
        this.settings = setup.settings();
    }

    /** The replies to one event, in order; none for events that take no reply. */
    List<MilterReply> on(MilterEvent event) throws IOException {
        if (negotiation == null && !(event instanceof MilterEvent.Negotiate)) {
            throw new MilterProtocolException("expected the option negotiation first, got " + name(event));
        }
        return switch (event) {
            case MilterEvent.Negotiate offer -> negotiate(offer);
            case MilterEvent.Macros m -> {
                macros.define(m);
                yield List.of();
            }
            case MilterEvent.Connect c -> connect(c);
            case MilterEvent.Helo h -> helo(h);
            case MilterEvent.Mail m -> mail(m);
            case MilterEvent.Recipient r -> recipient(r);
            case MilterEvent.Header h -> header(h);
            case MilterEvent.EndOfHeaders e -> {
                requireConnected(e);
                startHeaderChecks();
                yield CONTINUE;
            }
            case MilterEvent.EndOfMessage e -> {
                List<MilterReply> replies = endOfMessage(e);
                macros.forgetTransaction();
                yield replies;
            }
            case MilterEvent.Abort a -> {
                endTransaction();
                macros.forgetTransaction();
                yield List.of();
            }
            case MilterEvent.Quit q -> {
                endSession();
                quit = true;
                yield List.of();
            }
            case MilterEvent.QuitNewConnection k -> {
                endSession();
                macros.forgetAll();
                yield List.of();
            }
            // not asked for (SMFIP_NOBODY, NODATA, NOUNKNOWN), but an MTA may not know how to leave them out
            case MilterEvent.Body b -> CONTINUE;
            case MilterEvent.Data d -> CONTINUE;
            case MilterEvent.Unknown u -> CONTINUE;
        };
    }

    /** True once the MTA said QUIT: the connection is to be closed. */
    boolean quit() {
        return quit;
    }

    /** The connection is gone: an open transaction or session gets its log line. Safe to call more than once. */
    void ended() {
        endSession();
    }

    private List<MilterReply> negotiate(MilterEvent.Negotiate offer) throws MilterProtocolException {
        if (negotiation != null) {
            throw new MilterProtocolException("a second option negotiation on one connection");
        }
        negotiation = MilterNegotiation.answer(offer);
        if (!negotiation.mayAddHeaders()) {
            log.warn("milter: the MTA does not let mxguard add header fields: no Authentication-Results, no tag");
        }
        return List.of(negotiation.reply());
    }

    private List<MilterReply> connect(MilterEvent.Connect c) {
        endSession(); // a CONNECT without QUIT_NC before it starts over all the same
        connected = true;
        connectedAt = System.nanoTime();
        Optional<InetAddress> address = macros.clientAddress();
        if (address.isEmpty() && (c.family() == MilterEvent.Family.INET || c.family() == MilterEvent.Family.INET6)) {
            address = MilterMacros.address(c.address());
        }
        if (address.isEmpty()) {
            // a local submission, or an MTA that names no client: nothing to check, so nothing to refuse
            log.info("milter: connect from {} ({} {}) names no client address; not checked", c.hostname(), c.family(),
                    c.address());
            return List.of(new MilterReply.Accept());
        }
        client = DnsNames.canonical(address.get());
        authservId = settings.hostname().or(macros::mtaHostname).orElse(settings.fallbackHostname());
        checks = setup.checks().apply(client);
        setup.metrics().connectionAccepted();
        return CONTINUE;
    }

    private List<MilterReply> helo(MilterEvent.Helo h) throws MilterProtocolException {
        requireConnected(h);
        if (checks == null) {
            return CONTINUE;
        }
        endTransaction(); // RFC 5321: HELO ends a transaction
        helo = h.name();
        checks.helo(h.name());
        return CONTINUE;
    }

    private List<MilterReply> mail(MilterEvent.Mail m) throws MilterProtocolException {
        requireConnected(m);
        if (checks == null) {
            return CONTINUE;
        }
        endTransaction();
        // {mail_addr} when the MTA sends it (Postfix does by default), else the command's argument
        sender = macros.mailAddress().orElseGet(() -> path(m.arguments().getFirst()));
        inTransaction = true;
        hadTransaction = true;
        transactionStart = System.nanoTime();
        checks.mail(sender);
        return CONTINUE;
    }

    private List<MilterReply> recipient(MilterEvent.Recipient r) throws IOException {
        requireConnected(r);
        if (checks == null) {
            return CONTINUE;
        }
        if (!inTransaction) {
            throw new MilterProtocolException("a recipient without MAIL");
        }
        String address = macros.recipientAddress().orElseGet(() -> path(r.arguments().getFirst()));
        Reply refusal;
        try {
            if (transactionVerdict == null) {
                transactionVerdict = await(checks.verdict());
            }
            refusal = refusal(transactionVerdict, "RCPT <" + address + ">");
        } catch (CheckFailure e) {
            log.error("{}: {}", clientText(), e.getMessage());
            refusal = CHECKS_FAILED;
        }
        if (refusal != null) {
            refused.add(new TransactionRecord.RefusedRecipient(address, refusal));
            lastReply = refusal;
            return List.of(MilterReply.ReplyCode.of(refusal));
        }
        if (!recipients.contains(address)) {
            recipients.add(address);
        }
        return CONTINUE;
    }

    private List<MilterReply> header(MilterEvent.Header h) throws MilterProtocolException {
        requireConnected(h);
        if (checks != null && inTransaction) {
            // the first of each, as the gateway reads them
            if (h.name().equalsIgnoreCase("From") && from == null) {
                from = MilterHeaders.unfold(h.value());
            } else if (h.name().equalsIgnoreCase("Reply-To") && replyTo == null) {
                replyTo = MilterHeaders.unfold(h.value());
            } else if (h.name().equalsIgnoreCase(AuthenticationResultsHeader.NAME)) {
                authResultsFields++;
                if (MilterHeaders.claimsUs(h.value(), authservId)) {
                    forged.add(authResultsFields);
                }
            }
        }
        return negotiation.repliesToHeaders() ? CONTINUE : List.of();
    }

    /** The header checks start as soon as the headers are complete, and run while the MTA reads the body. */
    private void startHeaderChecks() {
        if (checks != null && inTransaction && !headersChecked) {
            headersChecked = true;
            checks.headers(from, replyTo);
        }
    }

    private List<MilterReply> endOfMessage(MilterEvent.EndOfMessage e) throws IOException {
        requireConnected(e);
        if (checks == null || !inTransaction) {
            return CONTINUE;
        }
        startHeaderChecks();
        Evaluator.Evaluation evaluation;
        try {
            evaluation = await(checks.verdict());
        } catch (CheckFailure failure) {
            log.error("{}: {}", clientText(), failure.getMessage());
            finish(TransactionRecord.Outcome.TEMPFAILED, CHECKS_FAILED, null);
            return List.of(MilterReply.ReplyCode.of(CHECKS_FAILED));
        }
        Reply refusal = refusal(evaluation, "end of DATA");
        if (refusal != null) {
            finish(TransactionRecord.Outcome.refusedWith(refusal), refusal, evaluation);
            return List.of(MilterReply.ReplyCode.of(refusal));
        }
        List<MilterReply> replies = new ArrayList<>(headerChanges(evaluation));
        replies.add(new MilterReply.Continue());
        String queueId = macros.queueId().orElse(null);
        log.info("{}: from=<{}>, to={}, verdict={}, passed to the MTA as {}", clientText(), sender, recipients,
                evaluation.verdict().action().text(), queueId);
        write(record(TransactionRecord.Outcome.QUEUED, null, evaluation).queueId(queueId));
        setup.metrics().messageQueued();
        resetTransaction();
        return replies;
    }

    /**
     * Forged Authentication-Results fields deleted (last first: deleting one renumbers those after
     * it), then ours and the tag inserted just below the MTA's own Received: (index 1), as the
     * gateway puts them below its Received:.
     */
    private List<MilterReply> headerChanges(Evaluator.Evaluation evaluation) {
        List<MilterReply> changes = new ArrayList<>();
        if (!forged.isEmpty()) {
            if (negotiation.mayChangeHeaders()) {
                log.info("{}: deleting {} Authentication-Results field(s) claiming to be ours ({})", clientText(),
                        forged.size(), authservId);
                for (int i = forged.size() - 1; i >= 0; i--) {
                    changes.add(new MilterReply.ChangeHeader(forged.get(i), AuthenticationResultsHeader.NAME, ""));
                }
            } else {
                log.warn("{}: {} Authentication-Results field(s) claim to be ours ({}), and the MTA does not let "
                        + "mxguard delete them", clientText(), forged.size(), authservId);
            }
        }
        if (negotiation.mayAddHeaders()) {
            changes.add(MilterHeaders.insert(1,
                    AuthenticationResultsHeader.render(authservId, checks.facts(), evaluation.results())));
            String tag = TagHeader.render(evaluation.verdict());
            if (!tag.isEmpty()) {
                changes.add(MilterHeaders.insert(2, tag));
            }
        }
        return changes;
    }

    /** The reply that refuses, or null (see {@link Refusals}). */
    private Reply refusal(Evaluator.Evaluation evaluation, String stage) {
        return Refusals.of(evaluation.verdict(), settings.dryRun(), clientText(), stage, log).orElse(null);
    }

    private Evaluator.Evaluation await(CompletableFuture<Evaluator.Evaluation> verdict) throws IOException {
        try {
            return verdict.get(settings.verdictTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while the checks ran");
        } catch (ExecutionException | TimeoutException e) {
            throw new CheckFailure(e);
        }
    }

    /**
     * An open transaction ends without a message: refused at every recipient, or given up. Its
     * macros are forgotten by the caller when the MTA says it is over (ABORT, end of message): a
     * new MAIL's macros come before the MAIL itself.
     */
    private void endTransaction() {
        if (inTransaction) {
            boolean allRefused = recipients.isEmpty() && !refused.isEmpty();
            Reply last = allRefused ? refused.getLast().reply() : null;
            finish(allRefused ? TransactionRecord.Outcome.refusedWith(last) : TransactionRecord.Outcome.ABORTED, last,
                    transactionVerdict);
        }
    }

    private void endSession() {
        endTransaction();
        if (client != null && !hadTransaction) {
            setup.transactions().write(TransactionRecord.builder(TransactionRecord.Outcome.CLOSED,
                    setup.clock().instant(), client).helo(helo).reply(lastReply).sessionTime(sinceConnect()).build());
        }
        connected = false;
        client = null;
        checks = null;
        helo = null;
        hadTransaction = false;
        lastReply = null;
    }

    /** The transaction's log line, its verdict counted once; then it is over. */
    private void finish(TransactionRecord.Outcome outcome, Reply reply, Evaluator.Evaluation evaluation) {
        write(record(outcome, reply, evaluation));
        switch (outcome) {
            case REJECTED -> setup.metrics().messageRejected();
            case TEMPFAILED -> setup.metrics().messageTempfailed();
            default -> { }
        }
        if (reply != null) {
            lastReply = reply;
        }
        resetTransaction();
    }

    private TransactionRecord.Builder record(TransactionRecord.Outcome outcome, Reply reply,
            Evaluator.Evaluation evaluation) {
        TransactionRecord.Builder b = TransactionRecord.builder(outcome, setup.clock().instant(), client).helo(helo)
                .mailFrom(sender).recipients(recipients).refusedRecipients(refused).dryRun(settings.dryRun())
                .reply(reply).sessionTime(sinceConnect())
                .transactionTime(Duration.ofNanos(System.nanoTime() - transactionStart));
        if (evaluation != null) {
            String stage = evaluation == transactionVerdict ? GatewayMetrics.STAGE_RCPT : GatewayMetrics.STAGE_DATA;
            b.evaluation(evaluation, stage);
            setup.metrics().verdict(evaluation.verdict().action(), stage);
            setup.metrics().checkResults(evaluation.results());
        }
        return b;
    }

    private void write(TransactionRecord.Builder record) {
        setup.transactions().write(record.build());
    }

    private void resetTransaction() {
        inTransaction = false;
        sender = null;
        recipients.clear();
        refused.clear();
        transactionVerdict = null;
        from = null;
        replyTo = null;
        headersChecked = false;
        authResultsFields = 0;
        forged.clear();
        if (checks != null) {
            checks.reset();
        }
    }

    private Duration sinceConnect() {
        return Duration.ofNanos(System.nanoTime() - connectedAt);
    }

    private void requireConnected(MilterEvent event) throws MilterProtocolException {
        if (!connected) {
            throw new MilterProtocolException(name(event) + " before the connect event");
        }
    }

    private String clientText() {
        return client == null ? "milter" : client.getHostAddress();
    }

    /** An address as SMTP carries it ({@code <a@b>}, {@code <@relay:a@b>}, {@code <>}), without brackets or route. */
    static String path(String argument) {
        String a = argument.strip();
        if (a.startsWith("<") && a.endsWith(">")) {
            a = a.substring(1, a.length() - 1);
        }
        if (a.startsWith("@") && a.indexOf(':') > 0) {
            a = a.substring(a.indexOf(':') + 1); // RFC 5321 §4.1.2 source route, to be ignored
        }
        return a;
    }

    private static String name(MilterEvent event) {
        return event.getClass().getSimpleName();
    }

    /** The checks could not answer in time, or failed. */
    private static final class CheckFailure extends IOException {
        private static final long serialVersionUID = 1L;

        CheckFailure(Exception cause) {
            super("checks failed: " + cause, cause);
        }
    }
}
