package org.mxguard.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mxguard.delivery.SmtpClientSessionTest.HELO;
import static org.mxguard.delivery.SmtpClientSessionTest.MESSAGE;
import static org.mxguard.delivery.SmtpClientSessionTest.connected;
import static org.mxguard.delivery.SmtpRecipientResult.Outcome.DELIVERED;
import static org.mxguard.delivery.SmtpRecipientResult.Outcome.PERMANENT;
import static org.mxguard.delivery.SmtpRecipientResult.Outcome.TRANSIENT;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.mxguard.delivery.SmtpRecipientResult.Outcome;

/** Transactions against real servers: per-recipient replies, refusals at each stage, SIZE, 8BITMIME, dots. */
class SmtpClientTransactionTest {
    private final SmtpClient client = new SmtpClient(SmtpTimeouts.fast());
    private SmtpTestPeer peer;
    private SmtpConnection connection;

    @TempDir
    Path dir;

    @AfterEach
    void stop() {
        if (connection != null) {
            connection.close();
        }
        if (peer != null) {
            peer.close();
        }
    }

    /**
     * One transaction, four recipients: two accepted, one 451, one 550. Each keeps its own RCPT
     * reply; the message goes once, to the accepted two, and its 250 is theirs alone. With
     * PIPELINING every RCPT and DATA were already at the server when it read MAIL.
     */
    @ParameterizedTest(name = "pipelining={0}")
    @ValueSource(booleans = {true, false})
    void eachRecipientHasItsOwnReply(boolean pipelining) {
        peer = pipelining ? SmtpTestPeer.python("--pipelining") : SmtpTestPeer.python();
        connection = connected(client.connect(peer.address(), null, HELO));
        assertThat(connection.capabilities().pipelining()).isEqualTo(pipelining);

        SmtpTransactionResult result = connection.send(SmtpTransaction.of("sender@mxguard.test",
                List.of("ok1@peer.test", "tempfail1@peer.test", "reject1@peer.test", "ok2@peer.test"), MESSAGE));

        assertThat(result.recipients()).extracting(SmtpRecipientResult::outcome)
                .containsExactly(DELIVERED, TRANSIENT, PERMANENT, DELIVERED);
        assertThat(result.recipients()).extracting(r -> r.rcptReply().orElseThrow().code())
                .containsExactly(250, 451, 550, 250);
        assertThat(result.recipient("tempfail1@peer.test").status()).isEqualTo("4.2.1");
        assertThat(result.recipient("tempfail1@peer.test").detail()).isEqualTo("451 4.2.1 mailbox busy, try later");
        assertThat(result.recipient("reject1@peer.test").status()).isEqualTo("5.1.1");
        assertThat(result.recipient("reject1@peer.test").reply()).isEqualTo(result.recipient("reject1@peer.test").rcptReply());
        SmtpRecipientResult ok1 = result.recipient("ok1@peer.test");
        assertThat(ok1.reply()).isEqualTo(result.finalReply());
        assertThat(ok1.status()).isEqualTo("2.0.0");
        assertThat(result.dataReply().orElseThrow().code()).isEqualTo(354);
        assertThat(result.finalReply().orElseThrow().toString()).isEqualTo("250 2.0.0 queued");

        String pending = peer.awaitEvents("mail", 1).get(0).path("pending").asText();
        if (pipelining) {
            assertThat(pending).isEqualTo("RCPT TO:<ok1@peer.test>\r\nRCPT TO:<tempfail1@peer.test>\r\n"
                    + "RCPT TO:<reject1@peer.test>\r\nRCPT TO:<ok2@peer.test>\r\nDATA\r\n");
        } else {
            assertThat(pending).isEmpty();
        }
        JsonNode message = peer.awaitEvents("message", 1).get(0);
        assertThat(SmtpTestPeer.texts(message.path("recipients"))).containsExactly("ok1@peer.test", "ok2@peer.test");
        assertThat(SmtpTestPeer.data(message)).isEqualTo(MESSAGE);
        SmtpTestPeer.pause(100);
        assertThat(peer.events("message")).hasSize(1);
    }

