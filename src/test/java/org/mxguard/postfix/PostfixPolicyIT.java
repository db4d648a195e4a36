package org.mxguard.postfix;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.mxguard.testbed.TestZones.GOOD_HOST;
import static org.mxguard.testbed.TestZones.GOOD_IP;
import static org.mxguard.testbed.TestZones.NO_PTR_IP;

import java.net.InetAddress;
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
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.mxguard.testbed.VerdictScenarios;
import org.mxguard.check.CheckSuite;
import org.mxguard.check.GenericNameClassifier;
import org.mxguard.check.LocalIdentity;
import org.mxguard.check.Result;
import org.mxguard.check.SessionFacts;
import org.mxguard.delivery.DeliveryTestSink;
import org.mxguard.dns.CachingResolver;
import org.mxguard.dns.DnsClient;
import org.mxguard.policy.Action;
import org.mxguard.policy.Evaluator;
import org.mxguard.policy.Policy;
import org.mxguard.policy.SessionChecks;
import org.mxguard.policy.Verdict;
import org.mxguard.smtp.TransactionLog;
import org.mxguard.testbed.DnsTestBed;
import org.mxguard.testbed.PrivatePostfix;
import org.mxguard.web.GatewayMetrics;

/**
 * The policy service with a real Postfix (a private instance with {@code check_policy_service
 * inet:127.0.0.1:PORT} in {@code smtpd_recipient_restrictions}), the real DNS test bed, and swaks
 * sending from each scenario's own 127.0.x.y address: every verdict of {@code mxguard check} for
 * the same facts ends in the Postfix reply it should (554 and the enhanced code for a 5xx, 450 and
 * the enhanced code for a 4xx, never a 5xx for a temporary DNS failure), and an accepted message
 * reaches the sink behind Postfix with mxguard's Authentication-Results, once. With mxguard down,
 * Postfix applies {@code smtpd_policy_service_default_action}: DUNNO relays the mail, the default
 * 451 has the client try again; nothing is lost or refused for good.
 *
 * <p>Postfix's master starts as root only: without root or Postfix the test is skipped.
 */
