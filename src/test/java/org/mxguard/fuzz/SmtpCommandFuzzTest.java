package org.mxguard.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.mxguard.check.CheckSuite;
import org.mxguard.check.GenericNameClassifier;
import org.mxguard.check.LocalIdentity;
import org.mxguard.dns.DnsAnswer;
import org.mxguard.dns.Resolver;
import org.mxguard.policy.ActionTable;
import org.mxguard.policy.Allowlist;
import org.mxguard.policy.AllowlistEntry;
import org.mxguard.policy.Policy;
import org.mxguard.policy.SessionChecks;
import org.mxguard.queue.Envelope;
import org.mxguard.queue.QueueIds;
import org.mxguard.queue.Recipient;
import org.mxguard.queue.Spool;
import org.mxguard.queue.SpoolFiles;
import org.mxguard.smtp.GatewayContext;
import org.mxguard.smtp.RelayControl;
import org.mxguard.smtp.SessionSettings;
import org.mxguard.smtp.SmtpInput;
import org.mxguard.smtp.TransactionLog;
import org.mxguard.web.GatewayMetrics;
import org.slf4j.helpers.NOPLogger;

/**
 * The SMTP command parser and the session's state machine: a whole gateway session (the real
 * {@code SmtpSession}, its checks and spool) over an in-memory connection, fed what the fuzzer
 * makes as everything the client sends. No DNS is asked: the checks either allowlist the client or
 * have every lookup fail temporarily.
 *
 * <p>What must hold, whatever was sent: the session ends without an unchecked exception; every
 * reply line is a well-formed SMTP reply of printable ASCII within 512 octets (nothing the client
 * sent can break a reply line); the greeting comes first and no more replies follow than the
 * client sent lines (one per line, plus a closing 421); each {@code 250 ... queued as ID} matches
 * a message in the spool and there is no other; no message is queued for a domain that is not ours
 * (never an open relay, whatever the address form); a queued message has no bare CR or LF, stays
 * within the size limit, and is the unstuffed text after some {@code DATA} line up to the first
 * {@code <CRLF>.<CRLF>} after it (so it was never cut short by a smuggled terminator). Besides, the
 * command line reader, run over the same input, reads what {@link CommandLineModel} says.
 *
 * <p>Input: one settings octet (bit 0: the client is allowlisted, else its checks tempfail; bit 1:
 * reject at the earliest stage; bits 2-3: recipient limit 1, 2, 3 or 1000; bit 4: error limit 3
 * or 20; bit 5: size limit 64 or 10,240,000 octets), then what the client sends.
 */
class SmtpCommandFuzzTest {
    static final String HOSTNAME = "gw.fuzz.test";
    static final String RELAY_DOMAIN = "protected.test";
    private static final Pattern REPLY_LINE = Pattern.compile("[2-5][0-9][0-9][ -][\\x20-\\x7e]*");
    /** After SMTPUTF8 a reply may echo a UTF-8 address (RFC 6531 §3.7.4): octets of 0x80 and up, no controls. */
    private static final Pattern UTF8_REPLY_LINE = Pattern.compile("[2-5][0-9][0-9][ -][\\x20-\\x7e\\x80-\\xff]*");
    private static final Pattern QUEUED = Pattern.compile("250 2\\.0\\.0 Ok: queued as (\\S+)");
    private static final InetAddress ALLOWLISTED = address("127.0.0.1");
    static final InetAddress UNKNOWN = address("192.0.2.7"); // only named, never contacted

    private static final Spool SPOOL = temporarySpool();
    private static final List<Envelope> QUEUED_NOW = new ArrayList<>();

