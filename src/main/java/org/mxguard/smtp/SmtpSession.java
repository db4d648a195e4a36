package org.mxguard.smtp;

import java.io.BufferedOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.time.ZoneId;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.mxguard.cluster.ClientStanding;
import org.mxguard.check.IprevCheck;
import org.mxguard.check.Result;
import org.mxguard.dns.DnsNames;
import org.mxguard.policy.Evaluator;
import org.mxguard.policy.Refusals;
import org.mxguard.policy.Reply;
import org.mxguard.policy.SessionChecks;
import org.mxguard.queue.Envelope;
import org.mxguard.queue.NotQueuedException;
import org.mxguard.queue.Spool;
import org.mxguard.web.GatewayMetrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client's SMTP conversation (RFC 5321), on its own virtual thread: the state machine, the
 * checks started as each stage gives their inputs, the policy's replies, and the message streamed
 * into a spool draft that is committed only when everything says yes.
 *
 * <p>Replies are buffered and flushed when the client has nothing more waiting (RFC 2920
 * pipelining), so a pipelined MAIL/RCPT/DATA costs one write.
 */
final class SmtpSession implements Runnable {
    private static final Logger log = LoggerFactory.getLogger(SmtpSession.class);
    /** The longest a reply may wait for the checks before the client is told to come back. */
    private static final Duration VERDICT_WAIT = Duration.ofSeconds(60);
    /** X-Mxguard-Tag clauses of the guards, in the check=result shape of the checks' clauses. */
    /**
     * Postfix's smtpd_recipient_overshoot_limit: RCPTs past the recipient limit answered 452 before
     * each further one counts as an error, so a pipelined flood of RCPTs ends at the hard error limit.
     */
    static final int RECIPIENT_OVERSHOOT_LIMIT = 1000;
    static final String TRAP_TAG = "trap-mx=connected";
    static final String BACKUP_MX_TAG = "backup-mx=primary-up";

    /** The connection; after STARTTLS, its TLS layer. */
    private Socket socket;
    private final GatewayContext context;
    /** This session's settings, relay rules and checks: a reload does not change them under it. */
    private final GatewayContext.Setup setup;
    private final SessionSettings settings;
    /** The client: the connection's peer, a PROXY header's source, or an XCLIENT's ADDR. */
    private InetAddress client;
    /** Whether XCLIENT is allowed: decided once, by the address the session started with. */
    private final boolean xclientAllowed;

    private SmtpInput input;
    /** Under {@link #input}: a command line must be complete within the command timeout. */
    private CommandDeadline commandDeadline;
    private OutputStream out;
    private SessionChecks checks;
    /** What the shared state says of the client: read once as the session starts (and again after XCLIENT). */
    private ClientStanding standing = ClientStanding.UNKNOWN;
    private int errors;
    private int recipientOvershoot;

    // what the transaction log and the metrics are told
    private final long connected = System.nanoTime();
    private long transactionStart;
    private boolean greeted;
    private boolean hadTransaction;
    /** The open transaction has had its log line (or there is none). */
    private boolean recorded = true;
    private final List<TransactionRecord.RefusedRecipient> refused = new ArrayList<>();
    /** What the trap MX and the backup-MX guard, with action tag, said about this transaction. */
    private final Set<String> guardTags = new LinkedHashSet<>();
    private Reply lastReply;

    // the session
    private String helo;
    private boolean extended;
    /** Set once STARTTLS has succeeded: what the Received: field says of it. */
    private ReceivedHeader.Tls tls;

    // the transaction
    private SmtpPath sender;
    private MailParameters parameters;
    private boolean senderGiven;
    private final List<String> recipients = new ArrayList<>();
    private Evaluator.Evaluation transactionVerdict;

    SmtpSession(Socket socket, InetAddress client, GatewayContext context) {
        this.socket = socket;
        this.context = context;
        this.setup = context.setup();
        this.settings = setup.settings();
        this.client = DnsNames.canonical(client);
        this.xclientAllowed = setup.mayUseXclient(this.client);
    }

