package org.mxguard.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.mxguard.delivery.SmtpConnectResult.Connected;
import org.mxguard.delivery.SmtpConnectResult.Failed;
import org.mxguard.delivery.SmtpConnectResult.Stage;

/** Opening sessions against real servers: EHLO, HELO fallback, refusals, timeouts, TLS, source address. */
class SmtpClientSessionTest {
    static final String HELO = "out.mxguard.test";
    static final byte[] MESSAGE = "Subject: hello\r\n\r\nHi.\r\n".getBytes(StandardCharsets.US_ASCII);

    @TempDir
    static Path certDir;
    static Path cert;
    static Path key;

    private final SmtpClient client = new SmtpClient(SmtpTimeouts.fast());
    private SmtpTestPeer peer;
    private SmtpConnection connection;

    /** A throwaway self-signed certificate for the TLS peer, made with openssl. */
    @BeforeAll
    static void certificate() throws IOException, InterruptedException {
        cert = certDir.resolve("cert.pem");
        key = certDir.resolve("key.pem");
        Process openssl = new ProcessBuilder("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key.toString(), "-out", cert.toString(),
                "-days", "2", "-subj", "/CN=peer.test").redirectErrorStream(true).start();
        String output = new String(openssl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(openssl.waitFor(20, TimeUnit.SECONDS)).isTrue();
        assertThat(openssl.exitValue()).as(output).isZero();
    }

    @AfterEach
    void stop() {
        if (connection != null) {
            connection.close();
        }
        if (peer != null) {
            peer.close();
        }
    }

    @Test
    void ehloToSmtpSinkFindsPipeliningAndDelivers() {
        peer = SmtpTestPeer.sink();
        connection = connected(client.connect(peer.address(), null, HELO));

        assertThat(connection.capabilities().esmtp()).isTrue();
        assertThat(connection.capabilities().pipelining()).isTrue();
        assertThat(connection.capabilities().eightBitMime()).isTrue();
        assertThat(connection.greeting().code()).isEqualTo(220);
        SmtpTransactionResult result = connection.send(
                SmtpTransaction.of("sender@mxguard.test", List.of("a@peer.test", "b@peer.test"), MESSAGE));

        assertThat(result.allDelivered()).as(result.toString()).isTrue();
        String dump = peer.awaitDumps(1).get(0);
        assertThat(dump).contains("X-Client-Proto: ESMTP\n", "X-Helo-Args: " + HELO + "\n",
                "X-Mail-Args: <sender@mxguard.test>\n", "X-Rcpt-Args: <a@peer.test>\n", "X-Rcpt-Args: <b@peer.test>\n");
    }

    @Test
    void withoutPipeliningEachCommandWaitsForItsReply() {
        peer = SmtpTestPeer.sink("-p");
        connection = connected(client.connect(peer.address(), null, HELO));

        assertThat(connection.capabilities().esmtp()).isTrue();
        assertThat(connection.capabilities().pipelining()).isFalse();
        SmtpTransactionResult result = connection.send(
                SmtpTransaction.of("sender@mxguard.test", List.of("a@peer.test", "b@peer.test"), MESSAGE));

        assertThat(result.allDelivered()).as(result.toString()).isTrue();
        assertThat(peer.awaitDumps(1).get(0)).contains("X-Rcpt-Args: <b@peer.test>\n");
    }

    /** -e: no ESMTP at all (500 to EHLO); -P: a Cisco PIX banner, no ESMTP; -f/-r: EHLO refused 5xx/4xx. */
    @ParameterizedTest
    @ValueSource(strings = {"-e", "-P", "-f EHLO", "-r EHLO"})
    void heloWhenEhloIsRefused(String options) {
        peer = SmtpTestPeer.sink(options.split(" "));
        connection = connected(client.connect(peer.address(), null, HELO));

        assertThat(connection.capabilities().esmtp()).isFalse();
        assertThat(connection.capabilities().extensions()).isEmpty();
        SmtpTransactionResult result = connection.send(
                SmtpTransaction.of("sender@mxguard.test", List.of("a@peer.test"), MESSAGE));

        assertThat(result.allDelivered()).as(result.toString()).isTrue();
        assertThat(peer.awaitDumps(1).get(0)).contains("X-Client-Proto: SMTP\n", "X-Helo-Args: " + HELO + "\n");
    }

    @Test
    void neitherEhloNorHeloAccepted() {
        peer = SmtpTestPeer.sink("-f", "EHLO,HELO");

        Failed failed = failed(client.connect(peer.address(), null, HELO));

        assertThat(failed.stage()).isEqualTo(Stage.HELLO);
        assertThat(failed.reply().orElseThrow().code()).isEqualTo(500);
        assertThat(failed.detail()).contains("EHLO answered 500", "HELO answered 500");
    }

    @Test
    void greeting421() {
        peer = SmtpTestPeer.sink("-Q", "CONNECT");

        Failed failed = failed(client.connect(peer.address(), null, HELO));

        assertThat(failed.stage()).isEqualTo(Stage.GREETING);
        assertThat(failed.reply().orElseThrow().code()).isEqualTo(421);
        assertThat(failed.reply().orElseThrow().isTransient()).isTrue();
    }

    @Test
    void greeting554() {
        peer = SmtpTestPeer.sink("-f", "CONNECT", "-B", "554 5.7.1 go away");

        Failed failed = failed(client.connect(peer.address(), null, HELO));

        assertThat(failed.stage()).isEqualTo(Stage.GREETING);
        SmtpReply greeting = failed.reply().orElseThrow();
        assertThat(greeting.code()).isEqualTo(554);
        assertThat(greeting.enhancedCode()).hasValue("5.7.1");
        assertThat(failed.detail()).isEqualTo("greeted with 554 5.7.1 go away");
    }

    @Test
    void nothingListening() {
        Failed failed = failed(client.connect(SmtpTestPeer.deadAddress(), null, HELO));

        assertThat(failed.stage()).isEqualTo(Stage.CONNECT);
        assertThat(failed.reply()).isEmpty();
        assertThat(failed.detail()).contains("Connection refused");
    }

    /** smtp-sink -W CONNECT:30 accepts and then says nothing for 30 s. */
    @Test
    void silentServerTimesOutWaitingForTheGreeting() {
        peer = SmtpTestPeer.sink(SmtpTestPeer.Ready.LISTENING, "-W", "CONNECT:30");
        SmtpTimeouts f = SmtpTimeouts.fast();
        SmtpClient impatient = new SmtpClient(new SmtpTimeouts(f.connect(), Duration.ofMillis(400), f.hello(),
                f.startTls(), f.mail(), f.rcpt(), f.dataInitiation(), f.dataBlock(), f.dataTermination(), f.rset(),
                f.quit()));

        long start = System.nanoTime();
        Failed failed = failed(impatient.connect(peer.address(), null, HELO));

        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
        assertThat(failed.stage()).isEqualTo(Stage.GREETING);
        assertThat(failed.detail()).isEqualTo("no greeting: timed out after 400 ms");
    }

    @Test
    void bindsTheSourceAddress() throws Exception {
        peer = SmtpTestPeer.python();
        InetAddress source = InetAddress.getByName("127.0.0.2");

        connection = connected(client.connect(peer.address(), source, HELO));
        SmtpTransactionResult result = connection.send(
                SmtpTransaction.of("sender@mxguard.test", List.of("a@peer.test"), MESSAGE));

        assertThat(result.allDelivered()).as(result.toString()).isTrue();
        assertThat(connection.source()).hasValue(source);
        assertThat(connection.localAddress()).isEqualTo(source);
        assertThat(peer.awaitEvents("connect", 1).get(0).path("peer").asText()).isEqualTo("127.0.0.2");
        JsonNode message = peer.awaitEvents("message", 1).get(0);
        assertThat(message.path("peer").asText()).isEqualTo("127.0.0.2");
        assertThat(message.path("helo").asText()).isEqualTo(HELO);
    }

    @Test
    void startTlsWhenOfferedAndSendsEncrypted() {
        peer = SmtpTestPeer.python("--tls-cert", cert.toString(), "--tls-key", key.toString());

        connection = connected(client.connect(peer.address(), null, HELO));

        assertThat(connection.tls()).isPresent();
        assertThat(connection.tls().orElseThrow().protocol()).startsWith("TLSv1.");
        assertThat(connection.tlsProblem()).isEmpty();
        // The capabilities are those of the EHLO over TLS, which no longer offers STARTTLS.
        assertThat(connection.capabilities().startTls()).isFalse();
        SmtpTransactionResult result = connection.send(
                SmtpTransaction.of("sender@mxguard.test", List.of("a@peer.test"), MESSAGE));

        assertThat(result.allDelivered()).as(result.toString()).isTrue();
        JsonNode message = peer.awaitEvents("message", 1).get(0);
        assertThat(message.path("tls").asBoolean()).isTrue();
        assertThat(message.path("helo").asText()).isEqualTo(HELO);
        assertThat(SmtpTestPeer.data(message)).isEqualTo(MESSAGE);
    }

    /** The server offers STARTTLS, says 220, then answers the handshake with junk. */
    @Test
    void failedHandshakeIsRetriedInPlaintextOnANewConnection() {
        peer = SmtpTestPeer.python("--tls-cert", cert.toString(), "--tls-key", key.toString(), "--broken-tls");

        connection = connected(client.connect(peer.address(), null, HELO));

        assertThat(connection.tls()).isEmpty();
        assertThat(connection.tlsProblem().orElseThrow()).startsWith("TLS failed (")
                .endsWith("retried in plaintext on a new connection");
        SmtpTransactionResult result = connection.send(
                SmtpTransaction.of("sender@mxguard.test", List.of("a@peer.test"), MESSAGE));

        assertThat(result.allDelivered()).as(result.toString()).isTrue();
        assertThat(peer.awaitEvents("message", 1).get(0).path("tls").asBoolean()).isFalse();
        assertThat(peer.events("connect")).hasSize(2);
    }

    /** A server that offers STARTTLS and then refuses it is still in step: the session goes on in plaintext. */
    @Test
    void refusedStartTlsGoesOnInPlaintextOnTheSameConnection() {
        peer = SmtpTestPeer.python("--tls-cert", cert.toString(), "--tls-key", key.toString(), "--refuse-tls");

        connection = connected(client.connect(peer.address(), null, HELO));

        assertThat(connection.tls()).isEmpty();
        assertThat(connection.tlsProblem()).hasValue(
                "STARTTLS answered 454 4.7.0 TLS not available right now; went on in plaintext");
        SmtpTransactionResult result = connection.send(
                SmtpTransaction.of("sender@mxguard.test", List.of("a@peer.test"), MESSAGE));

        assertThat(result.allDelivered()).as(result.toString()).isTrue();
        assertThat(peer.awaitEvents("message", 1).get(0).path("tls").asBoolean()).isFalse();
        assertThat(peer.events("connect")).hasSize(1);
    }

    static SmtpConnection connected(SmtpConnectResult result) {
        assertThat(result).as(result.toString()).isInstanceOf(Connected.class);
        return ((Connected) result).connection();
    }

    static Failed failed(SmtpConnectResult result) {
        if (result instanceof Connected c) {
            c.connection().close();
        }
        assertThat(result).as(result.toString()).isInstanceOf(Failed.class);
        return (Failed) result;
    }
}
