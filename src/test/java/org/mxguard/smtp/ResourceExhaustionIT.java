package org.mxguard.smtp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mxguard.testbed.TestZones.GOOD_HOST;
import static org.mxguard.testbed.TestZones.GOOD_IP;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.mxguard.delivery.DeliveryTestSink;
import org.mxguard.testbed.DnsTestBed;

/**
 * Resource exhaustion against {@code mxguard serve} as its own process (its descriptors are its
 * own): thousands of slowloris clients, many connections from one address, messages at and over
 * the size limit. Well-behaved clients are served throughout, and what they send is delivered
 * intact. The full-disk case is {@link FullSpoolIT}.
 *
 * <p>{@code -Dmxguard.slowClients=N} changes the number of slow clients (default 10,000; both
 * this JVM and the gateway then need about N + 200 open files: {@code ./test} raises the limit).
 */
@ExtendWith(DnsTestBed.class)
class ResourceExhaustionIT {
    static final String HOSTNAME = "gw.mxguard.test";
    static final String PROTECTED = "protected.test";
    static final String MTA = "127.0.5.21";
    private static final int SLOW = Integer.getInteger("mxguard.slowClients", 10_000);
    /** Room above the slow clients: well-behaved clients fit, and extras beyond it get 421. */
    private static final int HEADROOM = 10;
    private static final int PER_CLIENT = 50;
    private static final int COMMAND_TIMEOUT_S = 25;
    private static final int MAX_MESSAGE = 65_536;

    @TempDir
    static Path dir;

    private static DeliveryTestSink mta;
    private static GatewayProcess gateway;
    private static InetSocketAddress smtp;
    private static int metricsPort;

    @BeforeAll
    static void start(DnsTestBed bed) throws Exception {
        int mtaPort = DeliveryTestSink.freePortOn(MTA);
        mta = DeliveryTestSink.start(MTA, mtaPort);
        metricsPort = DeliveryTestSink.freePortOn("127.0.0.1");
        gateway = GatewayProcess.start(dir.resolve("mxguard.toml"), """
                hostname = "%s"
                greet-wait-ms = 0
                max-connections = %d
                max-connections-per-client = %d
                command-timeout-s = %d
                data-timeout-s = %d
                max-message-bytes = %d
                """.formatted(HOSTNAME, SLOW + HEADROOM, PER_CLIENT, COMMAND_TIMEOUT_S, COMMAND_TIMEOUT_S, MAX_MESSAGE),
                gatewayTables(bed, mtaPort, dir.resolve("spool")) + """

                [metrics]
                serve = "127.0.0.1:%d"
                """.formatted(metricsPort));
        smtp = gateway.smtp();
    }