@ExtendWith(DnsTestBed.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class PostfixPolicyIT {
    private static final String AUTHSERV_ID = "policy.mxguard.test";
    private static final String PROTECTED = "protected.test";
    private static final String SINK_IP = "127.0.5.3";

    @TempDir
    static Path dir;

    private DeliveryTestSink sink;
    private PolicyServer policy;
    private PrivatePostfix postfix;
    private Evaluator evaluator;
    private final AtomicInteger marker = new AtomicInteger();

    @BeforeAll
    void start(DnsTestBed bed) throws Exception {
        Optional<String> unavailable = PrivatePostfix.unavailable();
        assumeTrue(unavailable.isEmpty(), () -> "skipped: " + unavailable.orElse(""));
        CheckSuite suite = CheckSuite.standard(LocalIdentity.none(), GenericNameClassifier.standard());
        Policy rules = Policy.defaults();
        // separate caches: the reference verdict must not warm the service's, nor the other way round
        CachingResolver serviceDns = new CachingResolver(
                new DnsClient(List.of(bed.resolver()), Duration.ofMillis(700), 1, Runnable::run), 1000);
        evaluator = new Evaluator(suite, rules, new CachingResolver(
                new DnsClient(List.of(bed.resolver()), Duration.ofMillis(700), 1, Runnable::run), 1000), 20);
        PolicyService service = new PolicyService(client -> new SessionChecks(suite, rules, serviceDns, 20, client),
                new PolicyService.Settings(AUTHSERV_ID, false, false, Duration.ofSeconds(30)), new TransactionLog(),
                GatewayMetrics.noop(), Clock.systemUTC());
        policy = PolicyServer.start(List.of(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0)),
                Optional.empty(), new PolicyServer.Limits(100, Duration.ofMinutes(10), 4096, 32768), service);
        int sinkPort = DeliveryTestSink.freePortOn(SINK_IP);
        sink = DeliveryTestSink.start(SINK_IP, sinkPort);
        postfix = postfix(dir, sinkPort, "check_policy_service inet:127.0.0.1:" + policy.addresses().getFirst().getPort(),
                "451 4.3.5 Server configuration problem");
    }

    @AfterAll
    void stop() {
        for (AutoCloseable c : new AutoCloseable[] {postfix, policy, sink}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception e) {
                // closing the rest matters more
            }
        }
    }

    /**
     * A Postfix that relays protected.test to the sink, asking the policy service at RCPT and at DATA
     * (where a tag verdict's X-Mxguard-Tag is prepended), as the README's main.cf lines say.
     */
    private static PrivatePostfix postfix(Path parent, int sinkPort, String policyRestriction, String defaultAction)
            throws Exception {
        return PrivatePostfix.start(parent, Map.of(
                "relay_domains", PROTECTED,
                "relayhost", "[" + SINK_IP + "]:" + sinkPort,
                "mynetworks", "127.0.0.1/32",
                "smtpd_relay_restrictions", "permit_mynetworks, reject_unauth_destination",
                "smtpd_recipient_restrictions", "reject_unauth_destination, " + policyRestriction,
                "smtpd_data_restrictions", policyRestriction,
                "smtpd_policy_service_default_action", defaultAction,
                "smtpd_policy_service_timeout", "100s",
                "smtpd_policy_service_retry_delay", "1s"));
    }

    static Stream<Arguments> scenarios() {
        return VerdictScenarios.connectHeloMail();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("scenarios")
    void postfixGivesTheVerdictOfMxguardCheck(String scenario, String ip, String helo, String mailFrom) throws Exception {
        Verdict expected = evaluator.evaluate(new SessionFacts(InetAddress.getByName(ip), helo, mailFrom, null, null))
                .get(30, TimeUnit.SECONDS).verdict();
        String subject = "policy scenario " + marker.incrementAndGet();

        String transcript = swaks(postfix.port(), ip, helo, mailFrom, subject);

        String context = scenario + ": " + expected + "\n--- maillog:\n" + postfix.maillog();
        if (expected.action() == Action.REJECT || expected.action() == Action.TEMPFAIL) {
            assertThat(transcript).as(context).contains("<** " + postfixReply(expected))
                    .doesNotContain("queued as");
        } else {
            assertThat(transcript).as(context).containsPattern("<-  250 2\\.0\\.0 Ok: queued as ");
            String copy = awaitDump(subject);
            assertThat(copy).as("the sink's copy; " + context).isNotNull();
            assertThat(copy.split("Authentication-Results: ", -1)).as("one Authentication-Results field").hasSize(2);
            assertThat(copy).contains("Authentication-Results: " + AUTHSERV_ID + "; iprev=")
                    .contains(mailFrom.isEmpty() ? "sender-domain=none" : "smtp.mailfrom=" + mailFrom);
            if (expected.action() == Action.TAG) {
                assertThat(copy).contains("X-Mxguard-Tag: ");
            }
        }
        if (expected.decisions().stream().anyMatch(d -> d.result().result() == Result.TEMPERROR)) {
            assertThat(transcript).as("a temporary DNS failure is never a 5xx").doesNotContainPattern("<\\*\\* +5\\d\\d");
        }
    }

    @Test
    void withMxguardDownAndDefaultActionDunnoTheMailIsRelayed() throws Exception {
        int sinkPort = DeliveryTestSink.freePortOn("127.0.5.4");
        try (DeliveryTestSink otherSink = DeliveryTestSink.start("127.0.5.4", sinkPort);
                PrivatePostfix down = PrivatePostfix.start(dir, Map.of(
                        "relay_domains", PROTECTED, "relayhost", "[127.0.5.4]:" + sinkPort,
                        "mynetworks", "127.0.0.1/32",
                        "smtpd_relay_restrictions", "permit_mynetworks, reject_unauth_destination",
                        "smtpd_recipient_restrictions", "reject_unauth_destination, check_policy_service inet:127.0.0.1:"
                                + deadPort(),
                        "smtpd_policy_service_default_action", "DUNNO",
                        "smtpd_policy_service_retry_delay", "1s"))) {
            String transcript = swaks(down.port(), NO_PTR_IP, "client.example.net", "x@good.test", "while mxguard is down");
            assertThat(transcript).as(down.maillog()).containsPattern("<-  250 2\\.0\\.0 Ok: queued as ");
            assertThat(awaitDump(otherSink, "while mxguard is down")).as("relayed; " + down.maillog())
                    .isNotNull().doesNotContain("Authentication-Results: " + AUTHSERV_ID);
            assertThat(down.maillog()).contains("problem talking to server 127.0.0.1:");
        }
    }

    @Test
    void withMxguardDownAndPostfixsDefaultActionTheClientIsToldToRetry() throws Exception {
        try (PrivatePostfix down = postfix(dir, DeliveryTestSink.freePortOn(SINK_IP),
                "check_policy_service inet:127.0.0.1:" + deadPort(), "451 4.3.5 Server configuration problem")) {
            String transcript = swaks(down.port(), GOOD_IP, GOOD_HOST, "alice@good.test", "deferred, not lost");
            assertThat(transcript).as(down.maillog()).contains("<** 451 4.3.5 ").doesNotContain("queued as")
                    .doesNotContainPattern("<\\*\\* +5\\d\\d");
        }
    }

    /** Postfix's reply to mxguard's REJECT / DEFER_IF_PERMIT for the recipient bob@protected.test. */
    private static String postfixReply(Verdict verdict) {
        String enhanced = verdict.reply().enhanced();
        int code = verdict.reply().code() >= 500 ? 554 : 450; // access_map_reject_code, access_map_defer_code
        // Postfix's smtpd_dsn_fix: a sender-address detail (X.1.7, X.1.8) given at RCPT becomes the recipient's
        if (enhanced.endsWith(".1.8")) {
            enhanced = enhanced.substring(0, enhanced.length() - 1) + "2";
        } else if (enhanced.endsWith(".1.7")) {
            enhanced = enhanced.substring(0, enhanced.length() - 1) + "3";
        }
        String text = verdict.reply().text();
        return code + " " + enhanced + " <bob@" + PROTECTED + ">: Recipient address rejected: "
                + text.substring(0, Math.min(text.length(), 40));
    }

    private static int deadPort() {
        return DeliveryTestSink.freePortOn("127.0.0.1"); // nothing listens there: mxguard is down
    }

    private String awaitDump(String subject) throws InterruptedException {
        return awaitDump(sink, subject);
    }

    private static String awaitDump(DeliveryTestSink sink, String subject) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < end) {
            for (String dump : sink.dumps()) {
                if (dump.contains("Subject: " + subject) && dump.contains("end of " + subject)) {
                    return dump;
                }
            }
            Thread.sleep(100);
        }
        return null;
    }

    private static String swaks(int port, String source, String helo, String mailFrom, String subject) throws Exception {
        List<String> command = new ArrayList<>(List.of("swaks", "--server", "127.0.0.1", "--port",
                Integer.toString(port), "--local-interface", source, "--timeout", "60", "--ehlo", helo,
                "--from", mailFrom.isEmpty() ? "<>" : mailFrom, "--to", "bob@" + PROTECTED,
                "--header", "Subject: " + subject, "--body", "end of " + subject));
        Process swaks = new ProcessBuilder(command).redirectErrorStream(true).start();
        String transcript = new String(swaks.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(swaks.waitFor(90, TimeUnit.SECONDS)).isTrue();
        return transcript;
    }
}
