package org.mxguard.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.mxguard.delivery.FaultyNextHop.Fault;
import org.mxguard.dns.DnsAnswer;
import org.mxguard.dns.Resolver;
import org.mxguard.queue.Backoff;
import org.mxguard.queue.Bounce;
import org.mxguard.queue.DestinationLimiter;
import org.mxguard.queue.Envelope;
import org.mxguard.queue.NioSpoolFiles;
import org.mxguard.queue.QueueIds;
import org.mxguard.queue.QueueRunner;
import org.mxguard.queue.Recipient;
import org.mxguard.queue.Spool;

/**
 * The next hop misbehaves: it closes the connection in the middle of the data, answers 4xx at
 * connect, at RCPT or after the final dot, hangs (accepts and never answers, or never answers the
 * final dot), or refuses connections. Each time the message stays queued, byte for byte, with the attempt counted and the
 * reason kept; it is tried again on the backoff schedule, and delivered exactly once as soon as
 * the next hop behaves. The real spool, queue runner and SMTP client, the relay domain's next hop
 * a {@link FaultyNextHop}; the client's timeouts are 1 s, so that a hang costs a second.
 */
@Timeout(60)
class DownstreamFaultsIT {
    private static final String RECIPIENT = "bob@next.test";
    private static final Duration TIMEOUT = Duration.ofSeconds(1);
    private static final Duration MINIMAL_BACKOFF = Duration.ofSeconds(300);
    /** Failed attempts before the fault is switched off: the second shows the retry schedule works. */
    private static final int FAILED_ATTEMPTS = 2;

    @TempDir
    Path directory;

    private final SmtpClientReuseTest.MutableClock clock = new SmtpClientReuseTest.MutableClock();
    private final List<Bounce> bounces = new CopyOnWriteArrayList<>();
    private FaultyNextHop hop;
    private SmtpConnectionCache cache;
    private Spool spool;
    private QueueRunner runner;

    @BeforeEach
    void start() throws IOException {
        hop = FaultyNextHop.start();
        SplittableRandom random = new SplittableRandom(8);
        spool = new Spool(directory, new NioSpoolFiles(), new QueueIds(clock, random), clock, 0);
        spool.recover();
        Transports transports = Transports.mxOnly().withRelayDomain("next.test",
                NextHop.of(hop.address().getAddress().getHostAddress(), hop.address().getPort()));
        Resolver noDns = question -> CompletableFuture.completedFuture(new DnsAnswer.TempFail<>(question, "no DNS here"));
        cache = new SmtpConnectionCache(Duration.ofSeconds(30), 100, clock);
        SmtpDeliverer deliverer = new SmtpDeliverer(new Router(transports, noDns, Myself.unknown(), random),
                new SmtpClient(SmtpTimeouts.uniform(TIMEOUT)), cache, Optional.empty(), "gw.mxguard.test", clock,
                SmtpDeliverer.Settings.DEFAULT);
        runner = new QueueRunner(spool, new Backoff(MINIMAL_BACKOFF, Duration.ofHours(1), Duration.ofDays(5), 0, random),
                new DestinationLimiter(20, Map.of()), clock, deliverer, bounces::add, QueueRunner.Settings.DEFAULT);
    }

    @AfterEach
    void stop() {
        runner.close();
        cache.close();
        hop.close();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            CLOSE_MID_DATA      | lost connection
            TEMPFAIL_AT_CONNECT | 421 4.3.2 faulty.test busy, try again later
            TEMPFAIL_AT_RCPT    | 450 4.2.1 mailbox busy, try again later
            TEMPFAIL_AFTER_DOT  | 451 4.3.0 message not taken, try again later
            HANG                | no greeting: timed out after 1 s
            HANG_AFTER_DOT      | timed out after 1 s waiting for the reply to the end of the message
            REFUSE              | Connection refused
            """)
    void theMessageStaysQueuedIntactAndIsDeliveredOnceTheNextHopBehaves(Fault fault, String why) throws Exception {
        byte[] body = message();
        hop.fault(fault);
        Envelope accepted = spool.accept("alice@sender.test", List.of(RECIPIENT), body);

        for (int attempt = 1; attempt <= FAILED_ATTEMPTS; attempt++) {
            assertThat(pass()).as("attempt %d starts", attempt).isEqualTo(1);
            Envelope queued = spool.read(accepted.id()).orElseThrow(() -> new AssertionError("no longer queued"));
            assertThat(queued.attempts()).isEqualTo(attempt);
            assertThat(queued.recipients()).singleElement().satisfies(r -> {
                assertThat(r.status()).isEqualTo(Recipient.Status.PENDING);
                assertThat(r.reply()).contains(why);
            });
            assertThat(queued.nextAttempt()).as("retried on the backoff schedule, not at once").isAfter(clock.instant());
            assertThat(Files.readAllBytes(spool.body(accepted.id()))).as("the queued body").isEqualTo(body);
            assertThat(hop.delivered()).isEmpty();
            assertThat(pass()).as("not due before its time").isZero();
            clock.advance(Duration.between(clock.instant(), queued.nextAttempt()));
        }

        hop.fault(Fault.NONE);
        assertThat(pass()).isEqualTo(1);

        assertThat(spool.read(accepted.id())).as("delivered and removed").isEmpty();
        assertThat(hop.delivered()).singleElement().satisfies(data -> assertThat(new String(data,
                StandardCharsets.ISO_8859_1)).isEqualTo(new String(body, StandardCharsets.ISO_8859_1)));
        assertThat(bounces).isEmpty();
        if (fault != Fault.REFUSE) {
            assertThat(hop.connections()).as("sessions the next hop saw").isGreaterThanOrEqualTo(FAILED_ATTEMPTS);
        }
    }

    /** One queue pass, waited for to its end; returns the deliveries it started. */
    private int pass() throws InterruptedException {
        int started = runner.runOnce(clock.instant());
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (runner.activeRounds() > 0) {
            assertThat(System.nanoTime()).as("the queue pass ends").isLessThan(end);
            Thread.sleep(10);
        }
        return started;
    }

    /** 64 KiB with lines that need dot-stuffing, so that a close in the data comes while it is sent. */
    private static byte[] message() {
        StringBuilder text = new StringBuilder("From: <alice@sender.test>\r\nTo: <" + RECIPIENT
                + ">\r\nMessage-ID: <fault@sender.test>\r\nSubject: downstream faults\r\n\r\n");
        for (int i = 0; text.length() < 64 * 1024; i++) {
            text.append(i % 7 == 0 ? "." : "").append("line ").append(i).append(" of a message that must arrive whole\r\n");
        }
        return text.toString().getBytes(StandardCharsets.US_ASCII);
    }
}