    @FuzzTest
    void session(byte[] input) throws IOException {
        int settings = Wire.settings(input);
        byte[] sent = Wire.payload(input);
        checkCommandLines(sent);

        SessionSettings session = new SessionSettings(HOSTNAME, (settings & 0x20) != 0 ? 10_240_000 : 64,
                new int[] {1, 2, 3, 1000}[(settings >>> 2) & 3], Duration.ofMinutes(1), Duration.ofMinutes(1),
                (settings & 0x10) != 0 ? 20 : 3, Duration.ZERO,
                (settings & 2) != 0 ? SessionSettings.RejectAt.EARLIEST : SessionSettings.RejectAt.RCPT, false);
        InetAddress client = (settings & 1) != 0 ? ALLOWLISTED : UNKNOWN;
        ByteArrayOutputStream replies = new ByteArrayOutputStream();
        QUEUED_NOW.clear();
        try {
            context(session).sessions().session(new MemorySocket(new Wire.Chunked(sent, 1 << 20), replies), client).run();
            checkReplies(sent, replies.toByteArray(), session);
        } finally {
            for (Envelope e : QUEUED_NOW) {
                SPOOL.delete(e.id());
            }
        }
    }

    /** The command line reader over the whole input, line after line, as the model says. */
    private static void checkCommandLines(byte[] sent) throws IOException {
        SmtpInput reader = new SmtpInput(new Wire.Chunked(sent, 7));
        int at = 0;
        while (true) {
            CommandLineModel.Expected read = CommandLineModel.check(reader, sent, at);
            if (read instanceof CommandLineModel.End) {
                return;
            }
            at = read.next();
        }
    }

    private static void checkReplies(byte[] sent, byte[] output, SessionSettings settings) throws IOException {
        String text = new String(output, StandardCharsets.ISO_8859_1);
        check(text.isEmpty() || text.endsWith("\r\n"), "output ends inside a reply line");
        List<String> lines = text.isEmpty() ? List.of() : Arrays.asList(text.split("\r\n", -1)).subList(0,
                text.split("\r\n", -1).length - 1);
        check(!lines.isEmpty() && lines.getFirst().equals("220 " + HOSTNAME + " ESMTP mxguard"),
                "no greeting first: " + lines.stream().findFirst().orElse("(nothing)"));
        boolean smtputf8 = new String(sent, StandardCharsets.ISO_8859_1).toUpperCase(Locale.ROOT).contains("SMTPUTF8");
        int finals = 0;
        List<String> queuedIds = new ArrayList<>();
        for (String line : lines) {
            check(line.length() + 2 <= 512, "a reply line of " + (line.length() + 2) + " octets");
            check((smtputf8 ? UTF8_REPLY_LINE : REPLY_LINE).matcher(line).matches(), "not a reply line: " + printable(line));
            if (line.charAt(3) == ' ') {
                finals++;
            }
            Matcher queued = QUEUED.matcher(line);
            if (queued.matches()) {
                queuedIds.add(queued.group(1));
            }
        }
        long lineEnds = 0;
        for (byte b : sent) {
            lineEnds += b == '\n' ? 1 : 0;
        }
        check(finals <= lineEnds + 2, finals + " replies to " + lineEnds + " lines");

        List<String> spooled = QUEUED_NOW.stream().map(e -> e.id().toString()).toList();
        check(spooled.equals(queuedIds), "queued " + spooled + " but replied " + queuedIds);
        List<Integer> afterData = afterDataLines(sent);
        boolean forgeable = new String(sent, StandardCharsets.ISO_8859_1).toLowerCase(Locale.ROOT)
                .contains("authentication-results");
        for (Envelope envelope : QUEUED_NOW) {
            check(!envelope.recipients().isEmpty() && envelope.recipients().size() <= settings.maxRecipients(),
                    envelope.recipients().size() + " recipients");
            for (Recipient r : envelope.recipients()) {
                String address = r.address().toLowerCase(Locale.ROOT);
                check(address.endsWith("@" + RELAY_DOMAIN) || address.equals("postmaster@" + HOSTNAME),
                        "an open relay: queued for " + printable(r.address()));
            }
            byte[] body = Files.readAllBytes(SPOOL.body(envelope.id()));
            check(body.length <= settings.maxMessageBytes(), "a message of " + body.length + " octets");
            check(!bareLineEnd(body), "a queued message with a bare CR or LF");
            if (!forgeable) { // an Authentication-Results field claiming our verdict is dropped
                check(afterData.stream().anyMatch(p -> Arrays.equals(body,
                        SmtpDataFuzzTest.model(Arrays.copyOfRange(sent, p, sent.length)).content())),
                        "a queued message that is no DATA text the client sent");
            }
        }
    }

