package org.mxguard.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
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
import org.mxguard.queue.FaultyFiles;
import org.mxguard.queue.NioSpoolFiles;
import org.mxguard.queue.QueueIds;
import org.mxguard.queue.Spool;
import org.mxguard.queue.SpoolFiles;

/**
 * The session's protocol rules, over a real socket on 127.0.0.1, with every check allowlisted
 * (so no DNS is asked): order of commands, limits, errors, timeouts.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class SmtpSessionTest {
    private static final String HOSTNAME = "gw.mxguard.test";

    @TempDir
    Path spoolDirectory;

    private final List<Envelope> queued = new ArrayList<>();
    private final org.mxguard.web.GatewayMetrics metrics = new org.mxguard.web.GatewayMetrics();
    private SmtpServer server;
    /** What the spool writes through: the real files, or {@link FaultyFiles} to fail one step. */
    private SpoolFiles files = new NioSpoolFiles();

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private InetSocketAddress start(SessionSettings settings, SmtpServer.Limits limits) throws IOException {
        Spool spool = new Spool(spoolDirectory, files, new QueueIds(Clock.systemUTC(), new SplittableRandom(1)),
                Clock.systemUTC(), 0);
        spool.recover();
        Resolver noDns = question -> CompletableFuture.completedFuture(new DnsAnswer.TempFail<>(question, "no DNS in this test"));
        CheckSuite suite = CheckSuite.standard(LocalIdentity.none(), GenericNameClassifier.standard());
        Policy everyoneAllowed = new Policy(ActionTable.defaults(), new Allowlist(List.of(
                new AllowlistEntry(AllowlistEntry.Kind.CIDR, "127.0.0.0/8", List.of(), "test clients"))));
        GatewayContext context = new GatewayContext(new GatewayContext.Setup(settings,
                new RelayControl(Set.of("protected.test"), List.of()),
                client -> new SessionChecks(suite, everyoneAllowed, noDns, 20, client)), spool, queued::add,
                Clock.systemUTC(), GatewayContext.Guards.NONE, metrics, new TransactionLog());
        server = SmtpServer.start(List.of(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0)), limits,
                context.sessions());
        return server.addresses().getFirst();
    }

    private InetSocketAddress start() throws IOException {
        return start(SessionSettings.defaults(HOSTNAME).withGreetWait(Duration.ZERO), SmtpServer.Limits.DEFAULT);
    }

    /** A client that sends one line at a time and reads the whole reply to it. */
    private static final class Client implements AutoCloseable {
        final Socket socket;
        final BufferedReader in;
        final OutputStream out;

        Client(InetSocketAddress server) throws IOException {
            socket = new Socket();
            socket.connect(server, 5000);
            socket.setSoTimeout(10_000);
            in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
            out = socket.getOutputStream();
        }

        /** The reply's lines joined; "" when the server closed the connection. */
        String reply() throws IOException {
            StringBuilder reply = new StringBuilder();
            String line;
            while ((line = in.readLine()) != null) {
                reply.append(line).append('\n');
                if (line.length() < 4 || line.charAt(3) != '-') {
                    break;
                }
            }
            return reply.toString().strip();
        }

        String send(String raw) throws IOException {
            out.write(raw.getBytes(StandardCharsets.UTF_8));
            out.flush();
            return reply();
        }

        String command(String line) throws IOException {
            return send(line + "\r\n");
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    @Test
    void commandsOutOfOrderAreRefusedAndTheSessionGoesOn() throws Exception {
        try (Client c = new Client(start())) {
            assertThat(c.reply()).isEqualTo("220 " + HOSTNAME + " ESMTP mxguard");
            assertThat(c.command("MAIL FROM:<a@good.test>")).startsWith("503 5.5.1");
            assertThat(c.command("EHLO client.good.test")).contains("250-PIPELINING").contains("250 SMTPUTF8");
            assertThat(c.command("RCPT TO:<b@protected.test>")).startsWith("503 5.5.1 Error: need MAIL");
            assertThat(c.command("DATA")).startsWith("503 5.5.1");
            assertThat(c.command("MAIL FROM:<a@good.test>")).isEqualTo("250 2.1.0 Ok");
            assertThat(c.command("MAIL FROM:<a@good.test>")).startsWith("503 5.5.1 Error: nested MAIL");
            assertThat(c.command("DATA")).startsWith("554 5.5.1 Error: no valid recipients");
            assertThat(c.command("RCPT TO:<b@elsewhere.test>")).startsWith("554 5.7.1");
            assertThat(c.command("RCPT TO:<b@protected.test>")).isEqualTo("250 2.1.5 Ok");
            assertThat(c.command("NOOP")).isEqualTo("250 2.0.0 Ok");
            assertThat(c.command("VRFY b")).startsWith("252 2.0.0");
            assertThat(c.command("HELP")).startsWith("214 2.0.0");
            assertThat(c.command("BDAT 10")).startsWith("502 5.5.2");
            assertThat(c.command("RSET")).isEqualTo("250 2.0.0 Ok");
            assertThat(c.command("DATA")).startsWith("503 5.5.1");
            assertThat(c.command("QUIT")).isEqualTo("221 2.0.0 Bye");
            assertThat(c.reply()).isEmpty();
        }
        assertThat(queued).isEmpty();
    }

    @Test
    void aMessageIsQueuedAndTheNextTransactionStartsClean() throws Exception {
        try (Client c = new Client(start())) {
            c.reply();
            c.command("EHLO client.good.test");
            c.command("MAIL FROM:<a@good.test>");
            c.command("RCPT TO:<b@protected.test>");
            c.command("RCPT TO:<b@Protected.Test>"); // the same mailbox: the domain's case does not matter
            assertThat(c.command("DATA")).startsWith("354 ");
            assertThat(c.send("Subject: one\r\n\r\n..dot\r\n.\r\n")).matches("250 2\\.0\\.0 Ok: queued as [0-9a-v]{17}");
            assertThat(c.command("RCPT TO:<b@protected.test>")).startsWith("503 5.5.1");
            c.command("MAIL FROM:<>");
            c.command("RCPT TO:<postmaster>");
            c.command("DATA");
            assertThat(c.send("Subject: two\r\n\r\nx\r\n.\r\n")).startsWith("250 2.0.0 Ok: queued as ");
        }
        assertThat(queued).hasSize(2);
        assertThat(queued.getFirst().recipients()).extracting(r -> r.address())
                .containsExactly("b@protected.test");
        assertThat(queued.get(1).sender()).isEmpty();
        assertThat(queued.get(1).recipients().getFirst().address()).isEqualTo("postmaster@" + HOSTNAME);
    }

    /**
     * The spool fails at one of its steps for the message (1 the free-space check at DATA, 2 the
     * body, 3 the envelope, 4 and 5 their renames, 6 the directory sync): the client gets 452 4.3.1
     * where the 250 would have been, nothing is left in the spool, and the session goes on: the next
     * message is queued, once.
     */
    @ParameterizedTest(name = "spool step {0} fails")
    @ValueSource(ints = {1, 2, 3, 4, 5, 6})
    void aSpoolStepThatFailsGivesA452NeverA250AndLeavesNothing(int step) throws Exception {
        FaultyFiles faulty = new FaultyFiles();
        files = faulty;
        try (Client c = new Client(start())) {
            c.reply();
            c.command("EHLO client.good.test");
            c.command("MAIL FROM:<a@good.test>");
            c.command("RCPT TO:<b@protected.test>");
            faulty.failAt(step);
            String data = c.command("DATA");
            String end = step == 1 ? data : c.send("Subject: lost\r\n\r\nnot queued\r\n.\r\n");
            if (step > 1) {
                assertThat(data).startsWith("354 ");
            }

            assertThat(end).isEqualTo("452 4.3.1 Insufficient system storage");
            assertThat(queued).isEmpty();
            assertThat(messageFiles()).as("left in the spool").isEmpty();
            c.command("MAIL FROM:<a@good.test>");
            c.command("RCPT TO:<b@protected.test>");
            c.command("DATA");
            assertThat(c.send("Subject: next\r\n\r\nqueued\r\n.\r\n")).startsWith("250 2.0.0 Ok: queued as ");
        }
        assertThat(queued).hasSize(1);
        assertThat(messageFiles()).hasSize(2);
    }

    /** A disk that fills while the data streams in: 452 after the final dot, and no partial file. */
    @Test
    void aDiskThatFillsDuringTheDataGivesA452AndLeavesNothing() throws Exception {
        FaultyFiles faulty = new FaultyFiles();
        files = faulty;
        try (Client c = new Client(start())) {
            c.reply();
            c.command("EHLO client.good.test");
            c.command("MAIL FROM:<a@good.test>");
            c.command("RCPT TO:<b@protected.test>");
            assertThat(c.command("DATA")).startsWith("354 ");
            faulty.diskFullAfter(1000);

            assertThat(c.send("Subject: big\r\n\r\n" + ("x".repeat(70) + "\r\n").repeat(100) + ".\r\n"))
                    .isEqualTo("452 4.3.1 Insufficient system storage");
            assertThat(queued).isEmpty();
            assertThat(messageFiles()).isEmpty();
            assertThat(c.command("NOOP")).as("the session goes on").isEqualTo("250 2.0.0 Ok");
        }
    }

    /** The files in the spool's message directories (one-letter names), temporary ones included. */
    private List<Path> messageFiles() throws IOException {
        try (java.util.stream.Stream<Path> all = java.nio.file.Files.walk(spoolDirectory, 2)) {
            return all.filter(java.nio.file.Files::isRegularFile)
                    .filter(f -> f.getParent().getFileName().toString().length() == 1).toList();
        }
    }

    @Test
    void limitsOnLinesSizesAndRecipients() throws Exception {
        SessionSettings small = new SessionSettings(HOSTNAME, 2048, 2, Duration.ofMinutes(1), Duration.ofMinutes(1), 20,
                Duration.ZERO, SessionSettings.RejectAt.RCPT, false);
        try (Client c = new Client(start(small, SmtpServer.Limits.DEFAULT))) {
            c.reply();
            assertThat(c.command("EHLO " + "a".repeat(600))).startsWith("500 5.5.2 Error: line too long");
            // the bare LF ends the refused line; what follows it is a line of its own
            assertThat(c.send("EHLO client\ngood.test\r\n")).startsWith("500 5.5.2 Error: bare");
            assertThat(c.reply()).startsWith("502 5.5.2");
            assertThat(c.command("EHLO client.good.test")).contains("250-SIZE 2048");
            assertThat(c.command("MAIL FROM:<a@good.test> SIZE=4096")).startsWith("552 5.3.4");
            c.command("MAIL FROM:<a@good.test>");
            c.command("RCPT TO:<b@protected.test>");
            c.command("RCPT TO:<c@protected.test>");
            assertThat(c.command("RCPT TO:<d@protected.test>")).startsWith("452 4.5.3");
            c.command("DATA");
            assertThat(c.send("Subject: big\r\n\r\n" + ("x".repeat(70) + "\r\n").repeat(40) + ".\r\n"))
                    .startsWith("552 5.3.4");
            assertThat(c.command("MAIL FROM:<a@good.test>")).isEqualTo("250 2.1.0 Ok");
        }
        assertThat(queued).isEmpty();
    }

    /**
     * A client that pipelines the end of its message with the start of a command it never finishes,
     * and then closes its side, still hears that the message was queued: a reply held back for the
     * pipelined group goes out when the input ends, or the client would send the message again.
     */
    @Test
    void repliesHeldBackForAPipelinedGroupGoOutWhenTheClientCloses() throws Exception {
        try (Client c = new Client(start())) {
            c.reply();
            c.command("EHLO client.good.test");
            c.command("MAIL FROM:<a@good.test>");
            c.command("RCPT TO:<b@protected.test>");
            assertThat(c.command("DATA")).startsWith("354 ");
            c.out.write("Subject: x\r\n\r\nx\r\n.\r\nQU".getBytes(StandardCharsets.US_ASCII));
            c.socket.shutdownOutput();
            assertThat(c.reply()).startsWith("250 2.0.0 Ok: queued as ");
            assertThat(c.reply()).isEmpty();
        }
        assertThat(queued).hasSize(1);
    }

    @Test
    void tooManyErrorsEndTheSession() throws Exception {
        SessionSettings strict = new SessionSettings(HOSTNAME, 10_000, 10, Duration.ofMinutes(1), Duration.ofMinutes(1), 3,
                Duration.ZERO, SessionSettings.RejectAt.RCPT, false);
        try (Client c = new Client(start(strict, SmtpServer.Limits.DEFAULT))) {
            c.reply();
            c.command("FOO");
            c.command("BAR");
            assertThat(c.command("BAZ")).startsWith("502 5.5.2");
            assertThat(c.reply()).isEqualTo("421 4.7.0 " + HOSTNAME + " Error: too many errors");
            assertThat(c.reply()).isEmpty();
        }
    }

    @Test
    void anIdleClientIsToldAndDisconnected() throws Exception {
        SessionSettings impatient = new SessionSettings(HOSTNAME, 10_000, 10, Duration.ofMillis(300), Duration.ofMillis(300),
                20, Duration.ZERO, SessionSettings.RejectAt.RCPT, false);
        try (Client c = new Client(start(impatient, SmtpServer.Limits.DEFAULT))) {
            c.reply();
            assertThat(c.reply()).startsWith("421 4.4.2 " + HOSTNAME + " Error: timeout exceeded");
            assertThat(c.reply()).isEmpty();
        }
    }

    /** Slowloris: each byte comes well within the timeout, but the command as a whole does not. */
    @Test
    void aClientThatDribblesACommandIsCutOffAtTheCommandTimeout() throws Exception {
        SessionSettings impatient = new SessionSettings(HOSTNAME, 10_000, 10, Duration.ofMillis(1500), Duration.ofMillis(1500),
                20, Duration.ZERO, SessionSettings.RejectAt.RCPT, false);
        try (Client c = new Client(start(impatient, SmtpServer.Limits.DEFAULT))) {
            assertThat(c.reply()).startsWith("220 ");
            assertThat(dribble(c, "NOOP\r\n", 200)).as("a whole command in time").isEqualTo("250 2.0.0 Ok");
            // 40 bytes, one each 300 ms: 12 s of a line that never ends, each read within the 1.5 s
            assertThat(dribble(c, "X".repeat(40), 300)).startsWith("421 4.4.2 " + HOSTNAME + " Error: timeout exceeded");
            assertThat(c.reply()).isEmpty();
        }
    }

    /** Sends {@code text} a byte at a time from another thread, and returns the first reply it gets meanwhile. */
    private static String dribble(Client c, String text, long pauseMillis) throws Exception {
        Thread writer = Thread.ofVirtual().start(() -> {
            try {
                for (byte b : text.getBytes(StandardCharsets.US_ASCII)) {
                    c.out.write(b);
                    c.out.flush();
                    Thread.sleep(pauseMillis);
                }
            } catch (IOException | InterruptedException e) {
                // cut off: what the test expects of the long line
            }
        });
        try {
            return c.reply();
        } finally {
            writer.interrupt();
            writer.join();
        }
    }

    @Test
    void connectionsBeyondTheClientsLimitAreRefused() throws Exception {
        InetSocketAddress gateway = start(SessionSettings.defaults(HOSTNAME).withGreetWait(Duration.ZERO),
                new SmtpServer.Limits(100, 2));
        try (Client first = new Client(gateway); Client second = new Client(gateway); Client third = new Client(gateway)) {
            // each connection is counted on its own thread: which of the three comes last is a race
            List<Client> clients = List.of(first, second, third);
            List<String> greetings = new java.util.ArrayList<>();
            for (Client c : clients) {
                greetings.add(c.reply());
            }
            assertThat(greetings).filteredOn(g -> g.startsWith("220 ")).hasSize(2);
            assertThat(greetings).filteredOn(g -> g.startsWith("421 4.7.0 Error: too many connections from 127.0.0.1"))
                    .hasSize(1);
            Client admitted = clients.get(greetings.indexOf(greetings.stream().filter(g -> g.startsWith("220 "))
                    .findFirst().orElseThrow()));
            assertThat(admitted.command("NOOP")).isEqualTo("250 2.0.0 Ok");
        }
        var out = new java.io.ByteArrayOutputStream();
        io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter.create().write(out, metrics.registry().scrape());
        assertThat(out.toString(StandardCharsets.UTF_8))
                .contains("mxguard_smtp_connections_total{outcome=\"refused_limit\"} 1.0")
                .contains("mxguard_smtp_connections_total{outcome=\"accepted\"} 2.0");
    }
}
