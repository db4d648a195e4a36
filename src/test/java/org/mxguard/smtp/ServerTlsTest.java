package org.mxguard.smtp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.mxguard.smtp.TlsFilesException.Problem;

/**
 * Real TLS handshakes on 127.0.0.1: a plain {@link ServerSocket} accepts, {@link ServerTls#upgrade}
 * turns the connection into TLS with the context made from the PEM files, and a JDK client that
 * trusts exactly that certificate talks to it.
 */
@Timeout(60)
class ServerTlsTest {
    @TempDir
    static Path dir;
    static TlsTestFiles files;
    static List<TlsTestFiles.Pair> pairs;

    private ServerSocket listener;

    @BeforeAll
    static void keys() {
        files = new TlsTestFiles(dir);
        pairs = files.allFormats();
    }

    static Stream<TlsTestFiles.Pair> pairs() {
        return pairs.stream();
    }

    static TlsTestFiles.Pair pair(String name) {
        return pairs.stream().filter(p -> p.name().equals(name)).findFirst().orElseThrow();
    }

    @AfterEach
    void close() throws IOException {
        if (listener != null) {
            listener.close();
        }
    }

    @ParameterizedTest
    @MethodSource("pairs")
    void handshakeWithEachKeyFormat(TlsTestFiles.Pair pair) throws Exception {
        SSLContext server = ServerTls.context(pair.certificate(), pair.key());
        CompletableFuture<ServerTls.Upgraded> upgraded = serveOne(server, echo());

        try (SSLSocket client = client(trusting(pair.certificate()), "TLSv1.3", "TLSv1.2")) {
            client.startHandshake();
            String answer = exchange(client, "hello over TLS");

            ServerTls.Upgraded up = upgraded.get(20, TimeUnit.SECONDS);
            assertThat(answer).isEqualTo("echo: hello over TLS");
            assertThat(up.tls().protocol()).isEqualTo("TLSv1.3");
            assertThat(up.tls().cipher()).isEqualTo(client.getSession().getCipherSuite());
            assertThat(client.getSession().getPeerCertificates()[0])
                    .isEqualTo(PemKeys.certificates(pair.certificate()).get(0));
            assertThat(up.socket().getUseClientMode()).isFalse();
            assertThat(up.socket().getEnabledProtocols()).containsExactlyInAnyOrder("TLSv1.3", "TLSv1.2");
        }
    }

    @ParameterizedTest
    @MethodSource("pairs")
    void tls12ClientGetsTls12(TlsTestFiles.Pair pair) throws Exception {
        SSLContext server = ServerTls.context(pair.certificate(), pair.key());
        CompletableFuture<ServerTls.Upgraded> upgraded = serveOne(server, echo());

        try (SSLSocket client = client(trusting(pair.certificate()), "TLSv1.2")) {
            assertThat(exchange(client, "old but fine")).isEqualTo("echo: old but fine");

            ReceivedHeader.Tls tls = upgraded.get(20, TimeUnit.SECONDS).tls();
            assertThat(tls.protocol()).isEqualTo("TLSv1.2");
            assertThat(tls.cipher()).isEqualTo(client.getSession().getCipherSuite()).startsWith("TLS_ECDHE_");
        }
    }

    @Test
    void theTlsRecordFillsTheReceivedField() throws Exception {
        TlsTestFiles.Pair pair = pair("ec-sec1");
        CompletableFuture<ServerTls.Upgraded> upgraded = serveOne(ServerTls.context(pair.certificate(), pair.key()),
                echo());
        try (SSLSocket client = client(trusting(pair.certificate()), "TLSv1.3")) {
            exchange(client, "x");
            ReceivedHeader.Tls tls = upgraded.get(20, TimeUnit.SECONDS).tls();

            String field = new ReceivedHeader("client.test", Optional.empty(), InetAddress.getLoopbackAddress(),
                    "mx.test", ReceivedHeader.Transport.ESMTP.withTls(tls), "Q1", List.of("a@b.test"),
                    Instant.parse("2025-06-03T12:00:00Z"), ZoneOffset.UTC).render();

            assertThat(field).contains("(using TLSv1.3 with cipher " + client.getSession().getCipherSuite() + ")")
                    .contains("with ESMTPS id Q1");
        }
    }

