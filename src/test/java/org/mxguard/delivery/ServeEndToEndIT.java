package org.mxguard.delivery;

import org.mxguard.queue.Spool;
import static org.assertj.core.api.Assertions.assertThat;
import static org.mxguard.testbed.TestZones.EQUAL_PREF_DOMAIN;
import static org.mxguard.testbed.TestZones.EQUAL_PREF_IP_A;
import static org.mxguard.testbed.TestZones.EQUAL_PREF_IP_B;
import static org.mxguard.testbed.TestZones.EQUAL_PREF_IP_C;
import static org.mxguard.testbed.TestZones.GOOD_IP;
import static org.mxguard.testbed.TestZones.NO_PTR_IP;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.mxguard.testbed.DnsTestBed;

/**
 * The public commands as processes, end to end: {@code mxguard sendmail} queues a message while
 * {@code mxguard serve} is already running; serve picks it up from the spool, routes it by MX
 * through the real resolver and delivers it to smtp-sink; SIGTERM stops serve with an empty spool.
 */
@ExtendWith(DnsTestBed.class)
class ServeEndToEndIT {
    @TempDir
    Path dir;

    @Test
    void sendmailThenServeDeliversByMx(DnsTestBed bed) throws Exception {
        int port = DeliveryTestSink.freePortOn(EQUAL_PREF_IP_A, EQUAL_PREF_IP_B, EQUAL_PREF_IP_C);
        Path spool = dir.resolve("spool");
        Path config = Files.writeString(dir.resolve("mxguard.toml"), "[delivery]\nhelo = \"relay.mxguard.test\"\n");
        try (DeliveryTestSink a = DeliveryTestSink.start(EQUAL_PREF_IP_A, port);
             DeliveryTestSink b = DeliveryTestSink.start(EQUAL_PREF_IP_B, port)) {
            Process serve = mxguard("serve", "--config", config.toString(), "--spool", spool.toString(),
                    "--dns", bed.resolverHostPort(), "--delivery-port", Integer.toString(port),
                    "--listen", "127.0.0.1:" + DeliveryTestSink.freePortOn("127.0.0.1"));
            try {
                awaitStderr(serve, "delivering spool");
                Process sendmail = mxguard("sendmail", "--spool", spool.toString(), "-f", "alice@good.test",
                        "bob@" + EQUAL_PREF_DOMAIN);
                sendmail.getOutputStream().write("Subject: end to end\r\n\r\nhello through the queue\r\n"
                        .getBytes(StandardCharsets.US_ASCII));
                sendmail.getOutputStream().close();
                assertThat(sendmail.waitFor(30, TimeUnit.SECONDS)).isTrue();
                assertThat(sendmail.exitValue()).isZero();

                List<String> received = awaitDumps(List.of(a, b), "hello through the queue", 30);
                assertThat(received).hasSize(1);
                assertThat(received.get(0)).contains("Subject: end to end").contains("hello through the queue");
                awaitEmptySpool(spool, 10);
            } finally {
                serve.destroy(); // SIGTERM: the shutdown hook closes sessions and the runner
                assertThat(serve.waitFor(20, TimeUnit.SECONDS)).as("serve stops on SIGTERM").isTrue();
            }
        }
    }

