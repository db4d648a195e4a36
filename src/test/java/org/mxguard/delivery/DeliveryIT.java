package org.mxguard.delivery;

import org.mxguard.queue.Spool;
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

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Stream;
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
import org.slf4j.LoggerFactory;

/**
 * The outbound path end to end: messages accepted into a real spool, routed through real DNS
 * (NSD + Unbound serving {@link org.mxguard.testbed.TestZones}, whose MX hosts are 127.0.x.y
 * addresses) and delivered over SMTP to Postfix's smtp-sink listening on those addresses, all on
 * one port, given as the delivery port the way {@code --delivery-port} does. Where a test needs
 * STARTTLS or to see each connection, aiosmtpd ({@link SmtpTestPeer#pythonAt}) listens there instead.
 */
@ExtendWith(DnsTestBed.class)
@Timeout(30)
class DeliveryIT {
    private static final String SENDER = "alice@" + NO_MX_DOMAIN; // where the DSNs go: 127.0.2.2
    private static final String GATEWAY = "gateway.mxguard.test";
    private static final String[] ADDRESSES = {GOOD_IP, NO_MX_DOMAIN_IP, EQUAL_PREF_IP_A, EQUAL_PREF_IP_B, EQUAL_PREF_IP_C};

    /**
     * Longer than {@code DeliveryWiring.CACHED_SESSION_IDLE} (2 s, package-private there): a
     * session idle since before such a step is expired, and the cache closes it (QUIT) the next
     * time a delivery asks it for one, before that delivery connects anew.
     */
    private static final Duration PAST_SESSION_IDLE = Duration.ofSeconds(3);

    @TempDir
    Path spoolDirectory;