    /** Without PIPELINING no DATA is sent; with it DATA went with the batch and is refused. */
    @ParameterizedTest(name = "pipelining={0}")
    @ValueSource(booleans = {true, false})
    void noRecipientAcceptedMeansNoMessage(boolean pipelining) {
        peer = pipelining ? SmtpTestPeer.python("--pipelining") : SmtpTestPeer.python();
        connection = connected(client.connect(peer.address(), null, HELO));

        SmtpTransactionResult result = connection.send(SmtpTransaction.of("sender@mxguard.test",
                List.of("reject1@peer.test", "tempfail1@peer.test"), MESSAGE));

        assertThat(result.recipients()).extracting(SmtpRecipientResult::outcome).containsExactly(PERMANENT, TRANSIENT);
        assertThat(result.finalReply()).isEmpty();
        if (pipelining) {
            assertThat(result.dataReply().orElseThrow().code()).isEqualTo(503);
        } else {
            assertThat(result.dataReply()).isEmpty();
        }
        // The session is still in step: the next transaction (after RSET) goes through.
        assertThat(connection.isUsable()).isTrue();
        SmtpTransactionResult next = connection.send(
                SmtpTransaction.of("sender@mxguard.test", List.of("ok@peer.test"), MESSAGE));
        assertThat(next.allDelivered()).as(next.toString()).isTrue();
        assertThat(peer.awaitEvents("message", 1)).hasSize(1);
        assertThat(peer.events("rset")).hasSize(1);
    }

    /** smtp-sink -r/-f COMMAND answers 450 4.3.0 / 500 5.3.0 to it; "." is the end of the message. */
    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({
            "-r, MAIL, TRANSIENT, 450",
            "-f, MAIL, PERMANENT, 500",
            "-r, DATA, TRANSIENT, 450",
            "-f, DATA, PERMANENT, 500",
            "-r, .,    TRANSIENT, 450",
            "-f, .,    PERMANENT, 500"})
    void refusalOfMailOrDataDecidesForAll(String option, String command, Outcome outcome, int code) {
        peer = SmtpTestPeer.sink(option, command);
        connection = connected(client.connect(peer.address(), null, HELO));

        SmtpTransactionResult result = connection.send(
                SmtpTransaction.of("sender@mxguard.test", List.of("a@peer.test", "b@peer.test"), MESSAGE));

        assertThat(result.recipients()).allSatisfy(r -> {
            assertThat(r.outcome()).isEqualTo(outcome);
            assertThat(r.reply().orElseThrow().code()).isEqualTo(code);
            assertThat(r.status()).isEqualTo(code == 450 ? "4.3.0" : "5.3.0");
        });
        switch (command) {
            case "MAIL" -> {
                assertThat(result.mailReply().orElseThrow().code()).isEqualTo(code);
                assertThat(result.recipients()).allSatisfy(r -> assertThat(r.rcptReply()).isEmpty());
                assertThat(result.dataReply()).isEmpty();
            }
            case "DATA" -> {
                assertThat(result.dataReply().orElseThrow().code()).isEqualTo(code);
                assertThat(result.finalReply()).isEmpty();
            }
            default -> {
                assertThat(result.dataReply().orElseThrow().code()).isEqualTo(354);
                assertThat(result.finalReply().orElseThrow().code()).isEqualTo(code);
            }
        }
        assertThat(result.failure()).isEmpty();
        assertThat(connection.isUsable()).isTrue();
    }

    /** With PIPELINING the RCPTs after a refused MAIL get 503; the MAIL reply still decides. */
    @ParameterizedTest
    @CsvSource({"mail-tempfail, TRANSIENT, 451", "mail-reject, PERMANENT, 553"})
    void pipelinedMailRefusalDecidesOverTheRcptReplies(String sender, Outcome outcome, int code) {
        peer = SmtpTestPeer.python("--pipelining");
        connection = connected(client.connect(peer.address(), null, HELO));

        SmtpTransactionResult result = connection.send(
                SmtpTransaction.of(sender + "@mxguard.test", List.of("a@peer.test", "b@peer.test"), MESSAGE));

        assertThat(result.mailReply().orElseThrow().code()).isEqualTo(code);
        assertThat(result.recipients()).allSatisfy(r -> {
            assertThat(r.outcome()).isEqualTo(outcome);
            assertThat(r.reply()).isEqualTo(result.mailReply());
            assertThat(r.rcptReply().orElseThrow().code()).isEqualTo(503);
        });
        assertThat(peer.events("message")).isEmpty();
    }