    /**
     * The gateway as a user runs it: {@code serve} with flags only. A client with a confirmed PTR
     * sends with Python's smtplib from its own 127.0.x.y address; the message is checked, queued and
     * relayed to the protected MTA (smtp-sink) with the gateway's Received: and
     * Authentication-Results: in front; a client without PTR is refused at RCPT; SIGTERM stops it all.
     */
    @Test
    void serveListensChecksQueuesAndRelaysToTheProtectedMta(DnsTestBed bed) throws Exception {
        String mta = "127.0.5.1";
        int mtaPort = DeliveryTestSink.freePortOn(mta);
        int smtpPort = DeliveryTestSink.freePortOn("127.0.0.1");
        Path spool = dir.resolve("spool");
        try (DeliveryTestSink protectedMta = DeliveryTestSink.start(mta, mtaPort)) {
            int metricsPort = DeliveryTestSink.freePortOn("127.0.0.1");
            Process serve = mxguard("serve", "--listen", "127.0.0.1:" + smtpPort, "--spool", spool.toString(),
                    "--dns", bed.resolverHostPort(), "--relay-domain", "protected.test=[" + mta + "]:" + mtaPort,
                    "--metrics", "127.0.0.1:" + metricsPort);
            try {
                awaitStderr(serve, "listening on 127.0.0.1:" + smtpPort);
                String accepted = smtplib(smtpPort, GOOD_IP, "mail.good.test", "alice@good.test", "bob@protected.test");
                assertThat(accepted).isEqualTo("sent {}");
                String refused = smtplib(smtpPort, NO_PTR_IP, "client.example.net", "x@good.test", "bob@protected.test");
                assertThat(refused).startsWith("refused ").contains("550");

                List<String> received = awaitDumps(List.of(protectedMta), "hello through the gateway", 30);
                assertThat(received).singleElement().asString()
                        .contains("Received: from mail.good.test (mail.good.test [" + GOOD_IP + "])")
                        .contains("Authentication-Results: ")
                        .contains("iprev=pass")
                        .contains("Subject: through the gateway")
                        .contains("hello through the gateway");
                awaitEmptySpool(spool, 10);
                String metrics = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                        java.net.URI.create("http://127.0.0.1:" + metricsPort + "/metrics")).build(),
                        java.net.http.HttpResponse.BodyHandlers.ofString()).body();
                assertThat(metrics).contains("mxguard_messages_total{outcome=\"queued\"} 1.0")
                        .contains("mxguard_messages_total{outcome=\"rejected\"} 1.0")
                        .contains("mxguard_check_results_total{check=\"iprev\",result=\"fail\"} 1.0")
                        .contains("mxguard_dns_query_seconds");
            } finally {
                serve.destroy();
                assertThat(serve.waitFor(20, TimeUnit.SECONDS)).as("serve stops on SIGTERM").isTrue();
            }
        }
    }

    /**
     * {@code mxguard reload} (SIGHUP) makes the running serve re-read its file: a policy change
     * applies to the next session; a file with an error is refused and the running policy stays.
     */
    @Test
    void reloadAppliesANewPolicyAndRefusesABrokenFile(DnsTestBed bed) throws Exception {
        String mta = "127.0.5.2";
        int mtaPort = DeliveryTestSink.freePortOn(mta);
        int smtpPort = DeliveryTestSink.freePortOn("127.0.0.1");
        Path spool = dir.resolve("spool");
        int metricsPort = DeliveryTestSink.freePortOn("127.0.0.1");
        String metricsTable = "\n[metrics]\nserve = \"127.0.0.1:" + metricsPort + "\"\n";
        Path config = Files.writeString(dir.resolve("mxguard.toml"), "[smtp]\ngreet-wait-ms = 0\n" + metricsTable);
        try (DeliveryTestSink protectedMta = DeliveryTestSink.start(mta, mtaPort)) {
            Process serve = mxguard("serve", "--config", config.toString(), "--listen", "127.0.0.1:" + smtpPort,
                    "--spool", spool.toString(), "--dns", bed.resolverHostPort(),
                    "--relay-domain", "protected.test=[" + mta + "]:" + mtaPort);
            try {
                awaitStderr(serve, "listening on 127.0.0.1:" + smtpPort);
                assertThat(smtplib(smtpPort, NO_PTR_IP, "client.example.net", "x@good.test", "bob@protected.test"))
                        .startsWith("refused 550");
                assertThat(java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                        java.net.URI.create("http://127.0.0.1:" + metricsPort + "/metrics")).build(),
                        java.net.http.HttpResponse.BodyHandlers.ofString()).body())
                        .as("[metrics] serve in the file, no --metrics")
                        .contains("mxguard_messages_total{outcome=\"rejected\"} 1.0");

                Files.writeString(config, "[smtp]\ngreet-wait-ms = 0\n" + metricsTable + "\n[policy.iprev]\nfail = \"log\"\n");
                assertThat(reload(spool)).contains("reload requested");
                awaitAccepted(smtpPort, NO_PTR_IP);

                Files.writeString(config, "[smtp]\ngreet-wait-ms = 0\n" + metricsTable + "\n[policy.iprev]\nfail = \"sometimes\"\n");
                assertThat(reload(spool)).contains("reload requested");
                Thread.sleep(1000);
                assertThat(smtplib(smtpPort, NO_PTR_IP, "client.example.net", "x@good.test", "bob@protected.test"))
                        .as("the broken file was refused; the running policy stays").isEqualTo("sent {}");
            } finally {
                serve.destroy();
                assertThat(serve.waitFor(20, TimeUnit.SECONDS)).as("serve stops on SIGTERM").isTrue();
            }
            assertThat(reload(spool)).contains("no mxguard serve is running");
        }
    }

    private static String reload(Path spool) throws Exception {
        Process reload = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "org.mxguard.cli.Main", "reload", "--spool", spool.toString())
                .redirectErrorStream(true).start();
        String output = new String(reload.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(reload.waitFor(30, TimeUnit.SECONDS)).isTrue();
        return output;
    }

    /** The reload is applied by the server shortly after the signal: try until a session sees it. */
    private static void awaitAccepted(int smtpPort, String source) throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        String last;
        do {
            last = smtplib(smtpPort, source, "client.example.net", "x@good.test", "bob@protected.test");
            if (last.equals("sent {}")) {
                return;
            }
            Thread.sleep(200);
        } while (System.nanoTime() < end);
        throw new AssertionError("the reloaded policy was not applied: " + last);
    }

    /** Python's smtplib from {@code source}: "sent {refused recipients}" or "refused CODE MESSAGE". */
    private static String smtplib(int port, String source, String helo, String from, String to) throws Exception {
        String script = String.join("\n",
                "import smtplib, sys",
                "s = smtplib.SMTP('127.0.0.1', " + port + ", local_hostname='" + helo + "', source_address=('" + source + "', 0), timeout=30)",
                "try:",
                "    r = s.sendmail('" + from + "', ['" + to + "'], 'From: <" + from + ">\\r\\nSubject: through the gateway\\r\\n\\r\\nhello through the gateway\\r\\n')",
                "    print('sent', r)",
                "except smtplib.SMTPRecipientsRefused as e:",
                "    print('refused', list(e.recipients.values())[0][0], list(e.recipients.values())[0][1].decode())",
                "s.quit()");
        Process python = new ProcessBuilder("/usr/bin/python3", "-c", script).redirectErrorStream(true).start();
        String output = new String(python.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertThat(python.waitFor(40, TimeUnit.SECONDS)).isTrue();
        return output;
    }

    private static Process mxguard(String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "org.mxguard.cli.Main"));
        command.addAll(List.of(args));
        return new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    }

    private static void awaitStderr(Process p, String text) throws IOException {
        var err = new java.io.BufferedReader(new java.io.InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8));
        StringBuilder seen = new StringBuilder();
        for (String line = err.readLine(); line != null; line = err.readLine()) {
            seen.append(line).append('\n');
            if (line.contains(text)) {
                Thread.ofVirtual().start(() -> err.lines().forEach(l -> { }));
                return;
            }
        }
        throw new AssertionError("serve ended before saying '" + text + "':\n" + seen);
    }

    private static List<String> awaitDumps(List<DeliveryTestSink> sinks, String text, int seconds) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (true) {
            List<String> all = sinks.stream().flatMap(s -> s.dumps().stream()).toList();
            if (all.stream().anyMatch(d -> d.contains(text)) || System.nanoTime() > end) {
                return all;
            }
            Thread.sleep(100);
        }
    }

    private static void awaitEmptySpool(Path spool, int seconds) throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (true) {
            try (Stream<Path> files = Files.walk(spool, 2)) {
                List<String> left = files.filter(Files::isRegularFile)
                        .filter(f -> f.getParent().getFileName().toString().length() == 1) // message directories
                        .map(f -> f.getFileName().toString()).toList();
                if (left.isEmpty()) {
                    return;
                }
                if (System.nanoTime() > end) {
                    throw new AssertionError("still in the spool: " + left);
                }
            }
            Thread.sleep(100);
        }
    }
}
