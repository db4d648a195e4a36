package org.mxguard.delivery;

import org.mxguard.cli.DeliveryWiring;
import static org.assertj.core.api.Assertions.assertThat;
import static org.mxguard.testbed.TestZones.EQUAL_PREF_DOMAIN;
import static org.mxguard.testbed.TestZones.EQUAL_PREF_IP_A;
import static org.mxguard.testbed.TestZones.EQUAL_PREF_IP_B;
import static org.mxguard.testbed.TestZones.EQUAL_PREF_IP_C;
import static org.mxguard.testbed.TestZones.GOOD_DOMAIN;
import static org.mxguard.testbed.TestZones.GOOD_HOST;
import static org.mxguard.testbed.TestZones.GOOD_IP;
import static org.mxguard.testbed.TestZones.NO_MX_DOMAIN;
import static org.mxguard.testbed.TestZones.NO_MX_DOMAIN_IP;
import static org.mxguard.testbed.TestZones.NULL_MX_DOMAIN;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.mxguard.config.ConfigLoader;
import org.mxguard.config.MxguardConfig;
import org.mxguard.dns.CachingResolver;
import org.mxguard.dns.DnsClient;
import org.mxguard.dns.InetAddresses;
import org.mxguard.queue.Envelope;
import org.mxguard.queue.Recipient;
import org.mxguard.testbed.DnsTestBed;

/**
 * The outbound path end to end: messages accepted into a real spool, routed through real DNS
 * (NSD + Unbound serving {@link org.mxguard.testbed.TestZones}, whose MX hosts are 127.0.x.y
 * addresses) and delivered over SMTP to Postfix's smtp-sink listening on those addresses, all on
 * one port, given as the delivery port the way {@code --delivery-port} does.
 */
@ExtendWith(DnsTestBed.class)
@Timeout(30)
class DeliveryIT {
    private static final String SENDER = "alice@" + NO_MX_DOMAIN; // where the DSNs go: 127.0.2.2
    private static final String GATEWAY = "gateway.mxguard.test";
    private static final String[] ADDRESSES = {GOOD_IP, NO_MX_DOMAIN_IP, EQUAL_PREF_IP_A, EQUAL_PREF_IP_B, EQUAL_PREF_IP_C};

    @TempDir
    Path spoolDirectory;

    private final SmtpClientReuseTest.MutableClock clock = new SmtpClientReuseTest.MutableClock();
    private final List<DeliveryTestSink> sinks = new ArrayList<>();
    private int port;
    private DeliveryWiring delivery;

    @BeforeEach
    void port() {
        port = DeliveryTestSink.freePortOn(ADDRESSES);
    }

    @AfterEach
    void stop() {
        if (delivery != null) {
            delivery.close();
        }
        sinks.forEach(DeliveryTestSink::close);
    }

    private DeliveryTestSink sink(String ip, String... options) {
        DeliveryTestSink sink = DeliveryTestSink.start(ip, port, options);
        sinks.add(sink);
        return sink;
    }

    private void stopSink(DeliveryTestSink sink) {
        sink.close();
        sinks.remove(sink);
    }

    /** The wiring as {@code serve} gets it: the file's settings with the delivery port laid over them. */
    private DeliveryWiring open(DnsTestBed bed, String moreToml) throws Exception {
        delivery = DeliveryWiring.open(config(moreToml), resolver(bed), clock, new SplittableRandom(11));
        return delivery;
    }

    private MxguardConfig config(String moreToml) throws Exception {
        MxguardConfig config = ConfigLoader.parse("""
                [delivery]
                helo = "%s"

                [queue]
                spool = "%s"
                reserve-mb = 0
                lifetime-hours = 1
                """.formatted(GATEWAY, spoolDirectory) + moreToml, Path.of("delivery-it.toml"));
        return config.withDelivery(config.delivery().withPort(port));
    }

    private static CachingResolver resolver(DnsTestBed bed) {
        return new CachingResolver(new DnsClient(List.of(bed.resolver()), Duration.ofMillis(500), 1, Runnable::run), 1000);
    }

    private Envelope accept(String sender, String... recipients) throws IOException {
        String message = "From: <" + sender + ">\r\nTo: <" + recipients[0] + ">\r\nSubject: test " + recipients[0]
                + "\r\nMessage-ID: <" + System.nanoTime() + "@sender.test>\r\n\r\nHello.\r\n";
        return delivery.spool().accept(sender, List.of(recipients), message.getBytes(StandardCharsets.US_ASCII));
    }

    /** One queue pass at the test clock's time, waited for to its end; returns the deliveries it started. */
    private int pass() {
        int started = delivery.runner().runOnce(clock.instant());
        await(() -> delivery.runner().activeRounds() == 0, "the queue pass to end");
        return started;
    }

    private List<Envelope> queued() {
        return delivery.spool().list();
    }

    private String body(Envelope envelope) throws IOException {
        return Files.readString(delivery.spool().body(envelope.id()), StandardCharsets.UTF_8);
    }