    @Override
    public void run() {
        try {
            socket.setSoTimeout((int) settings.commandTimeout().toMillis());
            socket.setTcpNoDelay(true);
            commandDeadline = new CommandDeadline(socket);
            input = new SmtpInput(commandDeadline);
            out = new BufferedOutputStream(socket.getOutputStream(), 4096);
            if (!greet()) {
                return;
            }
            checks = setup.checks().apply(client);
            context.shareReverseDns(client, standing, checks);
            while (true) {
                String line;
                commandDeadline.start(settings.commandTimeout());
                try {
                    line = input.readCommandLine();
                } catch (SmtpInput.CommandLineException e) {
                    if (!error(e.kind() == SmtpInput.CommandLineException.Kind.TOO_LONG
                            ? new Reply(500, "5.5.2", "Error: line too long")
                            : new Reply(500, "5.5.2", "Error: bare <CR> or <LF> in a command"))) {
                        return;
                    }
                    continue;
                } finally {
                    commandDeadline.stop();
                }
                if (!command(line)) {
                    return;
                }
            }
        } catch (SocketTimeoutException e) {
            quietly(new Reply(421, "4.4.2", settings.hostname() + " Error: timeout exceeded"));
        } catch (CheckFailure e) {
            log.error("{}: {}", client.getHostAddress(), e.getMessage());
            quietly(new Reply(421, "4.3.0", settings.hostname() + " Error: temporary failure; try again later"));
        } catch (EOFException e) {
            // replies held back for a pipelined group (the client had sent part of a next line) are
            // still owed: a client that closed only its side must hear that its message was queued
            flushQuietly();
            log.debug("{} went away", client.getHostAddress());
        } catch (IOException e) {
            log.debug("session with {} ended: {}", client.getHostAddress(), e.toString());
        } finally {
            if (greeted) {
                resetTransaction(); // an open transaction gets its line
                if (!hadTransaction) {
                    context.transactions().write(TransactionRecord.builder(TransactionRecord.Outcome.CLOSED,
                            context.clock().instant(), client).helo(helo).reply(lastReply).sessionTime(sinceConnect())
                            .build());
                }
            }
        }
    }

    /**
     * The banner. A client seen for the first time gets its first line only and must wait the
     * greet pause (postscreen's pregreet test): one that talks before the banner is complete is a
     * bot that does not wait for the server, and is refused.
     */
    private boolean greet() throws IOException {
        String banner = settings.hostname() + " ESMTP mxguard";
        standing = context.standing(client);
        Optional<Reply> tooFast = context.guards().rateRefusal(client, standing);
        if (tooFast.isPresent()) {
            log.info("{}: RATE: {} connections in {}; refused", client.getHostAddress(), standing.connections(),
                    context.guards().connectionRate().window());
            reply(tooFast.get());
            flush();
            context.metrics().connectionRefused(GatewayMetrics.REFUSED_LIMIT);
            context.transactions().write(TransactionRecord.builder(TransactionRecord.Outcome.REFUSED_LIMIT,
                    context.clock().instant(), client).reply(tooFast.get()).sessionTime(sinceConnect()).build());
            return false;
        }
        if (settings.greetWait().isZero() || standing.passedGreeting()) {
            reply(new Reply(220, null, banner));
            flush();
            greeted = true;
            context.metrics().connectionAccepted();
            return true;
        }
        write("220-" + banner + "\r\n");
        flush();
        long end = System.nanoTime() + settings.greetWait().toNanos();
        while (System.nanoTime() < end) {
            if (input.hasPendingInput()) {
                log.info("{}: PREGREET: talked before the greeting was complete; refused", client.getHostAddress());
                Reply refusal = new Reply(521, "5.5.1", "Protocol error: you talked before my greeting");
                reply(refusal);
                flush();
                context.metrics().connectionRefused(GatewayMetrics.PREGREET);
                context.transactions().write(TransactionRecord.builder(TransactionRecord.Outcome.PREGREET,
                        context.clock().instant(), client).reply(refusal).sessionTime(sinceConnect()).build());
                return false;
            }
            sleep(Math.min(50, Duration.ofNanos(end - System.nanoTime()).toMillis() + 1));
        }
        context.greetingPassed(client);
        reply(new Reply(220, null, banner));
        flush();
        greeted = true;
        context.metrics().connectionAccepted();
        return true;
    }