    @ParameterizedTest
    @CsvSource({"data-tempfail, TRANSIENT, 4.3.0", "data-reject, PERMANENT, 5.6.0"})
    void refusalAfterTheMessage(String sender, Outcome outcome, String status) {
        peer = SmtpTestPeer.python("--pipelining");
        connection = connected(client.connect(peer.address(), null, HELO));

        SmtpTransactionResult result = connection.send(
                SmtpTransaction.of(sender + "@mxguard.test", List.of("a@peer.test", "reject@peer.test"), MESSAGE));

        assertThat(result.recipient("a@peer.test").outcome()).isEqualTo(outcome);
        assertThat(result.recipient("a@peer.test").status()).isEqualTo(status);
        assertThat(result.recipient("reject@peer.test").status()).isEqualTo("5.1.1");
    }

    /** The server announces SIZE 2000: a larger message is not even offered; a smaller one says its size. */
    @Test
    void sizeAnnouncedAndHonoured() {
        peer = SmtpTestPeer.python("--size", "2000");
        connection = connected(client.connect(peer.address(), null, HELO));
        assertThat(connection.capabilities().sizeLimit()).hasValue(2000);
        byte[] large = message(3000);

        SmtpTransactionResult tooLarge = connection.send(
                SmtpTransaction.of("sender@mxguard.test", List.of("a@peer.test", "b@peer.test"), large));

        assertThat(tooLarge.recipients()).allSatisfy(r -> {
            assertThat(r.outcome()).isEqualTo(PERMANENT);
            assertThat(r.status()).isEqualTo("5.3.4");
            assertThat(r.reply()).isEmpty();
            assertThat(r.detail()).contains("3000 octets", "2000");
        });
        assertThat(tooLarge.mailReply()).isEmpty();
        assertThat(connection.isUsable()).isTrue();

        byte[] small = message(1500);
        SmtpTransactionResult fits = connection.send(
                SmtpTransaction.of("sender@mxguard.test", List.of("a@peer.test"), small));

        assertThat(fits.allDelivered()).as(fits.toString()).isTrue();
        List<JsonNode> mails = peer.awaitEvents("mail", 1);
        assertThat(mails).hasSize(1);
        assertThat(SmtpTestPeer.texts(mails.get(0).path("options"))).containsExactly("SIZE=1500");
    }

    @Test
    void eightBitMessageGoesWithBody8BitMime() {
        peer = SmtpTestPeer.python();
        connection = connected(client.connect(peer.address(), null, HELO));
        byte[] eightBit = "Subject: caf\u00e9\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nGr\u00fc\u00dfe\r\n"
                .getBytes(StandardCharsets.UTF_8);

        SmtpTransactionResult result = connection.send(
                SmtpTransaction.of("sender@mxguard.test", List.of("a@peer.test"), eightBit));
        SmtpTransactionResult sevenBit = connection.send(
                SmtpTransaction.of("sender@mxguard.test", List.of("a@peer.test"), MESSAGE));

        assertThat(result.allDelivered()).as(result.toString()).isTrue();
        assertThat(sevenBit.allDelivered()).as(sevenBit.toString()).isTrue();
        List<JsonNode> messages = peer.awaitEvents("message", 2);
        assertThat(SmtpTestPeer.texts(messages.get(0).path("options"))).contains("BODY=8BITMIME");
        assertThat(SmtpTestPeer.data(messages.get(0))).isEqualTo(eightBit);
        assertThat(SmtpTestPeer.texts(messages.get(1).path("options"))).doesNotContain("BODY=8BITMIME");
    }

