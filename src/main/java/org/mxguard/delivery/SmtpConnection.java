package org.mxguard.delivery;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import javax.net.ssl.SSLSession;
import org.mxguard.delivery.SmtpRecipientResult.Outcome;

/**
 * One open SMTP session, greeted and past EHLO/HELO (and STARTTLS when there was one), made by
 * {@link SmtpClient#connect}. It sends transactions one after another; one thread at a time.
 *
 * <p>A recipient is only ever reported delivered after the server's 2xx to the end of the data.
 * When the connection breaks or a reply does not come in time, every recipient not yet answered
 * for good is a transient failure, so the message is tried again: a duplicate at worst (RFC 5321
 * §4.1.1.4 accepts that risk), never a loss.
 */
public final class SmtpConnection implements AutoCloseable {
    /** RFC 3463 X.4.2: bad connection (lost, or a reply that did not come in time). */
    private static final String LOST = "4.4.2";
    /** RFC 3463 X.5.0: the server did not follow the protocol. */
    private static final String PROTOCOL = "4.5.0";

    private final SmtpWire wire;
    private final SmtpTimeouts timeouts;
    private final InetSocketAddress target;
    private final InetAddress source;
    private final String heloName;
    private final SmtpReply greeting;
    private final SmtpCapabilities capabilities;
    private final Tls tls;
    private final String tlsProblem;
    private int transactions;
    private boolean needsReset;
    private String broken;
    private boolean closed;

    /** How TLS was set up, when it was. */
    public record Tls(String protocol, String cipherSuite) {
    }

    SmtpConnection(SmtpWire wire, SmtpTimeouts timeouts, InetSocketAddress target, InetAddress source,
            String heloName, SmtpReply greeting, SmtpCapabilities capabilities, String tlsProblem) {
        this.wire = wire;
        this.timeouts = timeouts;
        this.target = target;
        this.source = source;
        this.heloName = heloName;
        this.greeting = greeting;
        this.capabilities = capabilities;
        SSLSession session = wire.tlsSession();
        this.tls = session == null ? null : new Tls(session.getProtocol(), session.getCipherSuite());
        this.tlsProblem = tlsProblem;
    }

    /**
     * Sends one transaction: MAIL, RCPT per recipient, and DATA when at least one recipient was
     * accepted. With PIPELINING, MAIL, every RCPT and DATA go in one write and the replies are
     * read after (RFC 2920); otherwise each command waits for its reply. On a connection that
     * already carried a transaction, RSET comes first. A message larger than the server's
     * announced SIZE is not sent at all: every recipient fails permanently with 5.3.4.
     */
    public SmtpTransactionResult send(SmtpTransaction transaction) {
        Transcript t = new Transcript(transaction.recipients());
        if (!isUsable()) {
            return t.abandon(LOST, "connection to " + target + " is not usable: "
                    + (broken != null ? broken : "closed"));
        }
        transactions++;
        try {
            if (needsReset && !reset()) {
                return t.abandon(LOST, "RSET before the transaction failed: " + broken);
            }
            long size = transaction.body().size();
            OptionalLong limit = capabilities.sizeLimit();
            if (limit.isPresent() && size > limit.getAsLong()) {
                return t.refuseAll(Outcome.PERMANENT, "5.3.4", "message of " + size + " octets is larger than the "
                        + limit.getAsLong() + " octets " + target + " accepts (its EHLO SIZE)");
            }
            InputStream body;
            try {
                body = transaction.body().open();
            } catch (IOException e) {
                return t.abandon("4.3.0", "cannot read the message: " + e.getMessage());
            }
            try {
                needsReset = true;
                if (capabilities.pipelining()) {
                    pipelined(transaction, size, body, t);
                } else {
                    lockStep(transaction, size, body, t);
                }
            } finally {
                closeQuietly(body);
            }
            return t.result();
        } catch (UncheckedIOException e) {
            // Files.size of the queue file: nothing was sent yet.
            return t.abandon("4.3.0", "cannot read the message: " + e.getCause().getMessage());
        } catch (UnreadableBody e) {
            // Half a message is on the wire: only closing the connection keeps it from being delivered.
            fail("cannot read the message: " + e.getMessage());
            return t.abandon("4.3.0", "cannot read the message: " + e.getMessage());
        } catch (IOException e) {
            String why = describe(e) + " " + t.waitingFor;
            fail(why);
            return t.abandon(LOST, why);
        }
    }