    /** Handles one command line; false when the session is over. */
    private boolean command(String line) throws IOException {
        int space = line.indexOf(' ');
        String verb = (space < 0 ? line : line.substring(0, space)).toUpperCase(Locale.ROOT);
        String argument = space < 0 ? "" : line.substring(space + 1);
        return switch (verb) {
            case "EHLO" -> hello(argument, true);
            case "HELO" -> hello(argument, false);
            case "MAIL" -> mail(argument);
            case "RCPT" -> rcpt(argument);
            case "DATA" -> data(argument);
            case "RSET" -> {
                resetTransaction();
                yield answer(new Reply(250, "2.0.0", "Ok"));
            }
            case "NOOP" -> answer(new Reply(250, "2.0.0", "Ok"));
            case "VRFY" -> answer(new Reply(252, "2.0.0", "Cannot VRFY user, but will accept message and attempt delivery"));
            case "HELP" -> answer(new Reply(214, "2.0.0", "See RFC 5321; commands: EHLO HELO MAIL RCPT DATA RSET NOOP VRFY QUIT"));
            case "QUIT" -> {
                reply(new Reply(221, "2.0.0", "Bye"));
                flush();
                yield false;
            }
            case "STARTTLS" -> startTls(argument);
            case "XCLIENT" -> xclient(argument);
            default -> error(new Reply(502, "5.5.2", "Error: command not recognized"));
        };
    }

    private boolean hello(String name, boolean ehlo) throws IOException {
        String given = name.strip();
        if (given.isEmpty()) {
            return error(new Reply(501, "5.5.4", "Syntax: " + (ehlo ? "EHLO" : "HELO") + " hostname"));
        }
        resetTransaction();
        helo = given;
        extended = ehlo;
        checks.helo(given);
        if (settings.rejectAt() == SessionSettings.RejectAt.EARLIEST) {
            Reply refusal = refusal(checks.verdict(), "HELO");
            if (refusal != null) {
                return answer(refusal);
            }
        }
        if (!ehlo) {
            return answer(new Reply(250, null, settings.hostname()));
        }
        write("250-" + settings.hostname() + "\r\n");
        write("250-PIPELINING\r\n");
        write("250-SIZE " + settings.maxMessageBytes() + "\r\n");
        write("250-8BITMIME\r\n");
        write("250-ENHANCEDSTATUSCODES\r\n");
        if (setup.tls().isPresent() && tls == null) {
            write("250-STARTTLS\r\n");
        }
        if (xclientAllowed) {
            write("250-" + XclientCommand.EHLO_KEYWORD + "\r\n");
        }
        write("250 SMTPUTF8\r\n");
        flushUnlessPipelined();
        return true;
    }

    /**
     * RFC 3207. Whatever the client sent after STARTTLS in plain text is dropped with the old
     * reader (a man in the middle could have put it there), and the session starts over: the
     * client must say EHLO again, and its connect-stage checks stand.
     */
    private boolean startTls(String argument) throws IOException {
        if (setup.tls().isEmpty()) {
            return error(new Reply(502, "5.5.1", "Error: STARTTLS is not offered here"));
        }
        if (tls != null) {
            return error(new Reply(554, "5.5.1", "Error: TLS already active"));
        }
        if (!argument.isBlank()) {
            return error(new Reply(501, "5.5.4", "Syntax: STARTTLS"));
        }
        if (senderGiven) {
            return error(new Reply(503, "5.5.1", "Error: MAIL transaction in progress"));
        }
        if (input.hasPendingInput()) {
            // plain text sent behind STARTTLS before our 220 (CVE-2011-0411): refused, not carried into TLS
            log.info("{}: commands pipelined after STARTTLS; session ended", client.getHostAddress());
            reply(new Reply(554, "5.5.1", "Error: commands pipelined after STARTTLS"));
            flush();
            return false;
        }
        reply(new Reply(220, "2.0.0", "Ready to start TLS"));
        flush();
        ServerTls.Upgraded upgraded = ServerTls.upgrade(socket, setup.tls().get(), settings.commandTimeout());
        socket = upgraded.socket();
        tls = upgraded.tls();
        log.debug("{}: TLS {} {}", client.getHostAddress(), tls.protocol(), tls.cipher());
        commandDeadline = new CommandDeadline(socket);
        input = new SmtpInput(commandDeadline);
        out = new BufferedOutputStream(socket.getOutputStream(), 4096);
        resetTransaction();
        helo = null;
        extended = false;
        return true;
    }

