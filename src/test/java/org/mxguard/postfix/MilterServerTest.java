package org.mxguard.postfix;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.mxguard.check.CheckSuite;
import org.mxguard.check.GenericNameClassifier;
import org.mxguard.check.LocalIdentity;
import org.mxguard.dns.CachingResolver;
import org.mxguard.policy.Policy;
import org.mxguard.policy.SessionChecks;
import org.mxguard.testkit.FakeDns;
import org.mxguard.web.GatewayMetrics;

/**
 * The milter over TCP, against a fake MTA: a whole message, and the protocol's edge cases. Whatever
 * the MTA sends that breaks the protocol (a bad length, an unknown command, a packet over the limit)
 * ends the connection, so that the MTA applies its default action; a transaction open when the MTA
 * goes away still gets its log line.
 */
class MilterServerTest {
    private static final int LIMIT = 4096;

    @RegisterExtension
    final FakeDns dns = new FakeDns();
    private final TransactionLines lines = new TransactionLines();
    private MilterServer server;

    @BeforeEach
    void start() throws IOException {
        dns.server().ptr("192.0.2.10", "mail.sender.example").a("mail.sender.example", "192.0.2.10")
                .mx("sender.example", 10, "mail.sender.example");
        CachingResolver resolver = new CachingResolver(dns.client(Duration.ofMillis(500), 1), 1000);
        CheckSuite suite = CheckSuite.standard(LocalIdentity.none(), GenericNameClassifier.standard());
        MilterSetup.Settings settings = new MilterSetup.Settings(java.util.Optional.of("mx.test"), "fallback.test", false,
                LIMIT, Duration.ofMinutes(1), Duration.ofSeconds(20));
        server = MilterServer.start(List.of(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)), 10,
                new MilterSetup(settings, client -> new SessionChecks(suite, Policy.defaults(), resolver, 20, client),
                        lines.log(), GatewayMetrics.noop(), Clock.systemUTC()));
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private FakeMta mta() throws IOException {
        return new FakeMta(server.addresses().getFirst());
    }

    private static void negotiateAndConnect(FakeMta mta) throws IOException {
        assertThat(mta.ask(new MilterEvent.Negotiate(6, 0x1ff, 0x1fffff))).isEqualTo(new MilterReply.Negotiate(6, 0x11, 0x390));
        assertThat(mta.ask(new MilterEvent.Connect("[192.0.2.10]", MilterEvent.Family.INET, 1, "192.0.2.10")))
                .isEqualTo(new MilterReply.Continue());
    }

    @Test
    void aWholeMessage() throws IOException {
        try (FakeMta mta = mta()) {
            negotiateAndConnect(mta);
            assertThat(mta.ask(new MilterEvent.Helo("mail.sender.example"))).isEqualTo(new MilterReply.Continue());
            mta.send(new MilterEvent.Macros('M', Map.of("{mail_addr}", "alice@sender.example", "i", "ABC")));
            assertThat(mta.ask(new MilterEvent.Mail(List.of("<alice@sender.example>")))).isEqualTo(new MilterReply.Continue());
            assertThat(mta.ask(new MilterEvent.Recipient(List.of("<bob@protected.test>")))).isEqualTo(new MilterReply.Continue());
            mta.send(new MilterEvent.Header("From", "alice@sender.example"));
            assertThat(mta.ask(new MilterEvent.EndOfHeaders())).isEqualTo(new MilterReply.Continue());
            List<MilterReply> eom = mta.endOfMessage();
            assertThat(eom.getFirst()).isInstanceOf(MilterReply.InsertHeader.class);
            assertThat(((MilterReply.InsertHeader) eom.getFirst()).value()).startsWith("mx.test;");
            assertThat(eom.getLast()).isEqualTo(new MilterReply.Continue());
            mta.send(new MilterEvent.Quit());
            assertThat(mta.closedByMilter()).isTrue();
        }
        JsonNode line = awaitLine(() -> lines.lines().isEmpty() ? null : lines.lines().getFirst());
        assertThat(line.get("outcome").asText()).isEqualTo("queued");
        assertThat(line.get("queue-id").asText()).isEqualTo("ABC");
    }

    @Test
    void anUnknownCommandClosesTheConnection() throws IOException {
        try (FakeMta mta = mta()) {
            negotiateAndConnect(mta);
            mta.raw(new byte[] {0, 0, 0, 1, 'Z'});
            assertThat(mta.closedByMilter()).isTrue();
        }
    }

    @Test
    void aBadLengthClosesTheConnection() throws IOException {
        try (FakeMta mta = mta()) {
            negotiateAndConnect(mta);
            mta.raw(new byte[] {0, 0, 0, 0, 'H'});
            assertThat(mta.closedByMilter()).isTrue();
        }
    }

    @Test
    void aPacketOverTheLimitClosesTheConnectionBeforeItsDataComes() throws IOException {
        try (FakeMta mta = mta()) {
            negotiateAndConnect(mta);
            // only the length and command are sent: the milter must not wait for the rest
            mta.raw(ByteBuffer.allocate(5).putInt(LIMIT + 1).put((byte) 'L').array());
            assertThat(mta.closedByMilter()).isTrue();
        }
        try (FakeMta mta = mta()) { // a packet at the limit is taken
            negotiateAndConnect(mta);
            String value = "x".repeat(LIMIT - 1 - "Subject".length() - 2);
            mta.send(new MilterEvent.Header("Subject", value));
            assertThat(mta.ask(new MilterEvent.EndOfHeaders())).isEqualTo(new MilterReply.Continue());
        }
    }

    @Test
    void aPeerThatLeavesMidPacketLeavesItsTransactionLogged() throws IOException {
        try (FakeMta mta = mta()) {
            negotiateAndConnect(mta);
            mta.ask(new MilterEvent.Helo("mail.sender.example"));
            mta.ask(new MilterEvent.Mail(List.of("<alice@sender.example>")));
            mta.raw(new byte[] {0, 0, 0, 20, 'R', '<', 'b'});
        }
        JsonNode line = awaitLine(() -> lines.lines().isEmpty() ? null : lines.lines().getFirst());
        assertThat(line.get("outcome").asText()).isEqualTo("aborted");
        assertThat(line.get("mail-from").asText()).isEqualTo("alice@sender.example");
    }

    @Test
    void eventsBeforeTheNegotiationCloseTheConnection() throws IOException {
        try (FakeMta mta = mta()) {
            mta.send(new MilterEvent.Helo("x"));
            assertThat(mta.closedByMilter()).isTrue();
        }
    }

    /** The session logs after the socket closes, on its own thread: wait for it, without a fixed sleep. */
    private static JsonNode awaitLine(Supplier<JsonNode> line) {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < end) {
            JsonNode found = line.get();
            if (found != null) {
                return found;
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
        throw new AssertionError("no transaction line within 10 s");
    }
}