    private final SmtpClientReuseTest.MutableClock clock = new SmtpClientReuseTest.MutableClock();
    private final List<DeliveryTestSink> sinks = new ArrayList<>();
    private final List<SmtpTestPeer> peers = new ArrayList<>();
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
        peers.forEach(SmtpTestPeer::close);
    }

    private DeliveryTestSink sink(String ip, String... options) {
        DeliveryTestSink sink = DeliveryTestSink.start(ip, port, options);
        sinks.add(sink);
        return sink;
    }

    /** aiosmtpd_peer.py on {@code ip} at the delivery port, stopped after the test; it reports each connection. */
    private SmtpTestPeer peer(String ip, String... options) {
        SmtpTestPeer peer = SmtpTestPeer.pythonAt(new InetSocketAddress(InetAddresses.require(ip), port), options);
        peers.add(peer);
        return peer;
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

    /**
     * RFC 5321 §5.1: hosts of equal preference are tried in random order, so that mail spreads over
     * them. 60 messages, each queued alone and delivered in a pass of its own, with the clock moved
     * past the cached session's idle time in between, so each is routed and connected afresh (the
     * peers' connection numbers show it). Each of the two preference-10 hosts must get between 25%
     * and 75%: for a fair coin that fails with probability 4e-5 (binomial, n = 60), while a route
     * pinned to one host, or one favouring a host 4 to 1, is caught. The backup (preference 20)
     * must not even be connected to while both are up.
     */
    @Test
    void spreadsMailAtRandomOverTheEqualPreferenceHostsAndLeavesTheBackupAlone(DnsTestBed bed) throws Exception {
        SmtpTestPeer a = peer(EQUAL_PREF_IP_A);
        SmtpTestPeer b = peer(EQUAL_PREF_IP_B);
        SmtpTestPeer backup = peer(EQUAL_PREF_IP_C);
        open(bed, "");
        int messages = 60;

        for (int i = 0; i < messages; i++) {
            accept("alice@sender.test", "user" + i + "@" + EQUAL_PREF_DOMAIN);
            assertThat(pass()).as("message %d: deliveries started", i).isEqualTo(1);
            assertThat(queued()).as("message %d delivered and removed", i).isEmpty();
            clock.advance(PAST_SESSION_IDLE);
        }

        await(() -> a.events("message").size() + b.events("message").size() == messages,
                messages + " messages at the preference-10 hosts");
        assertThat(backup.events("connect")).as("connections to the preference-20 host").isEmpty();
        assertThat(a.events("message").size()).as("a.equalpref.test's share of %d", messages)
                .isBetween(messages / 4, messages * 3 / 4);
        assertThat(b.events("message").size()).as("b.equalpref.test's share of %d", messages)
                .isBetween(messages / 4, messages * 3 / 4);
        for (SmtpTestPeer host : List.of(a, b)) {
            List<JsonNode> received = host.events("message");
            assertThat(received).extracting(m -> m.path("connection").asInt()).as("one session per message")
                    .doesNotHaveDuplicates();
            assertThat(host.events("connect")).hasSameSizeAs(received);
            assertThat(received).allSatisfy(m -> assertThat(m.path("helo").asText()).isEqualTo(GATEWAY));
        }
        assertThat(Stream.of(a, b).flatMap(h -> h.events("message").stream())
                .flatMap(m -> SmtpTestPeer.texts(m.path("recipients")).stream()))
                .as("every message exactly once")
                .containsExactlyInAnyOrderElementsOf(Stream.iterate(0, i -> i < messages, i -> i + 1)
                        .map(i -> "user" + i + "@" + EQUAL_PREF_DOMAIN).toList());
    }

    /**
     * Opportunistic STARTTLS through the wiring: the domain's host offers STARTTLS with a
     * self-signed certificate nobody could verify; the message still goes, encrypted, on the first
     * connection (no plaintext retry), and the delivery is logged as sent with the host's reply.
     */
    @Test
    void startsTlsWithAHostWhoseCertificateIsSelfSignedAndDeliversOverIt(DnsTestBed bed, @TempDir Path certificates)
            throws Exception {
        Path cert = certificates.resolve("cert.pem");
        Path key = certificates.resolve("key.pem");
        selfSignedCertificate(cert, key);
        // nomx.test has no MX: its own address, 127.0.2.2, at the delivery port
        SmtpTestPeer host = peer(NO_MX_DOMAIN_IP, "--tls-cert", cert.toString(), "--tls-key", key.toString());
        open(bed, "");
        List<ILoggingEvent> log = new CopyOnWriteArrayList<>();

        Envelope envelope = accept("alice@sender.test", "bob@" + NO_MX_DOMAIN);
        assertThat(spoolFilesOf(envelope)).as("queued: body and envelope").hasSize(2);
        Runnable stopCapture = capture(SmtpDeliverer.class, log);
        try {
            assertThat(pass()).isEqualTo(1);
        } finally {
            stopCapture.run();
        }

        assertThat(queued()).as("delivered and removed").isEmpty();
        assertThat(delivery.spool().read(envelope.id())).isEmpty();
        assertThat(delivery.spool().body(envelope.id())).doesNotExist();
        assertThat(spoolFilesOf(envelope)).as("what is left of it in the spool").isEmpty();
        assertThat(log).extracting(ILoggingEvent::getFormattedMessage).containsExactly(envelope.id() + ": to=<bob@"
                + NO_MX_DOMAIN + ">, status=sent (" + NO_MX_DOMAIN + "[" + NO_MX_DOMAIN_IP + "] said: 250 2.0.0 queued)");

        JsonNode message = host.awaitEvents("message", 1).getFirst();
        assertThat(message.path("tls").asBoolean()).as("the transaction was encrypted: " + message).isTrue();
        assertThat(message.path("helo").asText()).isEqualTo(GATEWAY);
        assertThat(message.path("sender").asText()).isEqualTo("alice@sender.test");
        assertThat(SmtpTestPeer.texts(message.path("recipients"))).containsExactly("bob@" + NO_MX_DOMAIN);
        assertThat(new String(SmtpTestPeer.data(message), StandardCharsets.US_ASCII))
                .contains("Subject: test bob@" + NO_MX_DOMAIN + "\r\n", "\r\n\r\nHello.\r\n");
        assertThat(host.events("connect")).as("one connection: the handshake worked, no plaintext retry").hasSize(1);
    }

    /** The files in the spool directory named after {@code envelope}'s queue id. */
    private List<Path> spoolFilesOf(Envelope envelope) throws IOException {
        try (Stream<Path> files = Files.list(Spool.messageDirectory(spoolDirectory, envelope.id()))) {
            return files.filter(f -> f.getFileName().toString().startsWith(envelope.id().toString())).toList();
        }
    }

    /** A throwaway self-signed certificate, made with openssl as {@link SmtpClientSessionTest} makes its own. */
    private static void selfSignedCertificate(Path cert, Path key) throws IOException, InterruptedException {
        Process openssl = new ProcessBuilder("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key.toString(), "-out", cert.toString(),
                "-days", "2", "-subj", "/CN=peer.test").redirectErrorStream(true).start();
        String output = new String(openssl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(openssl.waitFor(20, TimeUnit.SECONDS)).isTrue();
        assertThat(openssl.exitValue()).as(output).isZero();
    }

    /**
     * Collects what {@code type}'s logger says at INFO and above (the configuration shows WARN and
     * above) until the returned stop is run; meanwhile it goes there only, not to the console.
     */
    private static Runnable capture(Class<?> type, List<ILoggingEvent> into) {
        Logger logger = (Logger) LoggerFactory.getLogger(type);
        Level level = logger.getLevel();
        boolean additive = logger.isAdditive();
        AppenderBase<ILoggingEvent> appender = new AppenderBase<>() {
            @Override
            protected void append(ILoggingEvent event) {
                into.add(event);
            }
        };
        appender.start();
        logger.addAppender(appender);
        logger.setAdditive(false);
        logger.setLevel(Level.INFO);
        return () -> {
            logger.setLevel(level);
            logger.setAdditive(additive);
            logger.detachAppender(appender);
            appender.stop();
        };
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