    /**
     * Postfix's XCLIENT, from the clients allowed to send it: the session continues as if the
     * named client had connected (its connect-stage checks start over), and answers with a new
     * greeting.
     */
    private boolean xclient(String argument) throws IOException {
        if (!xclientAllowed) {
            return error(XclientCommand.NOT_AUTHORIZED);
        }
        if (senderGiven) {
            return error(XclientCommand.IN_TRANSACTION);
        }
        Xclient claimed;
        try {
            claimed = XclientCommand.parse(argument);
        } catch (SmtpArgumentException e) {
            log.info("{}: XCLIENT refused: {}", client.getHostAddress(), e.detail());
            return error(e.reply());
        }
        if (claimed.addr() instanceof Xclient.Attribute.Unavailable<InetAddress>) {
            return error(XclientCommand.ADDRESS_NEEDED);
        }
        InetAddress was = client;
        client = DnsNames.canonical(claimed.addr().applyTo(client));
        resetTransaction();
        helo = claimed.helo().given().orElse(null);
        extended = claimed.proto().given().map("ESMTP"::equals).orElse(false);
        standing = context.standingAfterXclient(client);
        checks = setup.checks().apply(client);
        context.shareReverseDns(client, standing, checks);
        if (helo != null) {
            checks.helo(helo);
        }
        log.info("{}: XCLIENT: now {} (helo {})", was.getHostAddress(), client.getHostAddress(), helo);
        return answer(new Reply(220, null, settings.hostname() + " ESMTP mxguard"));
    }

    private boolean mail(String argument) throws IOException {
        if (helo == null) {
            return error(new Reply(503, "5.5.1", "Error: send HELO/EHLO first"));
        }
        if (senderGiven) {
            return error(new Reply(503, "5.5.1", "Error: nested MAIL command"));
        }
        if (!argument.regionMatches(true, 0, "FROM:", 0, 5)) {
            return error(new Reply(501, "5.5.4", "Syntax: MAIL FROM:<address>"));
        }
        SmtpPath.MailFrom mail;
        try {
            mail = SmtpPath.mailFrom(argument.substring(5));
        } catch (SmtpArgumentException e) {
            return error(e.reply());
        }
        if (!extended && !mail.parameters().equals(MailParameters.NONE)) {
            return error(new Reply(555, "5.5.4", "Error: ESMTP parameters need EHLO"));
        }
        if (mail.parameters().size().isPresent() && mail.parameters().size().getAsLong() > settings.maxMessageBytes()) {
            return answer(new Reply(552, "5.3.4", "Message size exceeds fixed limit"));
        }
        sender = mail.path();
        parameters = mail.parameters();
        senderGiven = true;
        hadTransaction = true;
        recorded = false;
        transactionStart = System.nanoTime();
        checks.mail(sender.address());
        if (settings.rejectAt() == SessionSettings.RejectAt.EARLIEST) {
            Reply refusal = refusal(verdictOfTransaction(), "MAIL");
            if (refusal != null) {
                finish(TransactionRecord.Outcome.refusedWith(refusal), refusal, transactionVerdict, GatewayMetrics.STAGE_MAIL);
                resetTransaction();
                return answer(refusal);
            }
        }
        return answer(new Reply(250, "2.1.0", "Ok"));
    }

    private boolean rcpt(String argument) throws IOException {
        if (!senderGiven) {
            return error(new Reply(503, "5.5.1", "Error: need MAIL command"));
        }
        if (recipients.size() >= settings.maxRecipients()) {
            Reply tooMany = new Reply(452, "4.5.3", "Error: too many recipients");
            return ++recipientOvershoot > RECIPIENT_OVERSHOOT_LIMIT ? error(tooMany) : answer(tooMany);
        }
        if (!argument.regionMatches(true, 0, "TO:", 0, 3)) {
            return error(new Reply(501, "5.5.4", "Syntax: RCPT TO:<address>"));
        }
        SmtpPath recipient;
        try {
            recipient = SmtpPath.rcptTo(argument.substring(3), parameters.smtputf8());
        } catch (SmtpArgumentException e) {
            return error(e.reply());
        }
        RelayDecision relay = setup.relay().decide(recipient, client);
        if (relay instanceof RelayDecision.Refuse refused) {
            log.info("{}: RCPT {} refused: {}", client.getHostAddress(), recipient, refused.why());
            this.refused.add(new TransactionRecord.RefusedRecipient(recipient.address(), refused.reply()));
            return error(refused.reply());
        }
        Reply guard = guardRefusal(relay, recipient);
        if (guard != null) {
            refused.add(new TransactionRecord.RefusedRecipient(recipient.address(), guard));
            return answer(guard);
        }
        Reply refusal = refusal(verdictOfTransaction(), "RCPT <" + recipient.address() + ">");
        if (refusal != null) {
            refused.add(new TransactionRecord.RefusedRecipient(recipient.address(), refusal));
            return answer(refusal);
        }
        // RFC 5321 §4.5.1: the bare <postmaster> is this server's; it is queued under our host name
        String address = recipient.isPostmaster() ? "postmaster@" + settings.hostname() : recipient.address();
        if (!recipients.contains(address)) {
            recipients.add(address);
        }
        return answer(new Reply(250, "2.1.5", "Ok"));
    }