    /** smtp-sink -8 does not announce 8BITMIME: the 8-bit message goes as it is, without BODY=. */
    @Test
    void eightBitMessageWithout8BitMimeGoesAsItIs() {
        peer = SmtpTestPeer.sink("-8");
        connection = connected(client.connect(peer.address(), null, HELO));
        assertThat(connection.capabilities().eightBitMime()).isFalse();

        SmtpTransactionResult result = connection.send(SmtpTransaction.of("sender@mxguard.test",
                List.of("a@peer.test"), "Subject: x\r\n\r\n\u00e9t\u00e9\r\n".getBytes(StandardCharsets.ISO_8859_1)));

        assertThat(result.allDelivered()).as(result.toString()).isTrue();
        assertThat(peer.awaitDumps(1).get(0)).contains("X-Mail-Args: <sender@mxguard.test>\n", "\n\u00e9t\u00e9\n");
    }

    /** Lines starting with '.', a lone '.', bare LF and a missing last line end all arrive intact. */
    @Test
    void dotStuffingAndLineEndings() throws IOException {
        String stored = "Subject: dots\n\n.leading dot\n..two dots\n.\n. \nmixed\r\nno newline at the end";
        String received = "Subject: dots\r\n\r\n.leading dot\r\n..two dots\r\n.\r\n. \r\nmixed\r\nno newline at the end\r\n";
        Path file = Files.write(dir.resolve("queued.eml"), stored.getBytes(StandardCharsets.US_ASCII));

        peer = SmtpTestPeer.python();
        connection = connected(client.connect(peer.address(), null, HELO));
        SmtpTransactionResult result = connection.send(new SmtpTransaction("sender@mxguard.test",
                List.of("a@peer.test"), SmtpBody.of(file), false));

        assertThat(result.allDelivered()).as(result.toString()).isTrue();
        assertThat(new String(SmtpTestPeer.data(peer.awaitEvents("message", 1).get(0)), StandardCharsets.US_ASCII))
                .isEqualTo(received);
    }

    /** The same through Postfix's smtp-sink, whose dump has LF line ends and the empty line it adds. */
    @Test
    void dotStuffingThroughSmtpSink() {
        peer = SmtpTestPeer.sink();
        connection = connected(client.connect(peer.address(), null, HELO));

        SmtpTransactionResult result = connection.send(SmtpTransaction.of("sender@mxguard.test",
                List.of("a@peer.test"), "Subject: dots\n\n.leading\n..two\n.\nend".getBytes(StandardCharsets.US_ASCII)));

        assertThat(result.allDelivered()).as(result.toString()).isTrue();
        String dump = peer.awaitDumps(1).get(0);
        assertThat(dump.substring(dump.indexOf("Subject: dots"))).isEqualTo("Subject: dots\n\n.leading\n..two\n.\nend\n\n");
    }

    /** Our own problem, not the server's: nothing is sent, the session stays usable. */
    @Test
    void unreadableQueueFileIsTransientAndSendsNothing() {
        peer = SmtpTestPeer.sink();
        connection = connected(client.connect(peer.address(), null, HELO));

        SmtpTransactionResult result = connection.send(new SmtpTransaction("sender@mxguard.test",
                List.of("a@peer.test"), SmtpBody.of(dir.resolve("gone.eml")), false));

        assertThat(result.recipients().get(0).outcome()).isEqualTo(TRANSIENT);
        assertThat(result.recipients().get(0).status()).isEqualTo("4.3.0");
        assertThat(result.failure().orElseThrow()).startsWith("cannot read the message");
        assertThat(result.mailReply()).isEmpty();
        assertThat(connection.isUsable()).isTrue();
        assertThat(connection.send(SmtpTransaction.of("sender@mxguard.test", List.of("a@peer.test"), MESSAGE))
                .allDelivered()).isTrue();
    }

