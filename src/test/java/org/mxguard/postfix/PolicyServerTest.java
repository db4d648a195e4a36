package org.mxguard.postfix;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mxguard.check.CheckSuite;
import org.mxguard.check.GenericNameClassifier;
import org.mxguard.check.LocalIdentity;
import org.mxguard.dns.DnsAnswer;
import org.mxguard.dns.DnsQuestion;
import org.mxguard.dns.RecordType;
import org.mxguard.dns.Resolver;
import org.mxguard.policy.Policy;
import org.mxguard.policy.SessionChecks;
import org.mxguard.smtp.TransactionLog;
import org.mxguard.web.GatewayMetrics;
import org.slf4j.helpers.NOPLogger;

/**
 * The server's side of the protocol, over TCP and a UNIX-domain socket: many requests per
 * connection, many connections at once, and what it does with requests that break the protocol or
 * a limit (no answer, connection closed) and with clients that go away mid-request (nothing: the
 * others are served). VRFY requests keep DNS out of it: they are always DUNNO.
 */
@org.junit.jupiter.api.Timeout(60)
class PolicyServerTest {
    private static final String VRFY = "request=smtpd_access_policy\nprotocol_state=VRFY\nclient_address=192.0.2.1\n"
            + "x_unknown_attribute=ignored\n\n";
    private static final byte[] DUNNO = "action=DUNNO\n\n".getBytes(StandardCharsets.US_ASCII);

    @TempDir
    Path dir;

    private PolicyServer server;