    private boolean data(String argument) throws IOException {
        if (!argument.isBlank()) {
            return error(new Reply(501, "5.5.4", "Syntax: DATA"));
        }
        if (!senderGiven) {
            return error(new Reply(503, "5.5.1", "Error: need MAIL command"));
        }
        if (recipients.isEmpty()) {
            // RFC 2920: a pipelining client sends DATA even when every RCPT was refused
            return error(new Reply(554, "5.5.1", "Error: no valid recipients"));
        }
        Spool.Draft draft;
        try {
            draft = context.spool().draft(sender.address(), recipients);
        } catch (NotQueuedException e) {
            log.warn("{}: not queued: {}", client.getHostAddress(), e.getMessage());
            return notQueued();
        }
        try (draft) {
            reply(new Reply(354, null, "End data with <CR><LF>.<CR><LF>"));
            flush();
            socket.setSoTimeout((int) settings.dataTimeout().toMillis());
            DataOutcome[] outcome = new DataOutcome[1];
            DataSink[] sink = new DataSink[1];
            boolean[] reading = new boolean[1];
            try {
                draft.writeBody(file -> {
                    reading[0] = true;
                    sink[0] = new DataSink(file, settings.hostname());
                    outcome[0] = input.readData(sink[0], settings.maxMessageBytes());
                    sink[0].finish();
                    return outcome[0].bytes();
                });
            } catch (NotQueuedException e) {
                if (!reading[0]) {
                    // the spool failed before the data was read (its file could not be created): read
                    // it all the same, to stay in step with the client, then say it was not queued
                    input.readData(OutputStream.nullOutputStream(), settings.maxMessageBytes());
                } else if (outcome[0] == null) {
                    throw e.getCause() instanceof IOException io ? io : e; // the client, not the disk
                }
                log.warn("{}: not queued: {}", client.getHostAddress(), e.getMessage());
                return notQueued();
            } finally {
                socket.setSoTimeout((int) settings.commandTimeout().toMillis());
            }
            return endOfData(draft, outcome[0], sink[0]);
        }
    }

    private boolean endOfData(Spool.Draft draft, DataOutcome outcome, DataSink sink) throws IOException {
        if (outcome.tooBig()) {
            Reply tooBig = new Reply(552, "5.3.4", "Message size exceeds fixed limit");
            finish(TransactionRecord.Outcome.REJECTED, tooBig, null, GatewayMetrics.STAGE_DATA);
            resetTransaction();
            return answer(tooBig);
        }
        if (outcome.bareLineEnd()) {
            // the data ended only at <CRLF>.<CRLF>, so nothing was smuggled; the message itself is refused
            log.info("{}: message with a bare <CR> or <LF> refused", client.getHostAddress());
            Reply bare = new Reply(550, "5.5.2", "Error: bare <CR> or <LF> in the message");
            finish(TransactionRecord.Outcome.REJECTED, bare, null, GatewayMetrics.STAGE_DATA);
            resetTransaction();
            return answer(bare);
        }
        if (sink.forgedFieldsDropped() > 0) {
            log.info("{}: dropped {} Authentication-Results field(s) claiming to be ours ({})", client.getHostAddress(),
                    sink.forgedFieldsDropped(), settings.hostname());
        }
        checks.headers(sink.field("From").orElse(null), sink.field("Reply-To").orElse(null));
        Evaluator.Evaluation evaluation = await(checks.verdict());
        Reply refusal = refusal(evaluation, "end of DATA");
        if (refusal != null) {
            finish(TransactionRecord.Outcome.refusedWith(refusal), refusal, evaluation, GatewayMetrics.STAGE_DATA);
            resetTransaction();
            return answer(refusal);
        }
        String trace = traceHeaders(draft.id().toString(), evaluation);
        Envelope queued;
        try {
            queued = draft.commit(trace);
        } catch (NotQueuedException e) {
            log.warn("{}: not queued: {}", client.getHostAddress(), e.getMessage());
            return notQueued();
        }
        log.info("{}: from=<{}>, to={}, size={}, verdict={}, queued as {}", client.getHostAddress(), queued.sender(),
                recipients, outcome.bytes(), evaluation.verdict().action().text(), queued.id());
        context.queued(queued);
        Reply ok = new Reply(250, "2.0.0", "Ok: queued as " + queued.id());
        finishQueued(ok, evaluation, queued, outcome.bytes());
        resetTransaction();
        return answer(ok);
    }

