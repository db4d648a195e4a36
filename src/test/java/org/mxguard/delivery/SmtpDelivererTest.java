package org.mxguard.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.mxguard.dns.DnsAnswer;
import org.mxguard.dns.DnsQuestion;
import org.mxguard.dns.InetAddresses;
import org.mxguard.dns.RecordType;
import org.mxguard.dns.Resolver;
import org.mxguard.queue.DeliveryOutcome;
import org.mxguard.queue.Envelope;
import org.mxguard.queue.QueueIds;
import org.mxguard.queue.RecipientOutcome;

/**
 * The deliverer against a real SMTP server (aiosmtpd, answering by local part), reached as a
 * relay domain's next hop so that DNS is a stub: per-recipient outcomes, when a refusal counts for
 * the message, the next address of a host, session reuse, egress choice, routing failures.
 */
@Timeout(20)
class SmtpDelivererTest {
    private static final String NOWHERE = "127.1.2.3"; // a loopback address nothing listens on

    @TempDir
    Path directory;

    private final SmtpClientReuseTest.MutableClock clock = new SmtpClientReuseTest.MutableClock();
    private final QueueIds ids = new QueueIds(clock, new SplittableRandom(1));
    private final SmtpConnectionCache cache = new SmtpConnectionCache(Duration.ofSeconds(30), 100, clock);
    private SmtpTestPeer peer;
    private Path body;

    @BeforeEach
    void start() throws IOException {
        peer = SmtpTestPeer.python("--pipelining");
        body = Files.writeString(directory.resolve("message.eml"), "Subject: hi\r\n\r\nHello.\r\n", StandardCharsets.US_ASCII);
    }

    @AfterEach
    void stop() {
        cache.close();
        peer.close();
    }

    /**
     * peer.test goes to the peer; two.test to hosts.test, whose A records are a dead address and
     * then the peer; every other name is a DNS failure.
     */
    private Router router() {
        InetSocketAddress at = peer.address();
        Transports transports = Transports.mxOnly()
                .withRelayDomain("peer.test", NextHop.of(at.getAddress().getHostAddress(), at.getPort()))
                .withRelayDomain("two.test", NextHop.of("hosts.test", at.getPort()));
        Resolver dns = question -> CompletableFuture.completedFuture(answer(question, at.getAddress()));
        return new Router(transports, dns, Myself.unknown(), new SplittableRandom(2));
    }

    private static DnsAnswer<?> answer(DnsQuestion question, InetAddress peerAddress) {
        if (question.name().equals("hosts.test") && question.type() == RecordType.A) {
            return new DnsAnswer.Records<>(question, List.of(InetAddresses.require(NOWHERE), peerAddress), 300, List.of());
        }
        if (question.name().equals("hosts.test")) {
            return new DnsAnswer.NoData<>(question, 300, List.of());
        }
        return new DnsAnswer.TempFail<>(question, "SERVFAIL");
    }

    private SmtpDeliverer deliverer(Optional<EgressPool> egresses) {
        return new SmtpDeliverer(router(), new SmtpClient(SmtpTimeouts.fast()), cache, egresses, "out.mxguard.test",
                clock, SmtpDeliverer.Settings.DEFAULT);
    }

    private DeliveryOutcome deliver(SmtpDeliverer deliverer, String sender, String... recipients) throws Exception {
        Envelope envelope = Envelope.received(ids.next(), sender, List.of(recipients), clock.instant());
        return deliverer.deliver(envelope, body).get(10, TimeUnit.SECONDS);
    }

    private String said(String reply) {
        return peer.address().getAddress().getHostAddress() + "[" + peer.address().getAddress().getHostAddress()
                + "] said: " + reply;
    }

    @Test
    void eachRecipientGetsItsOwnOutcome() throws Exception {
        DeliveryOutcome outcome = deliver(deliverer(Optional.empty()), "alice@example.org",
                "ok1@peer.test", "tempfail1@peer.test", "reject1@peer.test", "ok2@peer.test");

        assertThat(outcome.of("ok1@peer.test")).isEqualTo(new RecipientOutcome.Delivered(said("250 2.0.0 queued")));
        assertThat(outcome.of("ok2@peer.test")).isEqualTo(new RecipientOutcome.Delivered(said("250 2.0.0 queued")));
        assertThat(outcome.of("tempfail1@peer.test"))
                .isEqualTo(new RecipientOutcome.Deferred(said("451 4.2.1 mailbox busy, try later")));
        assertThat(outcome.of("reject1@peer.test")).isEqualTo(new RecipientOutcome.Bounced(said("550 5.1.1 no such user")));
        assertThat(SmtpTestPeer.texts(peer.awaitEvents("message", 1).getFirst().path("recipients")))
                .containsExactly("ok1@peer.test", "ok2@peer.test");
        assertThat(peer.events("message").getFirst().path("helo").asText()).isEqualTo("out.mxguard.test");
    }

    @Test
    void theGatewaysTraceHeadersGoInFrontOfTheStoredBody() throws Exception {
        String trace = "Received: from client.test (client.test [192.0.2.9])\r\n\tby gw.test (mxguard) id X;"
                + " Mon, 23 Nov 2026 00:00:00 +0000\r\nAuthentication-Results: gw.test; iprev=pass\r\n";
        Envelope envelope = Envelope.received(ids.next(), "alice@example.org", List.of("ok1@peer.test"), clock.instant())
                .withTraceHeaders(trace);

        assertThat(deliverer(Optional.empty()).deliver(envelope, body).get(10, TimeUnit.SECONDS).of("ok1@peer.test"))
                .isInstanceOf(RecipientOutcome.Delivered.class);

        byte[] sent = SmtpTestPeer.data(peer.awaitEvents("message", 1).getFirst());
        byte[] stored = java.nio.file.Files.readAllBytes(body);
        assertThat(new String(sent, java.nio.charset.StandardCharsets.UTF_8))
                .isEqualTo(trace + new String(stored, java.nio.charset.StandardCharsets.UTF_8));
    }