    private PolicyServer start(Optional<Path> socket, PolicyServer.Limits limits) throws IOException {
        PolicyService service = new PolicyService(client -> {
            throw new AssertionError("no checks for VRFY");
        }, new PolicyService.Settings("mx.example.org", false, false, Duration.ofSeconds(5)),
                new TransactionLog(NOPLogger.NOP_LOGGER), GatewayMetrics.noop(), Clock.systemUTC());
        server = PolicyServer.start(List.of(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)), socket, limits,
                service);
        return server;
    }

    private PolicyServer start() throws IOException {
        return start(Optional.empty(), new PolicyServer.Limits(100, Duration.ofMinutes(10), 512, 4096));
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private SocketChannel connect() throws IOException {
        return SocketChannel.open(server.addresses().getFirst());
    }

    private static void send(SocketChannel channel, String text) throws IOException {
        OutputStream out = Channels.newOutputStream(channel);
        out.write(text.getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    /** Everything the server sends until it closes the connection. */
    private static String rest(SocketChannel channel) throws IOException {
        return new String(Channels.newInputStream(channel).readAllBytes(), StandardCharsets.US_ASCII);
    }

    private static String answer(SocketChannel channel) throws IOException {
        InputStream in = Channels.newInputStream(channel);
        return new String(in.readNBytes(DUNNO.length), StandardCharsets.US_ASCII);
    }

    @Test
    void manyRequestsOnOneConnectionEachGetOneAnswer() throws Exception {
        start();
        try (SocketChannel c = connect()) {
            for (int i = 0; i < 50; i++) {
                send(c, VRFY);
                assertThat(answer(c)).isEqualTo("action=DUNNO\n\n");
            }
            send(c, VRFY + VRFY + VRFY); // a client that does not wait gets its answers in order all the same
            assertThat(answer(c) + answer(c) + answer(c)).isEqualTo("action=DUNNO\n\n".repeat(3));
        }
    }

    @Test
    void anAnswerThatWaitsForDnsHoldsUpNeitherOtherConnectionsNorTheOrderOfItsOwn() throws Exception {
        List<CompletableFuture<DnsAnswer<?>>> held = new ArrayList<>();
        AtomicBoolean released = new AtomicBoolean();
        Resolver dns = question -> { // holds every question until released, then answers each with a temporary failure
            synchronized (held) {
                if (released.get()) {
                    return CompletableFuture.completedFuture(new DnsAnswer.TempFail<>(question, "test"));
                }
                CompletableFuture<DnsAnswer<?>> answer = new CompletableFuture<>();
                held.add(answer);
                return answer;
            }
        };
        CheckSuite suite = CheckSuite.standard(LocalIdentity.none(), GenericNameClassifier.standard());
        PolicyService service = new PolicyService(client -> new SessionChecks(suite, Policy.defaults(), dns, 20, client),
                new PolicyService.Settings("mx.example.org", false, false, Duration.ofSeconds(30)),
                new TransactionLog(NOPLogger.NOP_LOGGER), GatewayMetrics.noop(), Clock.systemUTC());
        server = PolicyServer.start(List.of(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)), Optional.empty(),
                new PolicyServer.Limits(100, Duration.ofMinutes(10), 512, 4096), service);
        String rcpt = "request=smtpd_access_policy\nprotocol_state=RCPT\nclient_address=192.0.2.7\n"
                + "helo_name=mail.example.org\nsender=a@example.org\nrecipient=b@example.net\ninstance=1.2\n\n";
        try (SocketChannel waiting = connect(); SocketChannel other = connect()) {
            send(waiting, rcpt + VRFY); // the VRFY before the RCPT's answer
            for (int i = 0; i < 500 && heldCount(held) == 0; i++) {
                Thread.sleep(10);
            }
            assertThat(heldCount(held)).as("the checks asked the DNS").isPositive();

            send(other, VRFY);
            assertThat(answer(other)).as("served while the other waits").isEqualTo("action=DUNNO\n\n");
            waiting.configureBlocking(false);
            assertThat(waiting.read(java.nio.ByteBuffer.allocate(100))).as("no answer before the verdict").isZero();
            waiting.configureBlocking(true);

            synchronized (held) {
                released.set(true);
                held.forEach(answer -> answer.complete(new DnsAnswer.TempFail<>(new DnsQuestion("x.example", RecordType.A),
                        "test")));
            }
            InputStream in = Channels.newInputStream(waiting);
            String first = line(in);
            assertThat(first).startsWith("action=DEFER_IF_PERMIT 4.");
            assertThat(line(in)).isEmpty();
            assertThat(new String(in.readNBytes(DUNNO.length), StandardCharsets.US_ASCII)).as("then the VRFY's, in order")
                    .isEqualTo("action=DUNNO\n\n");
        }
    }

    private static int heldCount(List<?> held) {
        synchronized (held) {
            return held.size();
        }
    }

    private static String line(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        for (int b; (b = in.read()) != '\n'; ) {
            assertThat(b).as("the server closed the connection").isNotNegative();
            line.append((char) b);
        }
        return line.toString();
    }

    @Test
    void aClientThatReadsItsAnswersLateGetsThemAllInOrderAndIsReadNoFurtherMeanwhile() throws Exception {
        // a UNIX-domain socket: its buffers have a fixed size (a TCP one may grow to megabytes)
        Path socket = dir.resolve("policy.sock");
        start(Optional.of(socket), new PolicyServer.Limits(100, Duration.ofMinutes(10), 512, 4096));
        int requests = 100_000; // 9 MB of requests, 1.4 MB of answers: far more than the buffers hold
        try (SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            c.connect(UnixDomainSocketAddress.of(socket));
            Thread writer = Thread.ofPlatform().start(() -> {
                try { // all at once, as fast as the server takes them
                    Channels.newOutputStream(c).write(VRFY.repeat(requests).getBytes(StandardCharsets.UTF_8));
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            writer.join(1000);
            assertThat(writer.isAlive()).as("while its answers wait to be written, the server reads no more requests")
                    .isTrue();
            byte[] all = Channels.newInputStream(c).readNBytes(DUNNO.length * requests);
            writer.join();
            assertThat(new String(all, StandardCharsets.US_ASCII)).isEqualTo("action=DUNNO\n\n".repeat(requests));
        }
    }

    @Test
    void manyConnectionsAtOnce() throws Exception {
        start();
        List<Callable<Integer>> clients = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            clients.add(() -> {
                int answered = 0;
                try (SocketChannel c = connect()) {
                    for (int j = 0; j < 25; j++) {
                        send(c, VRFY);
                        answered += answer(c).equals("action=DUNNO\n\n") ? 1 : 0;
                    }
                }
                return answered;
            });
        }
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            int total = 0;
            for (Future<Integer> f : pool.invokeAll(clients)) {
                total += f.get();
            }
            assertThat(total).isEqualTo(40 * 25);
        }
    }

    @Test
    void aMalformedLineClosesTheConnectionWithoutAnAnswer() throws Exception {
        start();
        try (SocketChannel c = connect()) {
            send(c, VRFY);
            assertThat(answer(c)).isEqualTo("action=DUNNO\n\n");
            send(c, "protocol_state=RCPT\nthis line has no equals sign\n\n");
            assertThat(rest(c)).isEmpty();
        }
        try (SocketChannel c = connect()) {
            send(c, VRFY);
            assertThat(answer(c)).as("the server goes on serving").isEqualTo("action=DUNNO\n\n");
        }
    }

    @Test
    void aLineOrRequestOverTheLimitClosesTheConnection() throws Exception {
        start();
        try (SocketChannel c = connect()) {
            send(c, "sender=" + "a".repeat(600) + "\n\n");
            assertThat(rest(c)).isEmpty();
        }
        try (SocketChannel c = connect()) {
            send(c, ("x_attribute=" + "v".repeat(100) + "\n").repeat(50) + "\n");
            assertThat(rest(c)).isEmpty();
        }
    }

    @Test
    void aClientThatGoesAwayMidRequestHarmsNobody() throws Exception {
        start();
        try (SocketChannel half = connect()) {
            send(half, "request=smtpd_access_policy\nprotocol_state=RC");
        }
        try (SocketChannel c = connect()) {
            send(c, VRFY);
            assertThat(answer(c)).isEqualTo("action=DUNNO\n\n");
        }
        awaitOpenConnections(0);
    }

    @Test
    void overTheConnectionLimitAConnectionIsClosedAtOnce() throws Exception {
        start(Optional.empty(), new PolicyServer.Limits(1, Duration.ofMinutes(10), 512, 4096));
        try (SocketChannel first = connect(); SocketChannel second = connect()) {
            send(first, VRFY);
            assertThat(answer(first)).isEqualTo("action=DUNNO\n\n");
            assertThat(rest(second)).isEmpty();
        }
    }

    @Test
    void theUnixSocketAnswersTooAndIsRemovedOnClose() throws Exception {
        Path socket = dir.resolve("policy.sock");
        Files.writeString(dir.resolve("unrelated"), "x");
        start(Optional.of(socket), new PolicyServer.Limits(100, Duration.ofMinutes(10), 512, 4096));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(socket))).isEqualTo("rw-rw-rw-");
        try (SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            c.connect(UnixDomainSocketAddress.of(socket));
            send(c, VRFY);
            assertThat(answer(c)).isEqualTo("action=DUNNO\n\n");
        }
        server.close();
        server = null;
        assertThat(socket).doesNotExist();
    }

    @Test
    void aStaleSocketIsReplacedButALiveOneOrAFileIsNot() throws Exception {
        Path socket = dir.resolve("policy.sock");
        try (var stale = java.nio.channels.ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            stale.bind(UnixDomainSocketAddress.of(socket));
        } // closed: the file stays, nobody answers
        assertThat(socket).exists();
        start(Optional.of(socket), new PolicyServer.Limits(100, Duration.ofMinutes(10), 512, 4096));
        PolicyServer.Limits limits = new PolicyServer.Limits(100, Duration.ofMinutes(10), 512, 4096);
        PolicyService idle = new PolicyService(c -> null, new PolicyService.Settings("x", false, false, Duration.ofSeconds(1)),
                new TransactionLog(NOPLogger.NOP_LOGGER), GatewayMetrics.noop(), Clock.systemUTC());
        assertThat(org.assertj.core.api.Assertions.catchThrowable(
                () -> PolicyServer.start(List.of(), Optional.of(socket), limits, idle)))
                .hasMessageContaining("another process answers there");
        Path file = dir.resolve("a-file");
        Files.writeString(file, "x");
        assertThat(org.assertj.core.api.Assertions.catchThrowable(
                () -> PolicyServer.start(List.of(), Optional.of(file), limits, idle)))
                .hasMessageContaining("exists and is not a socket");
        assertThat(file).hasContent("x");
    }

    @Test
    void anIdleConnectionIsClosed() throws Exception {
        start(Optional.empty(), new PolicyServer.Limits(100, Duration.ofMillis(200), 512, 4096));
        try (SocketChannel c = connect()) {
            send(c, VRFY);
            assertThat(answer(c)).isEqualTo("action=DUNNO\n\n");
            assertThat(rest(c)).as("closed by the server, not by the test").isEmpty();
        }
    }

    private void awaitOpenConnections(int expected) throws InterruptedException {
        for (int i = 0; i < 500 && server.openConnections() != expected; i++) {
            Thread.sleep(10);
        }
        assertThat(server.openConnections()).isEqualTo(expected);
    }
}