    /**
     * Received: (RFC 5321 §4.4) and Authentication-Results: (RFC 8601) for the message, kept in its
     * envelope and sent in front of the body.
     */
    private String traceHeaders(String queueId, Evaluator.Evaluation evaluation) {
        Optional<String> ptr = evaluation.results().stream()
                .filter(r -> r.name().equals(IprevCheck.NAME) && r.result() == Result.PASS)
                .map(r -> r.evidence().get(IprevCheck.CONFIRMED)).filter(Objects::nonNull)
                .map(names -> names.split(",")[0].strip()).findFirst();
        ReceivedHeader received = new ReceivedHeader(helo, ptr, client, settings.hostname(),
                new ReceivedHeader.Transport(extended, parameters.smtputf8(), false, Optional.ofNullable(tls)), queueId,
                recipients, context.clock().instant(), ZoneId.systemDefault());
        return received.render() + AuthenticationResultsHeader.render(settings.hostname(), checks.facts(),
                evaluation.results()) + TagHeader.render(evaluation.verdict(), guardTags);
    }

    /**
     * The trap MX's record of this client, then the backup-MX guard for the recipient's domain
     * (only for inbound mail from untrusted clients: outbound mail is not the primary's business).
     */
    private Reply guardRefusal(RelayDecision relay, SmtpPath recipient) {
        if (setup.relay().isTrusted(client)) {
            return null;
        }
        boolean relayDomain = relay instanceof RelayDecision.Accept accepted
                && accepted.reason() == RelayDecision.Reason.RELAY_DOMAIN;
        Optional<Reply> refusal = context.guards().trapRefusal(client, standing.trapped());
        String why = "it connected to the trap MX";
        if (refusal.isEmpty() && relayDomain) {
            refusal = context.guards().backupMxRefusal(recipient.domain(), client);
            why = "the primary MX of " + recipient.domain() + " is up";
        }
        if (refusal.isEmpty()) {
            if (context.guards().trapTags(standing.trapped())) {
                guardTags.add(TRAP_TAG);
            } else if (relayDomain && context.guards().backupMxTags(recipient.domain())) {
                guardTags.add(BACKUP_MX_TAG);
            }
            return null;
        }
        if (settings.dryRun()) {
            log.info("{}: dry run: would have answered {} at RCPT {}: {}", client.getHostAddress(), refusal.get(),
                    recipient, why);
            return null;
        }
        log.info("{}: {} at RCPT {}: {}", client.getHostAddress(), refusal.get(), recipient, why);
        return refusal.get();
    }

    private boolean notQueued() throws IOException {
        Reply reply = new Reply(NotQueuedException.REPLY_CODE, NotQueuedException.REPLY_ENHANCED_CODE,
                NotQueuedException.REPLY_TEXT);
        finish(TransactionRecord.Outcome.TEMPFAILED, reply, null, GatewayMetrics.STAGE_DATA);
        resetTransaction();
        return answer(reply);
    }

    private void finishQueued(Reply reply, Evaluator.Evaluation evaluation, Envelope queued, long size) {
        write(record(TransactionRecord.Outcome.QUEUED, reply, evaluation, GatewayMetrics.STAGE_DATA)
                .queueId(queued.id().toString()).size(size));
        context.metrics().messageQueued();
    }

    /** The transaction's log line, and its verdict and outcome counted once. */
    private void finish(TransactionRecord.Outcome outcome, Reply reply, Evaluator.Evaluation evaluation, String stage) {
        write(record(outcome, reply, evaluation, stage));
        switch (outcome) {
            case REJECTED -> context.metrics().messageRejected();
            case TEMPFAILED -> context.metrics().messageTempfailed();
            default -> { }
        }
    }