    private static List<String> dumpsOf(DeliveryTestSink sink, int count) {
        await(() -> sink.dumps().size() >= count && sink.dumps().stream().allMatch(d -> d.contains("Hello.")),
                count + " message(s) at " + sink.address());
        return sink.dumps();
    }

    @Test
    void deliversToTheLowestPreferenceFromTheFirstWorkingEgressWithItsPtrName(DnsTestBed bed) throws Exception {
        DeliveryTestSink a = sink(EQUAL_PREF_IP_A);
        DeliveryTestSink b = sink(EQUAL_PREF_IP_B);
        DeliveryTestSink c = sink(EQUAL_PREF_IP_C);
        open(bed, """
                [[egress]]
                address = "192.0.2.1"   # not this machine's: cannot be bound, left out for a while

                [[egress]]
                address = "%s"          # PTR %s
                """.formatted(GOOD_IP, GOOD_HOST));
        assertThat(delivery.egresses()).containsExactly(
                new Egress(InetAddresses.require("192.0.2.1"), GATEWAY), // no PTR: the [delivery] name
                new Egress(InetAddresses.require(GOOD_IP), GOOD_HOST));

        accept("alice@sender.test", "bob@" + EQUAL_PREF_DOMAIN, "carol@" + EQUAL_PREF_DOMAIN);
        assertThat(pass()).isEqualTo(1);

        assertThat(queued()).as("delivered and removed").isEmpty();
        await(() -> a.dumps().size() + b.dumps().size() == 1, "one message at a preference-10 host");
        String dump = dumpsOf(a.dumps().isEmpty() ? b : a, 1).getFirst();
        assertThat(dump).contains("X-Client-Addr: " + GOOD_IP, "X-Helo-Args: " + GOOD_HOST,
                "X-Mail-Args: <alice@sender.test>", "X-Rcpt-Args: <bob@" + EQUAL_PREF_DOMAIN + ">",
                "X-Rcpt-Args: <carol@" + EQUAL_PREF_DOMAIN + ">", "Subject: test bob@" + EQUAL_PREF_DOMAIN);
        assertThat(c.dumps()).as("the backup MX").isEmpty();
    }

    @Test
    void fallsBackToTheNextPreferenceWhenTheBestRefuseConnections(DnsTestBed bed) throws Exception {
        DeliveryTestSink backup = sink(EQUAL_PREF_IP_C); // nothing listens on .1 and .2
        open(bed, "");

        accept(SENDER, "bob@" + EQUAL_PREF_DOMAIN);
        pass();

        assertThat(queued()).isEmpty();
        assertThat(dumpsOf(backup, 1).getFirst()).contains("X-Helo-Args: " + GATEWAY, "X-Rcpt-Args: <bob@" + EQUAL_PREF_DOMAIN + ">");
    }

    @Test
    void aTemporaryRefusalOfTheMessageGoesOnToTheNextHost(DnsTestBed bed) throws Exception {
        // one best host says 4xx to MAIL, the other refuses connections, in whichever order they come
        DeliveryTestSink busy = sink(EQUAL_PREF_IP_A, "-r", "MAIL");
        DeliveryTestSink backup = sink(EQUAL_PREF_IP_C);
        open(bed, "");

        accept(SENDER, "bob@" + EQUAL_PREF_DOMAIN);
        pass();

        assertThat(queued()).isEmpty();
        assertThat(dumpsOf(backup, 1)).hasSize(1);
        assertThat(busy.dumps()).isEmpty();
    }

    @Test
    void aTemporaryRefusalOfARecipientIsDeferredWithoutTryingTheBackup(DnsTestBed bed) throws Exception {
        // one best host greylists, the other refuses connections: only one session, so the session
        // limit (2) cannot be what keeps the backup from being asked
        sink(EQUAL_PREF_IP_A, "-r", "RCPT");
        DeliveryTestSink backup = sink(EQUAL_PREF_IP_C);
        open(bed, "");

        accept(SENDER, "bob@" + EQUAL_PREF_DOMAIN);
        pass();

        Recipient bob = queued().getFirst().recipients().getFirst();
        assertThat(bob.status()).isEqualTo(Recipient.Status.PENDING);
        assertThat(bob.reply()).startsWith("a.equalpref.test[" + EQUAL_PREF_IP_A + "] said: 450 4.3.0 ");
        assertThat(backup.dumps()).isEmpty();
    }

    @Test
    void aDeferredRecipientIsRetriedOnTheBackoffSchedule(DnsTestBed bed) throws Exception {
        DeliveryTestSink greylisting = sink(GOOD_IP, "-r", "RCPT");
        open(bed, "");

        accept(SENDER, "bob@" + GOOD_DOMAIN);
        pass();
        Envelope deferred = queued().getFirst();
        assertThat(deferred.attempts()).isEqualTo(1);
        assertThat(deferred.nextAttempt()).isAfter(clock.instant()).isBeforeOrEqualTo(clock.instant().plusSeconds(300));
        assertThat(deferred.recipients().getFirst().reply())
                .startsWith(GOOD_HOST + "[" + GOOD_IP + "] said: 450 4.3.0");
        assertThat(pass()).as("not due yet").isZero();

        stopSink(greylisting);
        DeliveryTestSink accepting = sink(GOOD_IP);
        clock.advance(Duration.ofSeconds(300));
        assertThat(pass()).isEqualTo(1);

        assertThat(queued()).isEmpty();
        assertThat(dumpsOf(accepting, 1).getFirst()).contains("X-Rcpt-Args: <bob@" + GOOD_DOMAIN + ">");
    }

