package org.mxguard.postfix;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.mxguard.testbed.TestZones.GENERIC_CONFIRMED_HOST;
import static org.mxguard.testbed.TestZones.GENERIC_CONFIRMED_IP;
import static org.mxguard.testbed.TestZones.GOOD_HOST;
import static org.mxguard.testbed.TestZones.GOOD_IP;
import static org.mxguard.testbed.TestZones.NO_PTR_IP;
import static org.mxguard.testbed.TestZones.SERVFAIL_PTR_IP;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.mxguard.check.CheckSuite;
import org.mxguard.check.GenericNameClassifier;
import org.mxguard.check.LocalIdentity;
import org.mxguard.config.ConfigLoader;
import org.mxguard.delivery.DeliveryTestSink;
import org.mxguard.dns.CachingResolver;
import org.mxguard.dns.DnsClient;
import org.mxguard.dns.InetAddresses;
import org.mxguard.policy.Policy;
import org.mxguard.policy.SessionChecks;
import org.mxguard.testbed.DnsTestBed;
import org.mxguard.testbed.PrivatePostfix;
import org.mxguard.web.GatewayMetrics;

/**
 * The milter in a real Postfix: a private instance ({@link PrivatePostfix}) with
 * {@code smtpd_milters = inet:127.0.0.1:PORT} and {@code milter_protocol = 6}, the real DNS test
 * bed, swaks sending from the 127.0.x.y address of each scenario, and Postfix relaying what it
 * accepts to a sink. Each check outcome must end in the verdict's reply from Postfix (at RCPT, or
 * at the end of DATA for the header checks), what passes must reach the sink with mxguard's
 * Authentication-Results (and X-Mxguard-Tag when tagged), and with mxguard down Postfix must apply
 * {@code milter_default_action}: tempfail refuses with a 4xx (the client keeps the mail), accept
 * delivers it unchecked. Without root or Postfix the test is skipped, as {@code PostfixRelayIT} is.
 */