    private TransactionRecord.Builder record(TransactionRecord.Outcome outcome, Reply reply,
            Evaluator.Evaluation evaluation, String stage) {
        TransactionRecord.Builder b = TransactionRecord.builder(outcome, context.clock().instant(), client).helo(helo)
                .mailFrom(sender == null ? null : sender.address()).recipients(recipients).refusedRecipients(refused)
                .dryRun(settings.dryRun()).reply(reply).sessionTime(sinceConnect())
                .transactionTime(Duration.ofNanos(System.nanoTime() - transactionStart));
        if (evaluation != null) {
            b.evaluation(evaluation, stage);
            context.metrics().verdict(evaluation.verdict().action(), stage);
            context.metrics().checkResults(evaluation.results());
        }
        return b;
    }

    private void write(TransactionRecord.Builder record) {
        recorded = true;
        context.transactions().write(record.build());
    }

    private Duration sinceConnect() {
        return Duration.ofNanos(System.nanoTime() - connected);
    }

    /** The transaction's verdict at MAIL/RCPT: computed once, when first needed. */
    private Evaluator.Evaluation verdictOfTransaction() throws IOException {
        if (transactionVerdict == null) {
            transactionVerdict = await(checks.verdict());
        }
        return transactionVerdict;
    }

    private Reply refusal(java.util.concurrent.CompletableFuture<Evaluator.Evaluation> verdict, String stage)
            throws IOException {
        return refusal(await(verdict), stage);
    }

    /** The reply that refuses, or null (see {@link Refusals}). */
    private Reply refusal(Evaluator.Evaluation evaluation, String stage) {
        return Refusals.of(evaluation.verdict(), settings.dryRun(), client.getHostAddress(), stage, log).orElse(null);
    }

    private Evaluator.Evaluation await(java.util.concurrent.CompletableFuture<Evaluator.Evaluation> verdict)
            throws IOException {
        try {
            return verdict.get(VERDICT_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while the checks ran", e);
        } catch (ExecutionException | TimeoutException e) {
            // never a 5xx for our own trouble
            throw new CheckFailure(e);
        }
    }

    private void resetTransaction() {
        if (!recorded) {
            // the transaction ended without a message: refused at every RCPT, or given up by the client
            boolean allRefused = recipients.isEmpty() && !refused.isEmpty();
            Reply last = allRefused ? refused.getLast().reply() : lastReply;
            finish(allRefused ? TransactionRecord.Outcome.refusedWith(last) : TransactionRecord.Outcome.ABORTED, last,
                    transactionVerdict, GatewayMetrics.STAGE_RCPT);
        }
        refused.clear();
        guardTags.clear();
        sender = null;
        parameters = null;
        senderGiven = false;
        recipients.clear();
        transactionVerdict = null;
        if (checks != null) {
            checks.reset();
        }
    }

    /** A reply to a command that went well (or was refused by policy): not an error. */
    private boolean answer(Reply reply) throws IOException {
        reply(reply);
        flushUnlessPipelined();
        return true;
    }

    /** A reply to a client error; past the hard error limit the session ends. */
    private boolean error(Reply reply) throws IOException {
        reply(reply);
        if (++errors >= settings.hardErrorLimit()) {
            reply(new Reply(421, "4.7.0", settings.hostname() + " Error: too many errors"));
            flush();
            return false;
        }
        flushUnlessPipelined();
        return true;
    }

    private void reply(Reply reply) throws IOException {
        lastReply = reply;
        write(reply.code() + " " + (reply.enhanced() == null ? "" : reply.enhanced() + " ") + reply.text() + "\r\n");
    }

    private void quietly(Reply reply) {
        try {
            reply(reply);
            flush();
        } catch (IOException e) {
            // the client is gone
        }
    }

    private void flushQuietly() {
        try {
            flush();
        } catch (IOException e) {
            // the client is gone altogether
        }
    }

    private void write(String text) throws IOException {
        out.write(text.getBytes(StandardCharsets.UTF_8));
    }

    private void flush() throws IOException {
        out.flush();
    }

    /** RFC 2920: replies to a pipelined group go out together, once the client has nothing more queued. */
    private void flushUnlessPipelined() throws IOException {
        if (!input.hasPendingInput()) {
            out.flush();
        }
    }

    private static void sleep(long millis) throws IOException {
        try {
            Thread.sleep(Math.max(1, millis));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    /** The checks could not answer in time or failed: the session tells the client to retry later. */
    static final class CheckFailure extends IOException {
        CheckFailure(Exception cause) {
            super("checks failed: " + cause, cause);
        }
    }
}
