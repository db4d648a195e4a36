package org.mxguard.smtp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.mxguard.testbed.TestZones.GOOD_HOST;
import static org.mxguard.testbed.TestZones.GOOD_IP;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.mxguard.delivery.DeliveryTestSink;
import org.mxguard.testbed.DnsTestBed;
import org.mxguard.testbed.PrivatePostfix;
import org.mxguard.testkit.MxguardProcess;

/**
 * The gateway with a real peer: a real Postfix (a private instance, {@link PrivatePostfix}) whose
 * {@code relayhost} is {@code mxguard serve} relays a message into it; mxguard checks Postfix's
 * client address, HELO and MAIL FROM against the real DNS test bed, queues the message and relays
 * it to the protected MTA (smtp-sink). Postfix's SMTP client sends from 127.0.1.1 as
 * mail.good.test, so the checks pass on their merits. The sink must get the message with
 * mxguard's Received: and Authentication-Results: above Postfix's Received:, and Postfix must log
 * it sent with mxguard's queue id.
 *
 * <p>Postfix's master starts as root only: without root or Postfix the test is skipped (CI runs
 * as root with Postfix installed, so there it runs).
 */
@ExtendWith(DnsTestBed.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PostfixRelayIT {
    private static final String POSTFIX_HOST = "postfix.relay.test";
    private static final String MARKER = "relayed by a real Postfix";
    private static final String BODY = "hello from Postfix through mxguard";

    @TempDir
    Path dir;

    @Test
    void postfixRelaysThroughTheGatewayToTheProtectedMta(DnsTestBed bed) throws Exception {
        Optional<String> unavailable = PrivatePostfix.unavailable();
        assumeTrue(unavailable.isEmpty(), () -> "skipped: " + unavailable.orElse(""));

        String mta = "127.0.5.2";
        int mtaPort = DeliveryTestSink.freePortOn(mta);
        int gatewayPort = DeliveryTestSink.freePortOn("127.0.0.1");
        try (DeliveryTestSink protectedMta = DeliveryTestSink.start(mta, mtaPort)) {
            MxguardProcess serve = MxguardProcess.start("serve", "--listen", "127.0.0.1:" + gatewayPort, "--spool", dir.resolve("spool").toString(),
                    "--dns", bed.resolverHostPort(), "--relay-domain", "protected.test=[" + mta + "]:" + mtaPort);
            try (serve; PrivatePostfix postfix = PrivatePostfix.start(dir, Map.of(
                    "myhostname", POSTFIX_HOST,
                    "relayhost", "[127.0.0.1]:" + gatewayPort,
                    "smtp_bind_address", GOOD_IP,
                    "smtp_helo_name", GOOD_HOST,
                    // should a first attempt be deferred, retry within the test's time, not in 5 minutes
                    "queue_run_delay", "1s", "minimal_backoff_time", "1s", "maximal_backoff_time", "2s"))) {
                serve.awaitStderr("listening on 127.0.0.1:" + gatewayPort);
                Supplier<String> logs = () -> "\n--- mxguard serve:\n" + serve.stderr() + "\n--- Postfix maillog:\n"
                        + postfix.maillog();

                String injected = smtplib(postfix.port(), "client.relay.test", "alice@good.test", "bob@protected.test");
                assertThat(injected).as("injection into Postfix%s", logs.get()).startsWith("sent {}");

                String dump = awaitDump(protectedMta, MARKER, 20);
                assertThat(dump).as("the protected MTA's copy%s", logs.get()).isNotNull();
                String mxguardReceived = "Received: from " + GOOD_HOST + " (" + GOOD_HOST + " [" + GOOD_IP + "])";
                String postfixReceived = "by " + POSTFIX_HOST + " (Postfix) with ESMTP id ";
                assertThat(dump).as("the protected MTA's copy%s", logs.get())
                        .contains(mxguardReceived)
                        .containsPattern("\\(mxguard\\)\\s+with ESMTP id [0-9a-v]{17}")
                        .contains("Authentication-Results: ")
                        .contains("iprev=pass")
                        .contains("smtp.mailfrom=alice@good.test")
                        .contains(postfixReceived)
                        .contains("Subject: " + MARKER);
                // newest trace field first (RFC 5321 §4.4): the gateway's above Postfix's
                assertThat(dump.indexOf(mxguardReceived)).isLessThan(dump.indexOf(postfixReceived));
                assertThat(dump.indexOf("Authentication-Results: ")).isLessThan(dump.indexOf(postfixReceived));

                // Postfix handed it over to mxguard and logged mxguard's queue id, the one in mxguard's Received:
                String sent = awaitMatch(postfix::maillog,
                        Pattern.compile("relay=127\\.0\\.0\\.1\\[127\\.0\\.0\\.1\\]:" + gatewayPort
                                + ".*status=sent \\(250 2\\.0\\.0 Ok: queued as ([0-9a-v]{17})\\)"), 10);
                assertThat(sent).as("Postfix's log of the relay%s", logs.get()).isNotNull();
                assertThat(dump).containsPattern("\\(mxguard\\)\\s+with ESMTP id " + sent);
            }
        }
    }

    /** Python's smtplib into Postfix from 127.0.0.1 (in its mynetworks): "sent {refused}" or the error. */
    private static String smtplib(int port, String helo, String from, String to) throws Exception {
        String script = String.join("\n",
                "import smtplib",
                "s = smtplib.SMTP('127.0.0.1', " + port + ", local_hostname='" + helo + "', timeout=30)",
                "try:",
                "    r = s.sendmail('" + from + "', ['" + to + "'], 'From: <" + from + ">\\r\\nTo: <" + to
                        + ">\\r\\nSubject: " + MARKER + "\\r\\n\\r\\n" + BODY + "\\r\\n')",
                "    print('sent', r)",
                "except smtplib.SMTPException as e:",
                "    print('failed', e)",
                "s.quit()");
        Process python = new ProcessBuilder("/usr/bin/python3", "-c", script).redirectErrorStream(true).start();
        String output = new String(python.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertThat(python.waitFor(40, TimeUnit.SECONDS)).isTrue();
        return output;
    }

    private static String awaitDump(DeliveryTestSink sink, String text, int seconds) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (System.nanoTime() < end) {
            for (String dump : sink.dumps()) {
                if (dump.contains(text) && dump.contains(BODY)) { // the body's line is last: the dump is complete
                    return dump;
                }
            }
            Thread.sleep(100);
        }
        return null;
    }

    private static String awaitMatch(Supplier<String> text, Pattern pattern, int seconds) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (System.nanoTime() < end) {
            Matcher m = pattern.matcher(text.get());
            if (m.find()) {
                return m.group(1);
            }
            Thread.sleep(100);
        }
        return null;
    }
}