    /** The [dns], [delivery] and [queue] tables of the tests' gateways: the test bed, the protected MTA, the spool. */
    static String gatewayTables(DnsTestBed bed, int mtaPort, Path spool) {
        return """
                [dns]
                servers = ["%s"]

                [delivery]
                helo = "%s"
                relay-domains = { "%s" = "[%s]:%d" }

                [queue]
                spool = "%s"
                """.formatted(bed.resolverHostPort(), HOSTNAME, PROTECTED, MTA, mtaPort, spool);
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            if (gateway != null) {
                gateway.close();
            }
        } finally {
            if (mta != null) {
                mta.close();
            }
        }
    }

    /**
     * (a) SLOW clients from SLOW / 40 addresses connect and send a byte of an endless command line
     * every 2 seconds. While they hang on: the connection limit answers extras with 421 4.3.2, and
     * well-behaved clients complete whole transactions. Then the command deadline drops every slow
     * client, none before it, and the gateway serves mail as before.
     */
    @Test
    void slowClientsAreCutOffAndWellBehavedOnesAreServedMeanwhile() throws Exception {
        long started = System.nanoTime();
        try (SlowClients slow = SlowClients.start(smtp, SLOW, 40, "127.0.100.1", Duration.ofSeconds(2))) {
            assertThat(slow.await(c -> c.greeted || c.closed, SLOW, Duration.ofSeconds(120)))
                    .as("all %d slow clients connected within 120 s", SLOW).isTrue();
            assertThat(slow.count(c -> c.received.toString().startsWith("220 " + HOSTNAME + " ESMTP"))).isEqualTo(SLOW);
            double connectSeconds = seconds(System.nanoTime() - started);
            awaitOpenConnections(SLOW);

            // the total limit: HEADROOM more fit, the rest are told 421 and closed
            List<SmtpDialog> extras = new ArrayList<>();
            try {
                for (int i = 0; i < 2 * HEADROOM; i++) {
                    extras.add(SmtpDialog.open(smtp, "127.0.101." + (i + 1)));
                }
                assertThat(extras).filteredOn(d -> d.greeting.startsWith("220 ")).hasSize(HEADROOM);
                assertThat(extras).filteredOn(d -> d.greeting.equals(
                        "421 4.3.2 Service not available, too many connections; try again later")).hasSize(HEADROOM);
            } finally {
                for (SmtpDialog d : extras) {
                    d.close();
                }
            }
            awaitOpenConnections(SLOW);

            // well-behaved clients, one after another, while the slow ones hang on
            int wellBehaved = 20;
            long[] latencies = new long[wellBehaved];
            for (int i = 0; i < wellBehaved; i++) {
                long t = System.nanoTime();
                assertThat(sendOne(message("during-slowloris-" + i, 2000)))
                        .startsWith("250 2.0.0 Ok: queued as ");
                latencies[i] = System.nanoTime() - t;
            }
            assertThat(slow.count(c -> c.closed)).as("no slow client dropped before its deadline").isZero();

            // the deadline: every slow client is told 421 4.4.2 and closed, none before the timeout
            assertThat(slow.await(c -> c.closed, SLOW, Duration.ofSeconds(COMMAND_TIMEOUT_S + 60)))
                    .as("all slow clients dropped").isTrue();
            assertThat(slow.count(c -> c.received.toString().contains(
                    "421 4.4.2 " + HOSTNAME + " Error: timeout exceeded\r\n"))).isEqualTo(SLOW);
            AtomicLong earliest = new AtomicLong(Long.MAX_VALUE); // from the start of connect: never before the timeout
            AtomicLong shortest = new AtomicLong(Long.MAX_VALUE); // from the banner as read here: a figure only
            AtomicLong longest = new AtomicLong();
            slow.forEach(c -> {
                earliest.accumulateAndGet(c.closedNanos - c.connectNanos, Math::min);
                shortest.accumulateAndGet(c.closedNanos - c.greetedNanos, Math::min);
                longest.accumulateAndGet(c.closedNanos - c.greetedNanos, Math::max);
            });
            assertThat(earliest.get()).isGreaterThanOrEqualTo(TimeUnit.SECONDS.toNanos(COMMAND_TIMEOUT_S));
            awaitOpenConnections(0);
            assertThat(sendOne(message("after-slowloris", 2000))).startsWith("250 2.0.0 Ok: queued as ");

            for (int i = 0; i < wellBehaved; i++) {
                assertDeliveredIntact(message("during-slowloris-" + i, 2000));
            }
            Arrays.sort(latencies);
            System.out.printf("resource-exhaustion: slow-clients=%d sources=%d connect-s=%.1f extras=%d refused-421=%d "
                            + "well-behaved=%d latency-ms-p50=%.1f latency-ms-max=%.1f dropped=%d after-s=%.1f..%.1f "
                            + "(command-timeout-s=%d) total-s=%.1f%n",
                    SLOW, slow.sources(), connectSeconds, 2 * HEADROOM, HEADROOM, wellBehaved,
                    latencies[wellBehaved / 2] / 1e6, latencies[wellBehaved - 1] / 1e6, SLOW,
                    seconds(shortest.get()), seconds(longest.get()), COMMAND_TIMEOUT_S, seconds(System.nanoTime() - started));
        }
    }

    /** (b) Many connections from one address: past the per-client limit 421 4.7.0; the others and everyone else are served. */
    @Test
    void connectionsFromOneAddressBeyondItsLimitGet421AndNobodyElseNotices() throws Exception {
        String crowd = "127.0.102.1";
        List<SmtpDialog> held = new ArrayList<>();
        try {
            for (int i = 0; i < PER_CLIENT + 30; i++) {
                held.add(SmtpDialog.open(smtp, crowd));
            }
            assertThat(held).filteredOn(d -> d.greeting.startsWith("220 ")).hasSize(PER_CLIENT);
            assertThat(held).filteredOn(d -> d.greeting.equals("421 4.7.0 Error: too many connections from " + crowd))
                    .hasSize(30);
            for (SmtpDialog d : held) {
                if (d.greeting.startsWith("220 ")) {
                    assertThat(d.command("NOOP")).as("the admitted ones are served").isEqualTo("250 2.0.0 Ok");
                }
            }
            assertThat(sendOne(message("beside-a-crowd", 500))).startsWith("250 2.0.0 Ok: queued as ");
        } finally {
            for (SmtpDialog d : held) {
                d.close();
            }
        }
        assertDeliveredIntact(message("beside-a-crowd", 500));
        System.out.printf("one-address: connections=%d admitted=%d refused-421=%d other-client=served%n",
                PER_CLIENT + 30, PER_CLIENT, 30);
    }

    /**
     * (c) A message of exactly the limit is accepted and delivered byte for byte; one octet more is
     * refused with 552 after its data, and a SIZE= over the limit at MAIL; the session goes on.
     */
    @Test
    void aMessageAtTheSizeLimitIsDeliveredIntactAndOneOctetMoreIsRefused() throws Exception {
        String atLimit = message("at-limit", MAX_MESSAGE);
        String over = message("over-limit", MAX_MESSAGE + 1);
        assertThat(atLimit.getBytes(StandardCharsets.ISO_8859_1)).hasSize(MAX_MESSAGE);
        try (SmtpDialog d = SmtpDialog.open(smtp, GOOD_IP)) {
            assertThat(d.command("EHLO " + GOOD_HOST)).contains("250-SIZE " + MAX_MESSAGE);
            assertThat(d.command("MAIL FROM:<alice@good.test> SIZE=" + (MAX_MESSAGE + 1)))
                    .isEqualTo("552 5.3.4 Message size exceeds fixed limit");
            assertThat(d.command("MAIL FROM:<alice@good.test> SIZE=" + MAX_MESSAGE)).isEqualTo("250 2.1.0 Ok");
            assertThat(d.command("RCPT TO:<bob@" + PROTECTED + ">")).isEqualTo("250 2.1.5 Ok");
            assertThat(d.command("DATA")).startsWith("354 ");
            assertThat(d.data(atLimit)).startsWith("250 2.0.0 Ok: queued as ");

            assertThat(d.command("MAIL FROM:<alice@good.test>")).isEqualTo("250 2.1.0 Ok");
            assertThat(d.command("RCPT TO:<bob@" + PROTECTED + ">")).isEqualTo("250 2.1.5 Ok");
            assertThat(d.command("DATA")).startsWith("354 ");
            assertThat(d.data(over)).isEqualTo("552 5.3.4 Message size exceeds fixed limit");

            // the same session carries on
            assertThat(d.send(GOOD_HOST, "alice@good.test", "bob@" + PROTECTED, message("after-over-limit", 300)))
                    .startsWith("250 2.0.0 Ok: queued as ");
            assertThat(d.command("QUIT")).startsWith("221 ");
        }
        String digest = assertDeliveredIntact(atLimit);
        assertDeliveredIntact(message("after-over-limit", 300));
        assertThat(mta.dumps()).noneMatch(dump -> dump.contains("X-Test-Id: over-limit"));
        System.out.printf("size-limit: limit=%d at-limit=delivered sha256=%s over-by-1=552 size-param-over=552 session=continued%n",
                MAX_MESSAGE, digest);
    }

    /** One transaction from the confirmed test client; the reply to its end of data (or the refusal). */
    static String sendOne(InetSocketAddress gateway, String message) throws IOException {
        try (SmtpDialog d = SmtpDialog.open(gateway, GOOD_IP)) {
            assertThat(d.greeting).startsWith("220 ");
            String reply = d.send(GOOD_HOST, "alice@good.test", "bob@" + PROTECTED, message);
            d.command("QUIT");
            return reply;
        }
    }

    private static String sendOne(String message) throws IOException {
        return sendOne(smtp, message);
    }

    /**
     * A message of exactly {@code size} octets as the server counts them (CRLF line ends, the last
     * one included), lines of printable text, identified by an {@code X-Test-Id} field.
     */
    static String message(String id, int size) {
        StringBuilder m = new StringBuilder("X-Test-Id: " + id + "\r\nSubject: " + id + "\r\n\r\n");
        int line = 0;
        while (m.length() < size) {
            int room = size - m.length();
            int length = Math.min(room, 78);
            if (length < 3) { // too little for a line of its own: lengthen the previous one
                m.insert(m.length() - 2, "y".repeat(length));
                break;
            }
            StringBuilder text = new StringBuilder();
            for (int i = 0; i < length - 2; i++) {
                text.append((char) ('a' + (line * 7 + i) % 26));
            }
            m.append(text).append("\r\n");
            line++;
        }
        return m.toString();
    }

    /**
     * Waits for the message with {@code message}'s X-Test-Id at the protected MTA and checks that it
     * arrived as sent (smtp-sink stores LF line ends, and the lines as on the wire, dot-stuffed).
     *
     * @return the SHA-256 of the message as sent
     */
    static String assertDeliveredIntact(DeliveryTestSink sink, String message) throws Exception {
        String id = message.substring(0, message.indexOf("\r\n"));
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        List<String> found;
        do {
            found = sink.dumps().stream().filter(d -> d.contains(id + "\n")).toList();
            if (found.isEmpty()) {
                Thread.sleep(100);
            }
        } while (found.isEmpty() && System.nanoTime() < end);
        assertThat(found).as("delivered: %s", id).isNotEmpty();
        String dump = found.getFirst();
        String delivered = dump.substring(dump.indexOf(id + "\n")).stripTrailing();
        String sent = SmtpDialog.stuffed(message).replace("\r\n", "\n").stripTrailing();
        assertThat(delivered).as("%s delivered intact", id).isEqualTo(sent);
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(message.getBytes(StandardCharsets.ISO_8859_1)));
    }

    private static String assertDeliveredIntact(String message) throws Exception {
        return assertDeliveredIntact(mta, message);
    }

    /** Waits until the gateway's metrics say {@code n} SMTP connections are open. */
    private static void awaitOpenConnections(int n) throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        double open;
        do {
            open = openConnections();
            if (open == n) {
                return;
            }
            Thread.sleep(100);
        } while (System.nanoTime() < end);
        throw new AssertionError("open SMTP connections: " + open + ", expected " + n);
    }

    private static double openConnections() throws Exception {
        String metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + metricsPort + "/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
        Matcher m = Pattern.compile("(?m)^mxguard_smtp_connections_open (\\S+)$").matcher(metrics);
        assertThat(m.find()).as("mxguard_smtp_connections_open in:%n%s", metrics).isTrue();
        return Double.parseDouble(m.group(1));
    }

    private static double seconds(long nanos) {
        return nanos / 1e9;
    }
}