    /**
     * smtp-sink -q: hang up without a reply after the end of the message, or after DATA. Nobody
     * can know whether the message was taken, so nobody is reported delivered.
     */
    @ParameterizedTest
    @ValueSource(strings = {".", "DATA"})
    void connectionLostMidTransactionIsTransientForAll(String command) {
        peer = SmtpTestPeer.sink("-q", command);
        connection = connected(client.connect(peer.address(), null, HELO));

        SmtpTransactionResult result = connection.send(
                SmtpTransaction.of("sender@mxguard.test", List.of("a@peer.test", "b@peer.test"), MESSAGE));

        assertThat(result.recipients()).allSatisfy(r -> {
            assertThat(r.outcome()).isEqualTo(TRANSIENT);
            assertThat(r.status()).isEqualTo("4.4.2");
            assertThat(r.reply()).isEmpty();
            assertThat(r.rcptReply().orElseThrow().code()).isEqualTo(250);
        });
        assertThat(result.failure().orElseThrow()).contains("connection closed by the server")
                .endsWith(command.equals(".") ? "waiting for the reply to the end of the message"
                        : "waiting for the reply to DATA");
        assertThat(connection.isUsable()).isFalse();
        SmtpTransactionResult after = connection.send(
                SmtpTransaction.of("sender@mxguard.test", List.of("a@peer.test"), MESSAGE));
        assertThat(after.recipients().get(0).outcome()).isEqualTo(TRANSIENT);
        assertThat(after.failure().orElseThrow()).contains("not usable");
    }

    /** smtp-sink -W .:5 waits 5 s before answering the end of the message: past the 500 ms allowed for it. */
    @Test
    void slowReplyAfterTheMessageTimesOut() {
        peer = SmtpTestPeer.sink("-W", ".:5");
        SmtpTimeouts f = SmtpTimeouts.fast();
        SmtpClient impatient = new SmtpClient(new SmtpTimeouts(f.connect(), f.greeting(), f.hello(), f.startTls(),
                f.mail(), f.rcpt(), f.dataInitiation(), f.dataBlock(), Duration.ofMillis(500), f.rset(), f.quit()));
        connection = connected(impatient.connect(peer.address(), null, HELO));

        SmtpTransactionResult result = connection.send(
                SmtpTransaction.of("sender@mxguard.test", List.of("a@peer.test"), MESSAGE));

        assertThat(result.recipients().get(0).outcome()).isEqualTo(TRANSIENT);
        assertThat(result.failure()).hasValue("timed out after 500 ms waiting for the reply to the end of the message");
        assertThat(connection.isUsable()).isFalse();
    }

    /**
     * smtp-sink -H 5 does not read for 5 s after DATA, with a 2 KB TCP window (-T): writing 16 MB
     * blocks, and the data block timeout ends it.
     */
    @Test
    void blockedWriteOfTheMessageTimesOut() {
        peer = SmtpTestPeer.sink("-H", "5", "-T", "2048");
        SmtpTimeouts f = SmtpTimeouts.fast();
        SmtpClient impatient = new SmtpClient(new SmtpTimeouts(f.connect(), f.greeting(), f.hello(), f.startTls(),
                f.mail(), f.rcpt(), f.dataInitiation(), Duration.ofMillis(500), f.dataTermination(), f.rset(), f.quit()));
        connection = connected(impatient.connect(peer.address(), null, HELO));

        long start = System.nanoTime();
        SmtpTransactionResult result = connection.send(
                SmtpTransaction.of("sender@mxguard.test", List.of("a@peer.test"), message(16 << 20)));

        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(4));
        assertThat(result.recipients().get(0).outcome()).isEqualTo(TRANSIENT);
        assertThat(result.failure()).hasValue("timed out after 500 ms sending the message");
    }

    /** A header and as many lines of body as make {@code size} octets. */
    static byte[] message(int size) {
        byte[] m = new byte[size];
        Arrays.fill(m, (byte) 'x');
        byte[] header = "Subject: size\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(header, 0, m, 0, header.length);
        for (int i = header.length + 76; i < size - 4; i += 78) {
            m[i] = '\r';
            m[i + 1] = '\n';
        }
        m[size - 2] = '\r';
        m[size - 1] = '\n';
        return m;
    }
}