    @Test
    void onlyA2xxAfterTheDataDelivers() throws Exception {
        SmtpDeliverer deliverer = deliverer(Optional.empty());

        assertThat(deliver(deliverer, "data-tempfail@example.org", "ok@peer.test").of("ok@peer.test"))
                .isEqualTo(new RecipientOutcome.Deferred(said("451 4.3.0 message not taken, try later")));
        assertThat(deliver(deliverer, "data-reject@example.org", "ok@peer.test").of("ok@peer.test"))
                .isEqualTo(new RecipientOutcome.Bounced(said("554 5.6.0 message refused")));
        assertThat(deliver(deliverer, "mail-tempfail@example.org", "ok@peer.test").of("ok@peer.test"))
                .isEqualTo(new RecipientOutcome.Deferred(said("451 4.3.0 try MAIL again later")));
    }

    @Test
    void anAddressThatRefusesIsSkippedForTheHostsNextOne() throws Exception {
        DeliveryOutcome outcome = deliver(deliverer(Optional.empty()), "alice@example.org", "ok@two.test");

        String peerIp = peer.address().getAddress().getHostAddress();
        assertThat(outcome.of("ok@two.test"))
                .isEqualTo(new RecipientOutcome.Delivered("hosts.test[" + peerIp + "] said: 250 2.0.0 queued"));
    }

    @Test
    void aSessionCarriesTheNextDeliveryToTheSameServer() throws Exception {
        SmtpDeliverer deliverer = deliverer(Optional.empty());

        deliver(deliverer, "alice@example.org", "ok1@peer.test");
        deliver(deliverer, "alice@example.org", "ok2@peer.test");

        peer.awaitEvents("message", 2);
        assertThat(peer.events("connect")).hasSize(1);
        assertThat(peer.events("rset")).as("checked with RSET before reuse").hasSize(1);
    }

    @Test
    void anEgressThatCannotBeBoundIsLeftOutForAWhile() throws Exception {
        InetAddress foreign = InetAddresses.require("192.0.2.1"); // not an address of this machine
        InetAddress local = InetAddresses.require("127.0.0.1");
        EgressPool pool = new EgressPool(List.of(new Egress(foreign, "foreign.mxguard.test"),
                new Egress(local, "local.mxguard.test")), clock);

        DeliveryOutcome outcome = deliver(deliverer(Optional.of(pool)), "alice@example.org", "ok@peer.test");

        assertThat(outcome.of("ok@peer.test")).isInstanceOf(RecipientOutcome.Delivered.class);
        assertThat(pool.downUntil(foreign)).contains(clock.instant().plus(SmtpDeliverer.Settings.DEFAULT.egressDownTime()));
        assertThat(pool.isUp(local)).isTrue();
        assertThat(peer.awaitEvents("message", 1).getFirst().path("helo").asText()).isEqualTo("local.mxguard.test");
    }

    @Test
    void withoutAnEgressOfTheTargetsFamilyTheMessageWaits() throws Exception {
        EgressPool ipv6Only = new EgressPool(List.of(new Egress(InetAddresses.require("::1"), "six.mxguard.test")), clock);

        RecipientOutcome outcome = deliver(deliverer(Optional.of(ipv6Only)), "alice@example.org", "ok@peer.test")
                .of("ok@peer.test");

        assertThat(outcome).isInstanceOf(RecipientOutcome.Deferred.class);
        assertThat(outcome.reply()).startsWith("451 4.4.0 no egress address of the family of");
        assertThat(peer.events("connect")).isEmpty();
    }

    @Test
    void whenTheLastEgressCannotBeBoundTheMessageWaitsAndSaysWhy() throws Exception {
        InetAddress foreign = InetAddresses.require("192.0.2.1");
        EgressPool pool = new EgressPool(List.of(new Egress(foreign, "foreign.mxguard.test")), clock);

        RecipientOutcome outcome = deliver(deliverer(Optional.of(pool)), "alice@example.org", "ok@peer.test")
                .of("ok@peer.test");

        assertThat(outcome).isInstanceOf(RecipientOutcome.Deferred.class);
        assertThat(outcome.reply()).startsWith("451 4.4.0 no egress address of the family of")
                .contains("(cannot send from 192.0.2.1: ");
        assertThat(pool.isUp(foreign)).isFalse();
    }

    @Test
    void routingFailuresNeedNoConnection() throws Exception {
        SmtpDeliverer deliverer = deliverer(Optional.empty());

        RecipientOutcome dnsTrouble = deliver(deliverer, "alice@example.org", "bob@servfail.test").of("bob@servfail.test");
        assertThat(dnsTrouble).isInstanceOf(RecipientOutcome.Deferred.class);
        assertThat(dnsTrouble.reply()).startsWith("451 4.4.3 DNS lookup for servfail.test failed temporarily");

        RecipientOutcome noDomain = deliver(deliverer, "alice@example.org", "postmaster").of("postmaster");
        assertThat(noDomain).isEqualTo(new RecipientOutcome.Bounced("550 5.1.3 recipient address has no domain to route to"));
        assertThat(peer.events("connect")).isEmpty();
    }
}