    /** Where the text after each {@code DATA} command line (any case, blank argument) would start. */
    private static List<Integer> afterDataLines(byte[] sent) {
        List<Integer> starts = new ArrayList<>();
        int at = 0;
        while (true) {
            CommandLineModel.Expected read = CommandLineModel.at(sent, at);
            if (read instanceof CommandLineModel.End) {
                return starts;
            }
            if (read instanceof CommandLineModel.Line line) {
                String t = line.text();
                int space = t.indexOf(' ');
                String verb = space < 0 ? t : t.substring(0, space);
                if (verb.equalsIgnoreCase("DATA") && (space < 0 || t.substring(space + 1).isBlank())) {
                    starts.add(read.next());
                }
            }
            // after a refused line, what follows its LF is read as a line
            at = read.next();
        }
    }

    static boolean bareLineEnd(byte[] b) {
        for (int i = 0; i < b.length; i++) {
            if (b[i] == '\r' && (i + 1 == b.length || b[i + 1] != '\n')
                    || b[i] == '\n' && (i == 0 || b[i - 1] != '\r')) {
                return true;
            }
        }
        return false;
    }

    private static GatewayContext context(SessionSettings settings) {
        Resolver noDns = question -> CompletableFuture.completedFuture(new DnsAnswer.TempFail<>(question, "no DNS here"));
        CheckSuite suite = CheckSuite.standard(LocalIdentity.none(), GenericNameClassifier.standard());
        Policy policy = new Policy(ActionTable.defaults(), new Allowlist(List.of(
                new AllowlistEntry(AllowlistEntry.Kind.CIDR, "127.0.0.0/8", List.of(), "fuzzing client"))));
        return new GatewayContext(new GatewayContext.Setup(settings, new RelayControl(Set.of(RELAY_DOMAIN), List.of()),
                c -> new SessionChecks(suite, policy, noDns, 20, c)), SPOOL, QUEUED_NOW::add, Clock.systemUTC(),
                GatewayContext.Guards.NONE, new GatewayMetrics(), new TransactionLog(NOPLogger.NOP_LOGGER));
    }

    static void check(boolean holds, String what) {
        if (!holds) {
            throw new AssertionError(what);
        }
    }

    static String printable(String s) {
        StringBuilder b = new StringBuilder();
        for (char c : s.toCharArray()) {
            b.append(c >= 0x20 && c < 0x7f ? String.valueOf(c) : String.format("\\x%02x", (int) c));
        }
        return b.toString();
    }

    private static InetAddress address(String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Spool temporarySpool() {
        try {
            Spool spool = new Spool(Files.createTempDirectory("mxguard-fuzz-spool"), new QuickFiles(),
                    new QueueIds(Clock.systemUTC(), new SplittableRandom(1)), Clock.systemUTC(), 0);
            spool.recover();
            return spool;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A connection whose client sent {@code in} and then closed; what the server writes goes to {@code out}. */
    static final class MemorySocket extends Socket {
        private final InputStream in;
        private final OutputStream out;

        MemorySocket(InputStream in, OutputStream out) {
            this.in = in;
            this.out = out;
        }

        @Override
        public InputStream getInputStream() {
            return in;
        }

        @Override
        public OutputStream getOutputStream() {
            return out;
        }

        @Override
        public void setSoTimeout(int timeout) {
        }

        @Override
        public void setTcpNoDelay(boolean on) {
        }
    }

    /** The spool's file operations without fsync: durability is not what is fuzzed here, and fsync is slow. */
    private static final class QuickFiles implements SpoolFiles {
        @Override
        public long writeDurably(Path file, Content content) throws IOException {
            try (OutputStream out = new java.io.BufferedOutputStream(Files.newOutputStream(file,
                    java.nio.file.StandardOpenOption.CREATE_NEW, java.nio.file.StandardOpenOption.WRITE))) {
                return content.writeTo(out);
            }
        }

        @Override
        public void moveAtomically(Path source, Path target) throws IOException {
            Files.move(source, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        }

        @Override
        public void syncDirectory(Path directory) {
        }

        @Override
        public void deleteIfExists(Path file) throws IOException {
            Files.deleteIfExists(file);
        }

        @Override
        public long usableSpace(Path directory) {
            return Long.MAX_VALUE;
        }
    }
}