    /**
     * RSET, as a check that an idle connection still works before it is reused. False, and the
     * connection is broken, when the server does not answer 250.
     */
    public boolean reset() {
        if (!isUsable()) {
            return false;
        }
        try {
            wire.stage(timeouts.rset());
            wire.command("RSET");
            wire.flush();
            SmtpReply reply = wire.readReply();
            if (!reply.isPositive()) {
                fail("RSET answered " + reply);
                return false;
            }
            needsReset = false;
            return true;
        } catch (IOException e) {
            fail(describe(e) + " waiting for the reply to RSET");
            return false;
        }
    }

    /** Open and in step with the server: nothing has gone wrong at the protocol level. */
    public boolean isUsable() {
        return !closed && broken == null && !wire.isClosed();
    }

    /** Why the connection cannot be used any more (a lost connection, a timeout, a 421), if so. */
    public Optional<String> failure() {
        return Optional.ofNullable(broken);
    }

    /** Transactions begun on this connection (including one refused for its size). */
    public int transactions() {
        return transactions;
    }

    public InetSocketAddress target() {
        return target;
    }

    /** The source address asked for; empty when the system chose. */
    public Optional<InetAddress> source() {
        return Optional.ofNullable(source);
    }

    /** The address the connection actually leaves from. */
    public InetAddress localAddress() {
        return wire.tcp().getLocalAddress();
    }

    public String heloName() {
        return heloName;
    }

    public SmtpReply greeting() {
        return greeting;
    }

    public SmtpCapabilities capabilities() {
        return capabilities;
    }

    /** Present when the session is encrypted. */
    public Optional<Tls> tls() {
        return Optional.ofNullable(tls);
    }

    /**
     * Why the session is in plaintext although the server offered STARTTLS: it refused the
     * command, or the handshake failed and this is the plaintext retry on a new connection.
     */
    public Optional<String> tlsProblem() {
        return Optional.ofNullable(tlsProblem);
    }

    /** QUIT (when the session is still in step), then closes the socket. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (broken == null && !wire.isClosed()) {
            wire.quitQuietly(timeouts.quit());
        }
        wire.close();
    }

    @Override
    public String toString() {
        return "SMTP " + (source == null ? "" : source.getHostAddress() + " -> ") + target
                + (tls != null ? " (" + tls.protocol() + ")" : "");
    }

    private void lockStep(SmtpTransaction transaction, long size, InputStream body, Transcript t)
            throws IOException {
        wire.stage(timeouts.mail());
        sendCommand(t, mailCommand(transaction, size), "MAIL FROM");
        if (!t.mail(expectReply(t, "MAIL FROM"))) {
            return;
        }
        List<String> recipients = transaction.recipients();
        for (int i = 0; i < recipients.size(); i++) {
            String rcpt = "RCPT TO:<" + recipients.get(i) + ">";
            wire.stage(timeouts.rcpt());
            sendCommand(t, rcpt, rcpt);
            t.rcpt(i, expectReply(t, rcpt));
        }
        if (t.accepted() == 0) {
            return;
        }
        wire.stage(timeouts.dataInitiation());
        sendCommand(t, "DATA", "DATA");
        if (t.data(expectDataReply(t))) {
            sendMessage(body, t);
        }
    }

    private void pipelined(SmtpTransaction transaction, long size, InputStream body, Transcript t)
            throws IOException {
        List<String> recipients = transaction.recipients();
        wire.stage(timeouts.mail());
        wire.command(mailCommand(transaction, size));
        for (String r : recipients) {
            wire.command("RCPT TO:<" + r + ">");
        }
        wire.command("DATA");
        t.waitingFor = "sending MAIL, RCPT and DATA";
        wire.flush();
        SmtpReply mail = expectReply(t, "MAIL FROM");
        t.mailReply = mail;
        for (int i = 0; i < recipients.size(); i++) {
            wire.stage(timeouts.rcpt());
            t.rcpt(i, expectReply(t, "RCPT TO:<" + recipients.get(i) + ">"));
        }
        wire.stage(timeouts.dataInitiation());
        SmtpReply data = expectDataReply(t);
        // MAIL decides for everyone; the RCPT replies after a refused MAIL are mere 503s.
        boolean mailAccepted = t.mail(mail);
        if (!mailAccepted || t.accepted() == 0) {
            t.dataReply = data;
            if (data.code() == 354) {
                // RFC 2920 §3.1: DATA was taken although nobody can receive the message; end it empty.
                wire.stage(timeouts.dataTermination());
                wire.data().write(new byte[] {'.', '\r', '\n'});
                wire.flush();
                t.finalReply = expectReply(t, "the end of an empty message");
            }
            return;
        }
        if (t.data(data)) {
            sendMessage(body, t);
        }
    }

    private void sendMessage(InputStream body, Transcript t) throws IOException {
        wire.stage(timeouts.dataBlock());
        t.waitingFor = "sending the message";
        SmtpDataEncoder.encode(new BodyInput(body), wire.data());
        wire.flush();
        wire.stage(timeouts.dataTermination());
        t.finish(expectReply(t, "the end of the message"));
    }

    private void sendCommand(Transcript t, String command, String name) throws IOException {
        t.waitingFor = "sending " + name;
        wire.command(command);
        wire.flush();
    }

    /** Reads a reply; a 421 (the server is closing) or a 3xx where none belongs ends the session. */
    private SmtpReply expectReply(Transcript t, String command) throws IOException {
        t.waitingFor = "waiting for the reply to " + command;
        SmtpReply reply = wire.readReply();
        if (reply.isIntermediate()) {
            throw new SmtpWire.SmtpProtocolException("unexpected reply to " + command + ": " + reply);
        }
        closingIf421(reply);
        return reply;
    }