@ExtendWith(DnsTestBed.class)
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class MilterPostfixIT {
    private static final String POSTFIX_HOST = "mx.protected.test";
    private static final String SINK = "127.0.5.7";

    @TempDir
    Path dir;

    @Test
    void eachOutcomeEndsInPostfixsReply(DnsTestBed bed) throws Exception {
        Optional<String> unavailable = PrivatePostfix.unavailable();
        assumeTrue(unavailable.isEmpty(), () -> "skipped: " + unavailable.orElse(""));

        int sinkPort = DeliveryTestSink.freePortOn(SINK);
        TransactionLines lines = new TransactionLines();
        // the header check refuses here, so that the end-of-DATA reply is seen too
        Policy policy = ConfigLoader.parse("[policy.\"reverse-mx:reply-to\"]\nfail = \"reject\"\n", Path.of("it.toml")).policy();
        CheckSuite suite = CheckSuite.standard(LocalIdentity.none(), GenericNameClassifier.standard());
        CachingResolver dns = new CachingResolver(new DnsClient(List.of(bed.resolver()), Duration.ofMillis(700), 1,
                Runnable::run), 1000);
        MilterSetup setup = new MilterSetup(MilterSetup.Settings.defaults("fallback.test"),
                client -> new SessionChecks(suite, policy, dns, 20, client), lines.log(), GatewayMetrics.noop(),
                Clock.systemUTC());
        int milterPort = DeliveryTestSink.freePortOn("127.0.0.1");
        MilterServer milter = MilterServer.start(
                List.of(new InetSocketAddress(InetAddresses.require("127.0.0.1"), milterPort)), 100, setup);
        try (milter; DeliveryTestSink sink = DeliveryTestSink.start(SINK, sinkPort);
                PrivatePostfix postfix = PrivatePostfix.start(dir, postfixSettings(milterPort, "tempfail", sinkPort))) {
            Supplier<String> maillog = () -> "\n--- Postfix maillog:\n" + postfix.maillog();

            String good = swaks(postfix.port(), GOOD_IP, GOOD_HOST, "alice@good.test", "From: <alice@good.test>",
                    "Subject: good");
            assertThat(good).as("a good client%s", maillog.get()).containsPattern("<-  250 2\\.0\\.0 Ok: queued as ");
            String delivered = awaitDump(sink, "Subject: good");
            assertThat(delivered).as("the sink's copy%s", maillog.get()).isNotNull()
                    .contains("Authentication-Results: " + POSTFIX_HOST + ";").contains("iprev=pass")
                    .contains("smtp.mailfrom=alice@good.test").doesNotContain("X-Mxguard-Tag");
            // just below Postfix's own Received:, as the gateway stamps below its own
            int received = delivered.indexOf("Received: from " + GOOD_HOST);
            assertThat(received).isNotNegative().isLessThan(delivered.indexOf("Authentication-Results:"));

            String generic = swaks(postfix.port(), GENERIC_CONFIRMED_IP, GENERIC_CONFIRMED_HOST, "x@good.test",
                    "From: <x@good.test>", "Subject: generic");
            assertThat(generic).as("a generic PTR name tags").containsPattern("<-  250 2\\.0\\.0 Ok: queued as ");
            String tagged = awaitDump(sink, "Subject: generic");
            assertThat(tagged).as("the tagged copy%s", maillog.get()).isNotNull()
                    .contains("X-Mxguard-Tag: generic-ptr=fail").contains("generic-ptr=fail reason=");

            String noPtr = swaks(postfix.port(), NO_PTR_IP, "client.example.net", "x@good.test",
                    "From: <x@good.test>", "Subject: no ptr");
            assertThat(noPtr).as("iprev fails: refused at RCPT%s", maillog.get()).contains("<** 550 5.7.25 ")
                    .doesNotContain("Ok: queued");

            String servfail = swaks(postfix.port(), SERVFAIL_PTR_IP, "mail.servfail.test", "x@good.test",
                    "From: <x@good.test>", "Subject: servfail");
            assertThat(servfail).as("a DNS failure: a 4xx, never a 5xx%s", maillog.get()).contains("<** 451 4.4.3 ")
                    .doesNotContainPattern("<\\*\\* +5\\d\\d");

            String header = swaks(postfix.port(), GOOD_IP, GOOD_HOST, "alice@good.test", "From: <alice@good.test>",
                    "Reply-To: <boss@outsourced.test>", "Subject: header");
            assertThat(header).as("Reply-To: names a domain whose MX is not the client: refused at end of DATA%s",
                    maillog.get()).containsPattern("<\\*\\* +550 5\\.7\\.1 ").doesNotContain("Ok: queued");
            assertThat(header.indexOf("<** 550 5.7.1")).as("after the data, not at RCPT")
                    .isGreaterThan(header.indexOf("354 "));

            // one line per transaction, with Postfix's queue id for what passed (and a session line
            // for PrivatePostfix's own greeting probe, which quits without a transaction)
            List<JsonNode> logged = awaitLines(lines, 6).stream()
                    .filter(l -> l.get("event").asText().equals("transaction")).toList();
            assertThat(logged).extracting(l -> l.get("outcome").asText())
                    .containsExactly("queued", "queued", "rejected", "tempfailed", "rejected");
            String queueId = logged.getFirst().get("queue-id").asText();
            assertThat(postfix.maillog()).contains(queueId + ": ");

            // mxguard goes down: Postfix's milter_default_action = tempfail keeps the mail with the client
            milter.close();
            String down = swaks(postfix.port(), GOOD_IP, GOOD_HOST, "alice@good.test", "From: <alice@good.test>",
                    "Subject: down");
            assertThat(down).as("mxguard down, default action tempfail%s", maillog.get()).contains("<** 451 4.7.1 ")
                    .doesNotContain("Ok: queued");
        }
    }

    @Test
    void withDefaultActionAcceptADeadMilterLetsMailThrough(DnsTestBed bed) throws Exception {
        Optional<String> unavailable = PrivatePostfix.unavailable();
        assumeTrue(unavailable.isEmpty(), () -> "skipped: " + unavailable.orElse(""));
        int sinkPort = DeliveryTestSink.freePortOn(SINK);
        int deadPort = DeliveryTestSink.freePortOn("127.0.0.1"); // nothing listens there
        try (DeliveryTestSink sink = DeliveryTestSink.start(SINK, sinkPort);
                PrivatePostfix postfix = PrivatePostfix.start(dir, postfixSettings(deadPort, "accept", sinkPort))) {
            String sent = swaks(postfix.port(), GOOD_IP, GOOD_HOST, "alice@good.test", "From: <alice@good.test>",
                    "Subject: unchecked");
            assertThat(sent).as("\n--- Postfix maillog:\n%s", postfix.maillog())
                    .containsPattern("<-  250 2\\.0\\.0 Ok: queued as ");
            assertThat(awaitDump(sink, "Subject: unchecked")).isNotNull().doesNotContain("Authentication-Results:");
        }
    }

    /** The main.cf lines the README gives, on test ports, relaying everything to the sink. */
    private static Map<String, String> postfixSettings(int milterPort, String defaultAction, int sinkPort) {
        return Map.of(
                "myhostname", POSTFIX_HOST,
                "smtpd_milters", "inet:127.0.0.1:" + milterPort,
                "milter_protocol", "6",
                "milter_default_action", defaultAction,
                "milter_connect_timeout", "5s",
                "milter_command_timeout", "30s",
                "relayhost", "[" + SINK + "]:" + sinkPort,
                "queue_run_delay", "1s", "minimal_backoff_time", "1s", "maximal_backoff_time", "2s");
    }

    private static String swaks(int port, String source, String helo, String mailFrom, String... headers)
            throws Exception {
        List<String> command = new ArrayList<>(List.of("swaks", "--server", "127.0.0.1", "--port", Integer.toString(port),
                "--local-interface", source, "--timeout", "60", "--ehlo", helo, "--from", mailFrom,
                "--to", "bob@protected.test"));
        for (String h : headers) {
            command.addAll(List.of("--header", h));
        }
        Process swaks = new ProcessBuilder(command).redirectErrorStream(true).start();
        String transcript = new String(swaks.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(swaks.waitFor(90, TimeUnit.SECONDS)).isTrue();
        return transcript;
    }

    private static String awaitDump(DeliveryTestSink sink, String text) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < end) {
            for (String dump : sink.dumps()) {
                if (dump.contains(text) && dump.contains("This is a test mailing")) { // swaks's body: complete
                    return dump;
                }
            }
            Thread.sleep(100);
        }
        return null;
    }

    private static List<JsonNode> awaitLines(TransactionLines lines, int count) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (lines.lines().size() < count && System.nanoTime() < end) {
            Thread.sleep(50);
        }
        return lines.lines();
    }
}