    /** The whole STARTTLS exchange as the session will run it (RFC 3207), plaintext reader replaced after 220. */
    @Test
    void startTlsConversation() throws Exception {
        TlsTestFiles.Pair pair = pair("rsa-pkcs1");
        SSLContext server = ServerTls.context(pair.certificate(), pair.key());
        AtomicReference<String> afterTls = new AtomicReference<>();
        AtomicReference<Boolean> pendingAfterStartTls = new AtomicReference<>();
        listener = new ServerSocket(0, 5, InetAddress.getLoopbackAddress());
        CompletableFuture<ServerTls.Upgraded> upgraded = CompletableFuture.supplyAsync(() -> {
            try {
                Socket plain = listener.accept();
                plain.setSoTimeout(10_000);
                SmtpInput input = new SmtpInput(plain.getInputStream());
                OutputStream out = plain.getOutputStream();
                write(out, "220 mx.test ESMTP mxguard\r\n");
                assertThat(input.readCommandLine()).isEqualTo("EHLO client.test");
                write(out, "250-mx.test\r\n250-PIPELINING\r\n250 STARTTLS\r\n");
                assertThat(input.readCommandLine()).isEqualTo("STARTTLS");
                pendingAfterStartTls.set(input.hasPendingInput());
                write(out, "220 2.0.0 Ready to start TLS\r\n");
                ServerTls.Upgraded up = ServerTls.upgrade(plain, server, Duration.ofSeconds(10));
                SmtpInput secure = new SmtpInput(up.socket().getInputStream());
                afterTls.set(secure.readCommandLine());
                write(up.socket().getOutputStream(), "250-mx.test\r\n250 PIPELINING\r\n");
                assertThat(up.socket().getSoTimeout()).isEqualTo(10_000);
                assertThat(secure.readCommandLine()).isEqualTo("QUIT");
                write(up.socket().getOutputStream(), "221 2.0.0 Bye\r\n");
                ServerTls.close(up.socket());
                return up;
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        }, Thread::startVirtualThread);

        try (Socket plain = new Socket(InetAddress.getLoopbackAddress(), listener.getLocalPort())) {
            plain.setSoTimeout(10_000);
            BufferedReader lines = new BufferedReader(new InputStreamReader(plain.getInputStream(), StandardCharsets.US_ASCII));
            assertThat(lines.readLine()).startsWith("220 ");
            write(plain.getOutputStream(), "EHLO client.test\r\n");
            assertThat(readReply(lines)).endsWith("250 STARTTLS");
            write(plain.getOutputStream(), "STARTTLS\r\n");
            assertThat(lines.readLine()).isEqualTo("220 2.0.0 Ready to start TLS");

            SSLSocket tls = (SSLSocket) trusting(pair.certificate()).getSocketFactory()
                    .createSocket(plain, "mx.test", plain.getPort(), true);
            tls.setUseClientMode(true);
            tls.startHandshake();
            write(tls.getOutputStream(), "EHLO client.test\r\n");
            BufferedReader secure = new BufferedReader(new InputStreamReader(tls.getInputStream(), StandardCharsets.US_ASCII));

            assertThat(readReply(secure)).isEqualTo("250-mx.test\n250 PIPELINING");
            write(tls.getOutputStream(), "QUIT\r\n");
            assertThat(secure.readLine()).isEqualTo("221 2.0.0 Bye");
            assertThat(secure.readLine()).isNull();
            assertThat(afterTls.get()).isEqualTo("EHLO client.test");
            assertThat(pendingAfterStartTls.get()).isFalse();
            assertThat(upgraded.get(20, TimeUnit.SECONDS).tls().protocol()).isEqualTo("TLSv1.3");
            tls.close();
        }
    }

    /**
     * Commands pipelined behind STARTTLS in plaintext (the CVE-2011-0411 injection) are visible to
     * the session before it answers 220: {@link SmtpInput#hasPendingInput()} sees them.
     */
    @Test
    void plaintextPipelinedBehindStartTlsIsSeen() throws Exception {
        listener = new ServerSocket(0, 5, InetAddress.getLoopbackAddress());
        CompletableFuture<Boolean> pending = CompletableFuture.supplyAsync(() -> {
            try (Socket plain = listener.accept()) {
                SmtpInput input = new SmtpInput(plain.getInputStream());
                assertThat(input.readCommandLine()).isEqualTo("STARTTLS");
                return input.hasPendingInput();
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        }, Thread::startVirtualThread);
        try (Socket client = new Socket(InetAddress.getLoopbackAddress(), listener.getLocalPort())) {
            write(client.getOutputStream(), "STARTTLS\r\nRSET\r\nMAIL FROM:<evil@example.test>\r\n");

            assertThat(pending.get(20, TimeUnit.SECONDS)).isTrue();
        }
    }

    @Test
    void anExpiredCertificateIsStillServed() throws Exception {
        Path key = pair("ec-sec1").key();
        Path expired = files.expired(key, "expired.crt");
        X509Certificate certificate = PemKeys.certificates(expired).get(0);
        assertThat(certificate.getNotAfter().toInstant()).isBefore(Instant.parse("2021-01-01T00:00:00Z"));
        CompletableFuture<ServerTls.Upgraded> upgraded = serveOne(ServerTls.context(expired, key), echo());
        AtomicReference<X509Certificate[]> shown = new AtomicReference<>();

        try (SSLSocket client = client(recording(shown), "TLSv1.3")) {
            assertThat(exchange(client, "x")).isEqualTo("echo: x");
            upgraded.get(20, TimeUnit.SECONDS);
            assertThat(shown.get()).containsExactly(certificate);
        }
    }

    @Test
    void handshakeTimesOutWhenTheClientSaysNothing() throws Exception {
        TlsTestFiles.Pair pair = pair("ec-pkcs8");
        SSLContext server = ServerTls.context(pair.certificate(), pair.key());
        listener = new ServerSocket(0, 5, InetAddress.getLoopbackAddress());
        CompletableFuture<Socket> accepted = new CompletableFuture<>();
        CompletableFuture<ServerTls.Upgraded> upgraded = CompletableFuture.supplyAsync(() -> {
            try {
                Socket plain = listener.accept();
                accepted.complete(plain);
                return ServerTls.upgrade(plain, server, Duration.ofMillis(300));
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        }, Thread::startVirtualThread);

        try (Socket silent = new Socket(InetAddress.getLoopbackAddress(), listener.getLocalPort())) {
            long start = System.nanoTime();
            Throwable thrown = catchThrowable(() -> upgraded.get(20, TimeUnit.SECONDS));

            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
            ServerTls.HandshakeException e = handshakeException(thrown);
            assertThat(e.timedOut()).isTrue();
            assertThat(e).hasMessage("TLS handshake with 127.0.0.1 timed out after 300 ms");
            assertThat(accepted.get().isClosed()).isTrue();
            assertThat(silent.getInputStream().read()).isEqualTo(-1); // the server hung up
        }
    }

    @Test
    void plaintextInsteadOfAHandshakeFails() throws Exception {
        TlsTestFiles.Pair pair = pair("rsa-pkcs8");
        SSLContext server = ServerTls.context(pair.certificate(), pair.key());
        listener = new ServerSocket(0, 5, InetAddress.getLoopbackAddress());
        CompletableFuture<Socket> accepted = new CompletableFuture<>();
        CompletableFuture<ServerTls.Upgraded> upgraded = CompletableFuture.supplyAsync(() -> {
            try {
                Socket plain = listener.accept();
                accepted.complete(plain);
                return ServerTls.upgrade(plain, server, Duration.ofSeconds(10));
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        }, Thread::startVirtualThread);

        try (Socket confused = new Socket(InetAddress.getLoopbackAddress(), listener.getLocalPort())) {
            write(confused.getOutputStream(), "EHLO client.test\r\nMAIL FROM:<a@b.test>\r\n");
            ServerTls.HandshakeException e = handshakeException(catchThrowable(() -> upgraded.get(20, TimeUnit.SECONDS)));

            assertThat(e.timedOut()).isFalse();
            assertThat(e).hasMessageStartingWith("TLS handshake with 127.0.0.1 failed: ");
            assertThat(accepted.get().isClosed()).isTrue();
        }
    }

    @Test
    void aClientThatTrustsAnotherCertificateFailsTheHandshakeOnBothSides() throws Exception {
        TlsTestFiles.Pair pair = pair("ec-pkcs8");
        CompletableFuture<ServerTls.Upgraded> upgraded = serveOne(ServerTls.context(pair.certificate(), pair.key()),
                echo());

        try (SSLSocket client = client(trusting(pair("rsa-pkcs8").certificate()), "TLSv1.3")) {
            assertThat(catchThrowable(client::startHandshake)).isInstanceOf(SSLHandshakeException.class);
            assertThat(handshakeException(catchThrowable(() -> upgraded.get(20, TimeUnit.SECONDS))).timedOut()).isFalse();
        }
    }

    /** The JDK's own close would wait for the silent client's close_notify for the read timeout (10 s here). */
    @Test
    void closeDoesNotWaitForTheClient() throws Exception {
        TlsTestFiles.Pair pair = pair("ec-sec1");
        CompletableFuture<Duration> closing = new CompletableFuture<>();
        CompletableFuture<ServerTls.Upgraded> upgraded = serveOne(ServerTls.context(pair.certificate(), pair.key()),
                up -> {
                    BufferedReader in = new BufferedReader(new InputStreamReader(up.socket().getInputStream(),
                            StandardCharsets.US_ASCII));
                    assertThat(in.readLine()).isEqualTo("QUIT");
                    write(up.socket().getOutputStream(), "221 2.0.0 Bye\r\n");
                    long start = System.nanoTime();
                    ServerTls.close(up.socket());
                    closing.complete(Duration.ofNanos(System.nanoTime() - start));
                });

        try (SSLSocket client = client(trusting(pair.certificate()), "TLSv1.3")) {
            assertThat(exchange(client, "QUIT")).isEqualTo("221 2.0.0 Bye");

            assertThat(closing.get(20, TimeUnit.SECONDS)).isLessThan(Duration.ofSeconds(2));
            assertThat(upgraded.get(20, TimeUnit.SECONDS).socket().isClosed()).isTrue();
            assertThat(client.getInputStream().read()).isEqualTo(-1); // close_notify, then the end
        }
    }

    @Test
    void contextRefusesAKeyOfAnotherCertificate() {
        Path certificate = pair("rsa-pkcs8").certificate();
        Path key = pair("rsa-pkcs1").key();

        Throwable thrown = catchThrowable(() -> ServerTls.context(certificate, key));

        assertThat(thrown).isInstanceOf(TlsFilesException.class)
                .hasMessageStartingWith(key + ": the private key (RSA 2048-bit) does not belong to the certificate in "
                        + certificate);
        assertThat(((TlsFilesException) thrown).problem()).isEqualTo(Problem.KEY_MISMATCH);
    }

    @Test
    void contextNamesAMissingFile() {
        Path missing = dir.resolve("missing.key");

        Throwable thrown = catchThrowable(() -> ServerTls.context(pair("ec-sec1").certificate(), missing));

        assertThat(thrown).isInstanceOf(TlsFilesException.class).hasMessage(missing + ": does not exist");
    }

    // ---- helpers ----

    /** What the test server does after the upgrade. */
    interface AfterUpgrade {
        void run(ServerTls.Upgraded upgraded) throws IOException;
    }

    static AfterUpgrade echo() {
        return up -> {
            BufferedReader in = new BufferedReader(new InputStreamReader(up.socket().getInputStream(), StandardCharsets.US_ASCII));
            String line = in.readLine();
            write(up.socket().getOutputStream(), "echo: " + line + "\r\n");
            ServerTls.close(up.socket());
        };
    }

    /** Accepts one connection on a plain server socket, upgrades it and runs {@code then}. */
    private CompletableFuture<ServerTls.Upgraded> serveOne(SSLContext context, AfterUpgrade then) throws IOException {
        listener = new ServerSocket(0, 5, InetAddress.getLoopbackAddress());
        return CompletableFuture.supplyAsync(() -> {
            try {
                Socket plain = listener.accept();
                plain.setSoTimeout(10_000);
                ServerTls.Upgraded up = ServerTls.upgrade(plain, context);
                then.run(up);
                return up;
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        }, Thread::startVirtualThread);
    }

    private SSLSocket client(SSLContext context, String... protocols) throws IOException {
        SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket(InetAddress.getLoopbackAddress(),
                listener.getLocalPort());
        socket.setSoTimeout(10_000);
        socket.setEnabledProtocols(protocols);
        return socket;
    }

    /** A client context that trusts exactly the certificate in {@code file}. */
    static SSLContext trusting(Path file) throws Exception {
        KeyStore trusted = KeyStore.getInstance("PKCS12");
        trusted.load(null, null);
        int i = 0;
        for (Certificate c : PemKeys.certificates(file)) {
            trusted.setCertificateEntry("c" + i++, c);
        }
        TrustManagerFactory factory = TrustManagerFactory.getInstance("PKIX");
        factory.init(trusted);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, factory.getTrustManagers(), null);
        return context;
    }

    /** A client context that accepts any certificate and records the one shown (opportunistic TLS). */
    static SSLContext recording(AtomicReference<X509Certificate[]> shown) throws Exception {
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, new TrustManager[] {new X509TrustManager() {
            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType) {
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType) {
                shown.set(chain);
            }

            @Override
            public X509Certificate[] getAcceptedIssuers() {
                return new X509Certificate[0];
            }
        }}, null);
        return context;
    }

    private static String exchange(SSLSocket client, String line) throws IOException {
        write(client.getOutputStream(), line + "\r\n");
        return new BufferedReader(new InputStreamReader(client.getInputStream(), StandardCharsets.US_ASCII)).readLine();
    }

    private static String readReply(BufferedReader in) throws IOException {
        StringBuilder reply = new StringBuilder();
        String line;
        do {
            line = in.readLine();
            reply.append(reply.isEmpty() ? "" : "\n").append(line);
        } while (line != null && line.length() > 3 && line.charAt(3) == '-');
        return reply.toString();
    }

    private static void write(OutputStream out, String text) throws IOException {
        out.write(text.getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    private static ServerTls.HandshakeException handshakeException(Throwable thrown) {
        assertThat(thrown).isInstanceOf(ExecutionException.class);
        Throwable cause = thrown.getCause();
        while (cause != null && !(cause instanceof ServerTls.HandshakeException)) {
            cause = cause.getCause();
        }
        assertThat(cause).as("a HandshakeException in %s", thrown).isNotNull();
        return (ServerTls.HandshakeException) cause;
    }
}