    private SmtpReply expectDataReply(Transcript t) throws IOException {
        t.waitingFor = "waiting for the reply to DATA";
        SmtpReply reply = wire.readReply();
        if (reply.isPositive() || (reply.isIntermediate() && reply.code() != 354)) {
            throw new SmtpWire.SmtpProtocolException("unexpected reply to DATA: " + reply);
        }
        closingIf421(reply);
        return reply;
    }

    /** RFC 5321 §3.8: after 421 the server closes; the session is over, though the reply still counts. */
    private void closingIf421(SmtpReply reply) {
        if (reply.code() == 421) {
            fail(target + " is closing the connection: " + reply);
        }
    }

    private String mailCommand(SmtpTransaction transaction, long size) {
        StringBuilder mail = new StringBuilder("MAIL FROM:<").append(transaction.sender()).append('>');
        if (capabilities.size()) {
            mail.append(" SIZE=").append(size);
        }
        // Without 8BITMIME an 8-bit message still goes as it is (sendmail's "pass8", Postfix with
        // MIME conversion off): nearly every server takes it, and turning it into 7-bit would mean
        // rewriting its MIME structure, which is not a transport's job.
        if (transaction.eightBit() && capabilities.eightBitMime()) {
            mail.append(" BODY=8BITMIME");
        }
        return mail.toString();
    }

    /** The session is out of step or over: remember why, and drop the connection without QUIT. */
    private void fail(String why) {
        if (broken == null) {
            broken = why;
        }
        wire.close();
    }