    @Test
    void aPermanentRefusalBouncesAndTheNotificationIsQueuedAndDelivered(DnsTestBed bed) throws Exception {
        sink(GOOD_IP, "-f", "RCPT", "-B", "550 5.1.1 No such user here");
        DeliveryTestSink senderDomain = sink(NO_MX_DOMAIN_IP);
        open(bed, "");

        accept(SENDER, "nobody@" + GOOD_DOMAIN);
        accept("", "nobody@" + GOOD_DOMAIN); // a bounce itself: bounced without a notification
        pass();

        assertThat(queued()).singleElement().satisfies(dsn -> {
            assertThat(dsn.sender()).isEmpty();
            assertThat(dsn.recipients()).extracting(Recipient::address).containsExactly(SENDER);
            assertThat(body(dsn)).contains("From: MAILER-DAEMON@" + GATEWAY, "To: <" + SENDER + ">",
                    "Reporting-MTA: dns; " + GATEWAY, "Final-Recipient: rfc822; nobody@" + GOOD_DOMAIN,
                    "Action: failed", "Status: 5.1.1", "Remote-MTA: dns; " + GOOD_HOST,
                    "Diagnostic-Code: smtp; 550 5.1.1 No such user here", "Subject: test nobody@" + GOOD_DOMAIN);
        });

        pass(); // the notification itself, from <> to the sender's domain
        assertThat(queued()).isEmpty();
        await(() -> senderDomain.dumps().size() == 1 && senderDomain.dumps().getFirst().contains("Status: 5.1.1"),
                "the notification at " + NO_MX_DOMAIN);
        assertThat(senderDomain.dumps().getFirst()).contains("X-Mail-Args: <>", "X-Rcpt-Args: <" + SENDER + ">");
    }

    @Test
    void aNullMxDomainBouncesWith5110WithoutAConnection(DnsTestBed bed) throws Exception {
        open(bed, "");

        accept(SENDER, "bob@" + NULL_MX_DOMAIN);
        pass();

        assertThat(queued()).singleElement().satisfies(dsn -> assertThat(body(dsn)).contains(
                "Final-Recipient: rfc822; bob@" + NULL_MX_DOMAIN, "Status: 5.1.10",
                "Diagnostic-Code: X-Mxguard; Recipient domain " + NULL_MX_DOMAIN + " has a null MX"));
    }

    @Test
    void aDomainWithoutMxGetsMailAtItsOwnAddress(DnsTestBed bed) throws Exception {
        DeliveryTestSink implicit = sink(NO_MX_DOMAIN_IP);
        open(bed, "");

        accept("alice@sender.test", "bob@" + NO_MX_DOMAIN);
        pass();

        assertThat(queued()).isEmpty();
        assertThat(dumpsOf(implicit, 1).getFirst()).contains("X-Rcpt-Args: <bob@" + NO_MX_DOMAIN + ">");
    }

    @Test
    void aRecipientStillDeferredAtTheEndOfItsLifetimeBouncesWith447(DnsTestBed bed) throws Exception {
        sink(GOOD_IP, "-r", "RCPT");
        open(bed, ""); // lifetime-hours = 1

        accept(SENDER, "bob@" + GOOD_DOMAIN);
        pass();
        clock.advance(Duration.ofHours(1));
        pass();

        assertThat(queued()).singleElement().satisfies(dsn -> {
            assertThat(dsn.sender()).isEmpty();
            assertThat(body(dsn)).contains("Status: 4.4.7", "Remote-MTA: dns; " + GOOD_HOST,
                    "Diagnostic-Code: smtp; 450 4.3.0", "could not be delivered for 1 hour");
        });
    }

    @Test
    void startedAfterARestartItDeliversWhatWasQueuedBefore(DnsTestBed bed) throws Exception {
        DeliveryTestSink implicit = sink(NO_MX_DOMAIN_IP);
        open(bed, "");
        Envelope queuedBefore = accept("alice@sender.test", "bob@" + NO_MX_DOMAIN);
        delivery.close(); // stopped before any pass

        delivery = DeliveryWiring.start(config(""), resolver(bed), clock, new SplittableRandom(12));

        assertThat(delivery.recovery().messages()).extracting(Envelope::id).containsExactly(queuedBefore.id());
        await(() -> queued().isEmpty(), "the running queue to deliver it");
        assertThat(dumpsOf(implicit, 1).getFirst()).contains("X-Rcpt-Args: <bob@" + NO_MX_DOMAIN + ">");
    }

    private static void await(Supplier<Boolean> condition, String what) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!condition.get()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            SmtpTestPeer.pause(10);
        }
    }
}
