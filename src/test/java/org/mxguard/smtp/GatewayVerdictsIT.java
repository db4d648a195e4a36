package org.mxguard.smtp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mxguard.testbed.TestZones.GOOD_IP;
import static org.mxguard.testbed.TestZones.SLOW_DOMAIN;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.mxguard.testbed.VerdictScenarios;
import org.mxguard.check.CheckSuite;
import org.mxguard.check.GenericNameClassifier;
import org.mxguard.check.LocalIdentity;
import org.mxguard.check.SessionFacts;
import org.mxguard.dns.CachingResolver;
import org.mxguard.dns.DnsClient;
import org.mxguard.policy.Action;
import org.mxguard.policy.Evaluator;
import org.mxguard.policy.Policy;
import org.mxguard.policy.SessionChecks;
import org.mxguard.policy.Verdict;
import org.mxguard.queue.NioSpoolFiles;
import org.mxguard.queue.QueueIds;
import org.mxguard.queue.Spool;
import org.mxguard.testbed.DnsTestBed;

/**
 * Every outcome of the checks, end to end through the gateway: for each client (its own
 * 127.0.x.y address, so its PTR scenario is real), HELO and MAIL FROM, swaks sees at RCPT exactly
 * the reply and enhanced code of the verdict {@code mxguard check} gives for the same facts, or a
 * 250 when that verdict lets the mail through; and a temporary DNS failure never gives a 5xx.
 */
@ExtendWith(DnsTestBed.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GatewayVerdictsIT {
    private static final String HOSTNAME = "gw.mxguard.test";
    private static final String PROTECTED = "protected.test";

    @TempDir
    static Path spoolDirectory;

    private SmtpServer server;
    private InetSocketAddress gateway;
    private Evaluator evaluator;

    @BeforeAll
    void start(DnsTestBed bed) throws Exception {
        Spool spool = new Spool(spoolDirectory, new NioSpoolFiles(), new QueueIds(Clock.systemUTC(), new SplittableRandom(5)),
                Clock.systemUTC(), 0);
        spool.recover();
        // separate caches: the reference verdict must not warm the gateway's, nor the other way round
        CheckSuite suite = CheckSuite.standard(LocalIdentity.none(), GenericNameClassifier.standard());
        Policy policy = Policy.defaults();
        CachingResolver gatewayDns = new CachingResolver(
                new DnsClient(List.of(bed.resolver()), Duration.ofMillis(700), 1, Runnable::run), 1000);
        evaluator = new Evaluator(suite, policy, new CachingResolver(
                new DnsClient(List.of(bed.resolver()), Duration.ofMillis(700), 1, Runnable::run), 1000), 20);
        GatewayContext context = new GatewayContext(SessionSettings.defaults(HOSTNAME).withGreetWait(Duration.ZERO),
                new RelayControl(Set.of(PROTECTED), List.of()),
                client -> new SessionChecks(suite, policy, gatewayDns, 20, client), spool, envelope -> { },
                Clock.systemUTC());
        server = SmtpServer.start(List.of(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0)),
                SmtpServer.Limits.DEFAULT, context.sessions());
        gateway = server.addresses().getFirst();
    }

    @AfterAll
    void stop() {
        server.close();
    }

    static Stream<Arguments> scenarios() {
        return Stream.concat(VerdictScenarios.connectHeloMail(), Stream.of(
                Arguments.of("HELO localhost", GOOD_IP, "localhost", "alice@good.test"),
                Arguments.of("HELO of our own", GOOD_IP, HOSTNAME, "alice@good.test"),
                Arguments.of("HELO in a slow zone", GOOD_IP, "mx." + SLOW_DOMAIN, "alice@good.test")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("scenarios")
    void theGatewayGivesTheVerdictsReplyAtRcpt(String scenario, String ip, String helo, String mailFrom) throws Exception {
        Verdict expected = evaluator.evaluate(new SessionFacts(InetAddress.getByName(ip), helo, mailFrom, null, null))
                .get(30, TimeUnit.SECONDS).verdict();

        String transcript = swaks(ip, helo, mailFrom);

        if (expected.action() == Action.REJECT || expected.action() == Action.TEMPFAIL) {
            String reply = expected.reply().code() + " " + expected.reply().enhanced() + " ";
            assertThat(transcript).as("%s: %s", scenario, expected).contains("<** " + reply)
                    .doesNotContain("Ok: queued");
        } else {
            assertThat(transcript).as("%s: %s", scenario, expected).containsPattern("<-  250 2\\.0\\.0 Ok: queued as ");
        }
        if (expected.decisions().stream().anyMatch(d -> d.result().result() == org.mxguard.check.Result.TEMPERROR)) {
            assertThat(transcript).as("a temporary DNS failure is never a 5xx").doesNotContainPattern("<\\*\\* +5\\d\\d");
        }
    }

    private String swaks(String source, String helo, String mailFrom) throws Exception {
        List<String> command = new ArrayList<>(List.of("swaks", "--server", "127.0.0.1", "--port",
                Integer.toString(gateway.getPort()), "--local-interface", source, "--timeout", "30",
                "--ehlo", helo, "--from", mailFrom.isEmpty() ? "<>" : mailFrom, "--to", "bob@" + PROTECTED));
        Process swaks = new ProcessBuilder(command).redirectErrorStream(true).start();
        String transcript = new String(swaks.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(swaks.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return transcript;
    }
}