    private String describe(IOException e) {
        if (e instanceof SocketTimeoutException || wire.writeTimedOut()) {
            return "timed out after " + human(wire.stageTimeout());
        }
        if (e instanceof SmtpWire.SmtpProtocolException) {
            return e.getMessage() + ";";
        }
        if (broken != null && wire.isClosed()) {
            return broken + ";"; // we closed it ourselves, after a 421
        }
        if (e instanceof java.io.EOFException) {
            return e.getMessage();
        }
        return "lost connection (" + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()) + ")";
    }

    private static void closeQuietly(InputStream body) {
        try {
            body.close();
        } catch (IOException ignored) {
            // read to the end or abandoned: either way the server's replies decided
        }
    }

    static String human(Duration d) {
        if (d.toMillis() % 60_000 == 0) {
            return d.toMinutes() + " min";
        }
        if (d.toMillis() % 1000 == 0) {
            return d.toSeconds() + " s";
        }
        return d.toMillis() + " ms";
    }

    /** Marks failures to read our own message, which are no fault of the server. */
    private static final class UnreadableBody extends IOException {
        UnreadableBody(IOException cause) {
            super(cause.getMessage(), cause);
        }
    }

    private static final class BodyInput extends FilterInputStream {
        BodyInput(InputStream in) {
            super(in);
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            try {
                return super.read(b, off, len);
            } catch (IOException e) {
                throw new UnreadableBody(e);
            }
        }
    }

    /** What the server has said so far in one transaction, and who is decided. */
    private static final class Transcript {
        private final List<String> recipients;
        private final SmtpRecipientResult[] decided;
        private final SmtpReply[] rcptReplies;
        private SmtpReply mailReply;
        private SmtpReply dataReply;
        private SmtpReply finalReply;
        private String failure;
        String waitingFor = "starting the transaction";

        Transcript(List<String> recipients) {
            this.recipients = recipients;
            this.decided = new SmtpRecipientResult[recipients.size()];
            this.rcptReplies = new SmtpReply[recipients.size()];
        }

        /** Records the MAIL reply; a refusal decides every recipient. */
        boolean mail(SmtpReply reply) {
            mailReply = reply;
            if (reply.isPositive()) {
                return true;
            }
            for (int i = 0; i < decided.length; i++) {
                decided[i] = SmtpRecipientResult.decidedBy(recipients.get(i), reply, rcpt(i));
            }
            return false;
        }

        void rcpt(int i, SmtpReply reply) {
            rcptReplies[i] = reply;
            if (!reply.isPositive()) {
                decided[i] = SmtpRecipientResult.decidedBy(recipients.get(i), reply, Optional.of(reply));
            }
        }

        int accepted() {
            return (int) Arrays.stream(rcptReplies).filter(r -> r != null && r.isPositive()).count();
        }

        /** Records the DATA reply: true to go on with the message, else it decides the accepted. */
        boolean data(SmtpReply reply) {
            dataReply = reply;
            if (reply.code() == 354) {
                return true;
            }
            decideAccepted(reply);
            return false;
        }

        void finish(SmtpReply reply) {
            finalReply = reply;
            decideAccepted(reply);
        }

        private void decideAccepted(SmtpReply reply) {
            for (int i = 0; i < decided.length; i++) {
                if (decided[i] == null && rcptReplies[i] != null && rcptReplies[i].isPositive()) {
                    decided[i] = SmtpRecipientResult.decidedBy(recipients.get(i), reply, rcpt(i));
                }
            }
        }

        /**
         * Every recipient not yet decided is a transient failure decided here, not by a reply;
         * unless MAIL was refused, which decides for all whatever came after it.
         */
        SmtpTransactionResult abandon(String status, String why) {
            failure = why;
            if (mailReply != null && !mailReply.isPositive()) {
                mail(mailReply);
            }
            for (int i = 0; i < decided.length; i++) {
                if (decided[i] == null) {
                    decided[i] = SmtpRecipientResult.decidedHere(recipients.get(i), Outcome.TRANSIENT, status, why,
                            rcpt(i));
                }
            }
            return result();
        }

        SmtpTransactionResult refuseAll(Outcome outcome, String status, String why) {
            failure = why;
            for (int i = 0; i < decided.length; i++) {
                decided[i] = SmtpRecipientResult.decidedHere(recipients.get(i), outcome, status, why, rcpt(i));
            }
            return result();
        }

        SmtpTransactionResult result() {
            List<SmtpRecipientResult> results = new ArrayList<>(decided.length);
            for (int i = 0; i < decided.length; i++) {
                results.add(Objects.requireNonNull(decided[i], "undecided recipient"));
            }
            return new SmtpTransactionResult(results, Optional.ofNullable(mailReply), Optional.ofNullable(dataReply),
                    Optional.ofNullable(finalReply), Optional.ofNullable(failure));
        }

        private Optional<SmtpReply> rcpt(int i) {
            return Optional.ofNullable(rcptReplies[i]);
        }
    }
}
