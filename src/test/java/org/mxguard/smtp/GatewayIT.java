package org.mxguard.smtp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mxguard.testbed.TestZones.GOOD_HOST;
import static org.mxguard.testbed.TestZones.GOOD_IP;
import static org.mxguard.testbed.TestZones.NO_PTR_IP;
import static org.mxguard.testbed.TestZones.SERVFAIL_PTR_IP;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.mxguard.check.CheckSuite;
import org.mxguard.check.GenericNameClassifier;
import org.mxguard.check.LocalIdentity;
import org.mxguard.dns.CachingResolver;
import org.mxguard.dns.DnsClient;
import org.mxguard.policy.AllowlistEntry;
import org.mxguard.policy.Policy;
import org.mxguard.policy.SessionChecks;
import org.mxguard.queue.Envelope;
import org.mxguard.queue.NioSpoolFiles;
import org.mxguard.queue.QueueIds;
import org.mxguard.queue.Spool;
import org.mxguard.testbed.DnsTestBed;

/**
 * The gateway end to end: a real listener, real DNS (NSD behind Unbound, on loopback), real
 * clients (swaks and raw sockets) on their own 127.0.x.y source addresses, so every PTR scenario
 * is the real thing; what is accepted lands in a real spool.
 */
@ExtendWith(DnsTestBed.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class GatewayIT {
    private static final String HOSTNAME = "gw.mxguard.test";
    private static final String PROTECTED = "protected.test";

    @TempDir
    Path spoolDirectory;

    private final List<Envelope> queued = new ArrayList<>();
    private SmtpServer server;
    private Spool spool;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private InetSocketAddress start(DnsTestBed bed, SessionSettings settings, List<String> trusted) throws IOException {
        return start(bed, settings, trusted, java.util.Optional.empty());
    }

    private InetSocketAddress start(DnsTestBed bed, SessionSettings settings, List<String> trusted,
            java.util.Optional<javax.net.ssl.SSLContext> tls) throws IOException {
        return start(bed, settings, trusted, tls, GatewayContext.Guards.NONE);
    }

    private InetSocketAddress start(DnsTestBed bed, SessionSettings settings, List<String> trusted,
            java.util.Optional<javax.net.ssl.SSLContext> tls, GatewayContext.Guards guards) throws IOException {
        spool = new Spool(spoolDirectory, new NioSpoolFiles(), new QueueIds(Clock.systemUTC(), new SplittableRandom(3)),
                Clock.systemUTC(), 0);
        spool.recover();
        CachingResolver dns = new CachingResolver(
                new DnsClient(List.of(bed.resolver()), Duration.ofMillis(700), 1, Runnable::run), 1000);
        CheckSuite suite = CheckSuite.standard(LocalIdentity.none(), GenericNameClassifier.standard());
        Policy policy = Policy.defaults();
        RelayControl relay = new RelayControl(Set.of(PROTECTED),
                trusted.stream().map(AllowlistEntry.Cidr::parse).toList());
        GatewayContext context = new GatewayContext(new GatewayContext.Setup(settings, relay,
                client -> new SessionChecks(suite, policy, dns, 20, client), tls), spool,
                envelope -> {
                    synchronized (queued) {
                        queued.add(envelope);
                    }
                }, Clock.systemUTC(), guards);
        server = SmtpServer.start(List.of(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0)),
                SmtpServer.Limits.DEFAULT, context.sessions());
        return server.addresses().getFirst();
    }

    /** A gateway that believes PROXY headers from {@code proxyFrom} and XCLIENT from {@code xclientFrom}. */
    private InetSocketAddress startWithFrontEnds(DnsTestBed bed, List<String> proxyFrom, List<String> xclientFrom)
            throws IOException {
        spool = new Spool(spoolDirectory, new NioSpoolFiles(), new QueueIds(Clock.systemUTC(), new SplittableRandom(4)),
                Clock.systemUTC(), 0);
        spool.recover();
        CachingResolver dns = new CachingResolver(
                new DnsClient(List.of(bed.resolver()), Duration.ofMillis(700), 1, Runnable::run), 1000);
        CheckSuite suite = CheckSuite.standard(LocalIdentity.none(), GenericNameClassifier.standard());
        Policy policy = Policy.defaults();
        GatewayContext context = new GatewayContext(new GatewayContext.Setup(
                SessionSettings.defaults(HOSTNAME).withGreetWait(Duration.ZERO), new RelayControl(Set.of(PROTECTED), List.of()),
                client -> new SessionChecks(suite, policy, dns, 20, client), java.util.Optional.empty(),
                xclientFrom.stream().map(AllowlistEntry.Cidr::parse).toList()), spool, queued::add, Clock.systemUTC());
        server = SmtpServer.start(List.of(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0)),
                SmtpServer.Limits.DEFAULT, proxyFrom.stream().map(AllowlistEntry.Cidr::parse).toList(), context.sessions());
        return server.addresses().getFirst();
    }

    private InetSocketAddress start(DnsTestBed bed) throws IOException {
        return start(bed, SessionSettings.defaults(HOSTNAME).withGreetWait(Duration.ZERO), List.of());
    }

    /** swaks from {@code source}, returning its transcript (stdout and stderr). */
    private static String swaks(InetSocketAddress server, String source, String... more) throws Exception {
        List<String> command = new ArrayList<>(List.of("swaks", "--server", server.getAddress().getHostAddress(),
                "--port", Integer.toString(server.getPort()), "--local-interface", source, "--timeout", "20"));
        command.addAll(List.of(more));
        Process swaks = new ProcessBuilder(command).redirectErrorStream(true).start();
        String transcript = new String(swaks.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(swaks.waitFor(30, TimeUnit.SECONDS)).isTrue();
        return transcript;
    }

    @Test
    void aConfirmedSenderForARelayDomainIsQueuedWithTraceHeaders(DnsTestBed bed) throws Exception {
        InetSocketAddress gateway = start(bed);

        String transcript = swaks(gateway, GOOD_IP, "--ehlo", GOOD_HOST, "--from", "alice@good.test",
                "--to", "bob@" + PROTECTED, "--header", "From: Alice <alice@good.test>", "--body", "hello");

        assertThat(transcript).contains("<-  220 " + HOSTNAME + " ESMTP").contains("<-  250 2.1.5 Ok")
                .containsPattern("<-  250 2\\.0\\.0 Ok: queued as [0-9a-v]{17}");
        assertThat(queued).singleElement().satisfies(e -> {
            assertThat(e.sender()).isEqualTo("alice@good.test");
            assertThat(e.recipients()).extracting(r -> r.address()).containsExactly("bob@" + PROTECTED);
            assertThat(e.traceHeaders()).startsWith("Received: from " + GOOD_HOST + " (" + GOOD_HOST + " [" + GOOD_IP + "])")
                    .contains("by " + HOSTNAME + " (mxguard) with ESMTP id " + e.id())
                    .contains("Authentication-Results: " + HOSTNAME + ";")
                    .contains("iprev=pass");
        });
        String body = new String(java.nio.file.Files.readAllBytes(spool.body(queued.getFirst().id())), StandardCharsets.UTF_8);
        assertThat(body).contains("From: Alice <alice@good.test>").contains("hello");
    }

    @Test
    void anAuthenticationResultsFieldForgingOurVerdictIsDropped(DnsTestBed bed) throws Exception {
        InetSocketAddress gateway = start(bed);

        String transcript = swaks(gateway, GOOD_IP, "--ehlo", GOOD_HOST, "--from", "alice@good.test",
                "--to", "bob@" + PROTECTED, "--add-header", "Authentication-Results: " + HOSTNAME.toUpperCase()
                        + "; iprev=pass policy.iprev=192.0.2.1",
                "--add-header", "Authentication-Results: other.example; spf=pass", "--body", "forged");

        assertThat(transcript).containsPattern("<-  250 2\\.0\\.0 Ok: queued as ");
        String body = new String(java.nio.file.Files.readAllBytes(spool.body(queued.getFirst().id())), StandardCharsets.UTF_8);
        assertThat(body).doesNotContain("192.0.2.1").contains("Authentication-Results: other.example; spf=pass")
                .contains("forged");
    }

    @Test
    void startTlsWithTheConfiguredCertificateAndTheReceivedFieldSaysSo(DnsTestBed bed) throws Exception {
        TlsTestFiles files = new TlsTestFiles(spoolDirectory.resolveSibling(spoolDirectory.getFileName() + "-tls"));
        java.nio.file.Files.createDirectories(files.dir);
        Path key = files.ecPkcs8("key.pem");
        Path certificate = files.selfSigned(key, "cert.pem", HOSTNAME);
        InetSocketAddress gateway = start(bed, SessionSettings.defaults(HOSTNAME).withGreetWait(Duration.ZERO), List.of(),
                java.util.Optional.of(ServerTls.context(certificate, key)));

        String transcript = swaks(gateway, GOOD_IP, "--ehlo", GOOD_HOST, "--from", "alice@good.test",
                "--to", "bob@" + PROTECTED, "--tls");

        assertThat(transcript).contains("250-STARTTLS").contains("220 2.0.0 Ready to start TLS")
                .contains("=== TLS started").containsPattern("<~  250 2\\.0\\.0 Ok: queued as ");
        assertThat(queued).singleElement().satisfies(e -> assertThat(e.traceHeaders())
                .containsPattern("with ESMTPS id " + e.id()).contains("(using TLSv1."));
        // plain text pipelined behind STARTTLS is refused, not carried into the TLS session
        String reply = rawSession(gateway, GOOD_IP, "EHLO " + GOOD_HOST + "\r\n", "STARTTLS\r\nMAIL FROM:<x@good.test>\r\n");
        assertThat(reply).contains("554 5.5.1 Error: commands pipelined after STARTTLS");
    }

    @Test
    void aClientThatConnectedToTheTrapMxIsRefusedOnTheMainListener(DnsTestBed bed) throws Exception {
        TrapMx trap = new TrapMx();
        try (TrapListener trapListener = TrapListener.start(
                List.of(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0)), trap)) {
            InetSocketAddress gateway = start(bed, SessionSettings.defaults(HOSTNAME).withGreetWait(Duration.ZERO),
                    List.of(), java.util.Optional.empty(), new GatewayContext.Guards(null, trap));
            try (Socket bot = connect(trapListener.addresses().getFirst(), GOOD_IP)) {
                assertThat(new String(bot.getInputStream().readAllBytes(), StandardCharsets.US_ASCII)).startsWith("421 ");
            }

            String transcript = swaks(gateway, GOOD_IP, "--ehlo", GOOD_HOST, "--from", "alice@good.test",
                    "--to", "bob@" + PROTECTED);

            assertThat(transcript).contains("<** 550 5.7.1 Client host rejected: it connected to a trap MX");
            assertThat(queued).isEmpty();
        }
    }

    @Test
    void withActionTagATrappedClientsMailIsAcceptedAndTagged(DnsTestBed bed) throws Exception {
        TrapMx trap = new TrapMx(Duration.ofHours(1), org.mxguard.policy.Action.TAG);
        trap.record(InetAddress.getByName(GOOD_IP));
        InetSocketAddress gateway = start(bed, SessionSettings.defaults(HOSTNAME).withGreetWait(Duration.ZERO),
                List.of(), java.util.Optional.empty(), new GatewayContext.Guards(null, trap));

        String transcript = swaks(gateway, GOOD_IP, "--ehlo", GOOD_HOST, "--from", "alice@good.test",
                "--to", "bob@" + PROTECTED);

        assertThat(transcript).containsPattern("<-  250 2\\.0\\.0 Ok: queued as ");
        assertThat(queued).singleElement().satisfies(e -> assertThat(e.traceHeaders())
                .contains("X-Mxguard-Tag: trap-mx=connected"));
    }

    @ParameterizedTest
    @CsvSource({"TEMPFAIL, <** 450 4.7.1 <" + PROTECTED + ">: this is a backup MX", "TAG, X-Mxguard-Tag: backup-mx=primary-up"})
    void theBackupMxTempfailsOrTagsMailForADomainWhosePrimaryIsUp(org.mxguard.policy.Action action, String expected,
            DnsTestBed bed) throws Exception {
        int port = org.mxguard.delivery.TestSmtpSink.freePortOn("127.0.5.9");
        try (var primary = org.mxguard.delivery.TestSmtpSink.start("127.0.5.9", port);
             BackupMxGuard guard = BackupMxGuard.start(List.of(new BackupMxGuard.Entry(PROTECTED,
                     new InetSocketAddress(InetAddress.getByName("127.0.5.9"), port), Duration.ofSeconds(10),
                     action)))) {
            InetSocketAddress gateway = start(bed, SessionSettings.defaults(HOSTNAME).withGreetWait(Duration.ZERO),
                    List.of(), java.util.Optional.empty(), new GatewayContext.Guards(guard, null));
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (guard.health(PROTECTED).isEmpty() && System.nanoTime() < end) {
                Thread.sleep(50);
            }

            String transcript = swaks(gateway, GOOD_IP, "--ehlo", GOOD_HOST, "--from", "alice@good.test",
                    "--to", "bob@" + PROTECTED);

            if (action == org.mxguard.policy.Action.TAG) {
                assertThat(queued).singleElement().satisfies(e -> assertThat(e.traceHeaders()).contains(expected));
            } else {
                assertThat(transcript).contains(expected);
                assertThat(queued).isEmpty();
            }
        }
    }

    @Test
    void xclientFromATrustedPeerMakesTheSessionTheClaimedClients(DnsTestBed bed) throws Exception {
        // XCLIENT from 127.0.0.1 only: the test tool claims the no-PTR client, and its checks apply
        InetSocketAddress gateway = startWithFrontEnds(bed, List.of(), List.of("127.0.0.1/32"));

        String claimed = rawSession(gateway, "127.0.0.1", "EHLO tool.test\r\n",
                "XCLIENT ADDR=" + NO_PTR_IP + " HELO=client.example.net PROTO=ESMTP\r\n",
                "MAIL FROM:<x@good.test>\r\nRCPT TO:<bob@" + PROTECTED + ">\r\nQUIT\r\n");
        assertThat(claimed).contains("250-XCLIENT NAME ADDR").contains("220 " + HOSTNAME)
                .containsPattern("55\\d 5\\.7\\.\\d+ ");

        // anyone else is refused
        String refused = rawSession(gateway, GOOD_IP, "EHLO " + GOOD_HOST + "\r\n", "XCLIENT ADDR=" + GOOD_IP + "\r\n");
        assertThat(refused).doesNotContain("XCLIENT NAME").contains("550 5.7.0");
    }

    @Test
    void aProxyHeaderFromATrustedBalancerNamesTheClient(DnsTestBed bed) throws Exception {
        InetSocketAddress gateway = startWithFrontEnds(bed, List.of("127.0.0.1/32"), List.of());

        // a balancer on 127.0.0.1 forwards the no-PTR client: its checks apply
        String proxied = proxiedSession(gateway, "PROXY TCP4 " + NO_PTR_IP + " 127.0.0.1 40000 25\r\n",
                "EHLO client.example.net\r\n", "MAIL FROM:<x@good.test>\r\nRCPT TO:<bob@" + PROTECTED + ">\r\nQUIT\r\n");
        assertThat(proxied).containsPattern("55\\d 5\\.7\\.\\d+ ");
        // and the confirmed client through the same balancer gets its mail through
        String good = proxiedSession(gateway, "PROXY TCP4 " + GOOD_IP + " 127.0.0.1 40001 25\r\n",
                "EHLO " + GOOD_HOST + "\r\n", "MAIL FROM:<alice@good.test>\r\nRCPT TO:<bob@" + PROTECTED + ">\r\nQUIT\r\n");
        assertThat(good).contains("250 2.1.5 Ok");
    }

    @Test
    void aTaggedMessageCarriesTheTagFieldAndAnUntaggedOneDoesNot(DnsTestBed bed) throws Exception {
        InetSocketAddress gateway = start(bed);

        // a generic ISP name: the default policy tags generic-ptr failures
        swaks(gateway, org.mxguard.testbed.TestZones.GENERIC_CONFIRMED_IP, "--ehlo",
                org.mxguard.testbed.TestZones.GENERIC_CONFIRMED_HOST, "--from", "x@good.test", "--to", "bob@" + PROTECTED);
        swaks(gateway, GOOD_IP, "--ehlo", GOOD_HOST, "--from", "alice@good.test", "--to", "bob@" + PROTECTED);

        assertThat(queued).hasSize(2);
        assertThat(queued.get(0).traceHeaders()).contains("X-Mxguard-Tag: generic-ptr=fail\r\n");
        assertThat(queued.get(1).traceHeaders()).doesNotContain("X-Mxguard-Tag");
    }

    @Test
    void aClientWithoutPtrIsRefusedAtRcptAndNothingIsQueued(DnsTestBed bed) throws Exception {
        InetSocketAddress gateway = start(bed);

        String transcript = swaks(gateway, NO_PTR_IP, "--ehlo", "client.example.net", "--from", "x@good.test",
                "--to", "bob@" + PROTECTED);

        assertThat(transcript).containsPattern("<\\*\\* +5\\d\\d 5\\.7\\.\\d+ ");
        assertThat(queued).isEmpty();
        assertThat(spool.list()).isEmpty();
    }

    @Test
    void aDnsTemporaryFailureIsATempfailNeverARejection(DnsTestBed bed) throws Exception {
        InetSocketAddress gateway = start(bed);

        String transcript = swaks(gateway, SERVFAIL_PTR_IP, "--ehlo", "mail.servfail.test", "--from", "x@good.test",
                "--to", "bob@" + PROTECTED);

        assertThat(transcript).containsPattern("<\\*\\* +4\\d\\d 4\\.\\d\\.\\d+ ").doesNotContainPattern("<\\*\\* +5\\d\\d");
        assertThat(queued).isEmpty();
    }

    @Test
    void aDryRunRefusesNothingItWouldHaveRefused(DnsTestBed bed) throws Exception {
        InetSocketAddress gateway = start(bed, SessionSettings.defaults(HOSTNAME).withGreetWait(Duration.ZERO).withDryRun(true),
                List.of());

        String transcript = swaks(gateway, NO_PTR_IP, "--ehlo", "client.example.net", "--from", "x@good.test",
                "--to", "bob@" + PROTECTED);

        assertThat(transcript).containsPattern("<-  250 2\\.0\\.0 Ok: queued as ");
        assertThat(queued).hasSize(1);
    }

    @Test
    void neverAnOpenRelayWhateverTheAddressForm(DnsTestBed bed) throws Exception {
        InetSocketAddress gateway = start(bed);
        for (String recipient : List.of("bob@elsewhere.test", "bob%elsewhere.test@" + PROTECTED,
                "\"bob@elsewhere.test\"@" + PROTECTED, "elsewhere.test!bob@" + PROTECTED, "bob@[127.0.0.1]")) {
            String transcript = swaks(gateway, GOOD_IP, "--ehlo", GOOD_HOST, "--from", "alice@good.test",
                    "--to", recipient);
            assertThat(transcript).as(recipient).containsPattern("<\\*\\* +554 5\\.7\\.1 .*Relay access denied");
        }
        // source routes go through a raw session: swaks does not send them
        String reply = rawSession(gateway, GOOD_IP, "EHLO " + GOOD_HOST + "\r\nMAIL FROM:<alice@good.test>\r\n"
                + "RCPT TO:<@" + PROTECTED + ":bob@elsewhere.test>\r\nQUIT\r\n");
        assertThat(reply).contains("554 5.7.1");
        assertThat(queued).isEmpty();
    }

    @Test
    void aTrustedNetworkMaySendToAnyDomain(DnsTestBed bed) throws Exception {
        InetSocketAddress gateway = start(bed, SessionSettings.defaults(HOSTNAME).withGreetWait(Duration.ZERO),
                List.of(GOOD_IP + "/32"));

        String transcript = swaks(gateway, GOOD_IP, "--ehlo", GOOD_HOST, "--from", "alice@good.test",
                "--to", "someone@elsewhere.test");

        assertThat(transcript).containsPattern("<-  250 2\\.0\\.0 Ok: queued as ");
        assertThat(queued).singleElement().satisfies(e -> assertThat(e.recipients().getFirst().address())
                .isEqualTo("someone@elsewhere.test"));
    }

    /** The SMTP smuggling variants: each a "dot line" some server somewhere takes for the end of the data. */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"\n.\r\n", "\n.\n", "\r.\r", "\r\n.\n", "\r\n.\r", "\r.\r\n", "\r\n.\r\r\n",
            "\n.\r\r\n"})
    void dataEndsOnlyAtCrlfDotCrlfAndABareLineEndRefusesTheMessage(String end, DnsTestBed bed) throws Exception {
        InetSocketAddress gateway = start(bed);

        // an SMTP smuggling attempt: the variant must not end the data, so the "MAIL FROM" after it is content
        String reply = smuggle(gateway, end);

        assertThat(reply).contains("354 ").contains("550 5.5.2").doesNotContain("Ok: queued");
        assertThat(reply.split("\r\n")).filteredOn(line -> line.startsWith("250 2.1.0")).hasSize(1);
        assertThat(queued).isEmpty();
        assertThat(spool.list()).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"\r\n. \r\n", "\r\n.\u0000\r\n", "\r\n..\r\n"})
    void aDotLineWithMoreOnItIsContentNotTheEnd(String end, DnsTestBed bed) throws Exception {
        InetSocketAddress gateway = start(bed);

        String reply = smuggle(gateway, end);

        // one message, whose content carries the would-be second transaction; one MAIL FROM answered
        assertThat(reply.split("\r\n")).filteredOn(line -> line.startsWith("250 2.0.0 Ok: queued")).hasSize(1);
        assertThat(reply.split("\r\n")).filteredOn(line -> line.startsWith("250 2.1.0")).hasSize(1);
        assertThat(spool.list()).singleElement().satisfies(e -> assertThat(
                java.nio.file.Files.readString(spool.body(e.id()), StandardCharsets.ISO_8859_1)).contains("MAIL FROM:<admin@" + PROTECTED + ">")
                .contains("Subject: smuggled"));
    }

    /**
     * A message whose data holds {@code end} and then a whole second transaction, as an SMTP smuggler
     * sends it; the session's replies.
     */
    private String smuggle(InetSocketAddress gateway, String end) throws Exception {
        return rawSession(gateway, GOOD_IP, "EHLO " + GOOD_HOST + "\r\nMAIL FROM:<alice@good.test>\r\n"
                + "RCPT TO:<bob@" + PROTECTED + ">\r\nDATA\r\n",
                "Subject: first\r\n\r\nbody" + end + "MAIL FROM:<admin@" + PROTECTED + ">\r\nRCPT TO:<bob@" + PROTECTED
                        + ">\r\nDATA\r\nSubject: smuggled\r\n\r\nx\r\n.\r\nQUIT\r\n");
    }

    @Test
    void aClientThatTalksBeforeTheGreetingIsRefused(DnsTestBed bed) throws Exception {
        InetSocketAddress gateway = start(bed, SessionSettings.defaults(HOSTNAME).withGreetWait(Duration.ofMillis(400)),
                List.of());

        try (Socket socket = connect(gateway, GOOD_IP)) {
            socket.getOutputStream().write(("EHLO " + GOOD_HOST + "\r\n").getBytes(StandardCharsets.US_ASCII));
            String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
            assertThat(answer).startsWith("220-" + HOSTNAME).contains("521 5.5.1 Protocol error");
        }
        // a client that waits for the whole banner is served
        String transcript = swaks(gateway, GOOD_IP, "--ehlo", GOOD_HOST, "--from", "alice@good.test",
                "--to", "bob@" + PROTECTED);
        assertThat(transcript).containsPattern("<-  250 2\\.0\\.0 Ok: queued as ");
    }

    @Test
    void pipelinedCommandsGetTheirRepliesInOrder(DnsTestBed bed) throws Exception {
        InetSocketAddress gateway = start(bed);

        String reply = rawSession(gateway, GOOD_IP, "EHLO " + GOOD_HOST + "\r\n",
                "MAIL FROM:<alice@good.test> SIZE=100\r\nRCPT TO:<bob@" + PROTECTED + ">\r\nRCPT TO:<x@elsewhere.test>\r\n"
                        + "DATA\r\n", "Subject: pipelined\r\n\r\nhi\r\n.\r\nQUIT\r\n");

        assertThat(reply).containsSubsequence("250-PIPELINING", "250 2.1.0 Ok", "250 2.1.5 Ok", "554 5.7.1",
                "354 ", "250 2.0.0 Ok: queued as ", "221 2.0.0");
        assertThat(queued).singleElement().satisfies(e -> assertThat(e.recipients()).hasSize(1));
    }

    @Test
    void aClientOverItsConnectionRateIsToldToComeBackLater(DnsTestBed bed) throws Exception {
        InetSocketAddress gateway = start(bed, SessionSettings.defaults(HOSTNAME).withGreetWait(Duration.ZERO), List.of(),
                java.util.Optional.empty(), new GatewayContext.Guards(null, null,
                        new ConnectionRate(2, ConnectionRate.DEFAULT_WINDOW)));

        String first = rawSession(gateway, GOOD_IP, "QUIT\r\n");
        String second = rawSession(gateway, GOOD_IP, "QUIT\r\n");
        String third = rawSession(gateway, GOOD_IP, "QUIT\r\n");
        String someoneElse = rawSession(gateway, NO_PTR_IP, "QUIT\r\n");

        assertThat(first).startsWith("220 ");
        assertThat(second).startsWith("220 ");
        assertThat(third).isEqualTo("421 4.7.0 Error: too many connections from " + GOOD_IP + "\r\n");
        assertThat(someoneElse).startsWith("220 ");
    }

    @Test
    void overlongCommandLinesGetOneRefusalEachAndTheSessionGoesOn(DnsTestBed bed) throws Exception {
        InetSocketAddress gateway = start(bed);
        String atLimit = "NOOP " + "x".repeat(SmtpInput.COMMAND_LINE_LIMIT - 7); // 512 octets with its CRLF

        String reply = rawSession(gateway, GOOD_IP, "EHLO " + GOOD_HOST + "\r\n", atLimit + "\r\n",
                atLimit + "x\r\n", "MAIL FROM:<" + "a".repeat(100_000) + "@good.test>\r\n",
                "MAIL FROM:<alice@good.test>\r\nRCPT TO:<bob@" + PROTECTED + ">\r\nDATA\r\n",
                "Subject: after\r\n\r\nhi\r\n.\r\nQUIT\r\n");

        // one reply a line, however long (the 100,000 octets are one line, not 196 buffers' worth)
        assertThat(reply.split("\r\n")).containsSubsequence("250 2.0.0 Ok", "500 5.5.2 Error: line too long",
                "500 5.5.2 Error: line too long", "250 2.1.0 Ok", "250 2.1.5 Ok");
        assertThat(reply.split("\r\n")).filteredOn(line -> line.startsWith("500 ")).hasSize(2);
        assertThat(reply).contains("250 2.0.0 Ok: queued as ").endsWith("221 2.0.0 Bye\r\n");
        assertThat(queued).singleElement().satisfies(e -> assertThat(e.sender()).isEqualTo("alice@good.test"));
    }

    @Test
    void aNulInACommandNeverCutsAnAddressShort(DnsTestBed bed) throws Exception {
        InetSocketAddress gateway = start(bed);

        // a C-string reader downstream would see bob@protected.test in the first RCPT and alice@good.test in MAIL
        String reply = rawSession(gateway, GOOD_IP, "EHLO " + GOOD_HOST + "\r\n",
                "MAIL FROM:<alice@good.test\u0000@elsewhere.test>\r\n", "MAIL FROM:<alice@good.test>\r\n",
                "RCPT TO:<bob@" + PROTECTED + "\u0000@elsewhere.test>\r\n", "RCPT TO:<carol@" + PROTECTED + ">\u0000\r\n",
                "NOOP\u0000\r\n", "RCPT TO:<dave@" + PROTECTED + ">\r\nDATA\r\n", "Subject: nul\r\n\r\nhi\r\n.\r\nQUIT\r\n");

        assertThat(reply.split("\r\n")).containsSubsequence("501 5.1.7 Bad sender address syntax", "250 2.1.0 Ok",
                "501 5.1.3 Bad recipient address syntax", "501 5.1.3 Bad recipient address syntax",
                "502 5.5.2 Error: command not recognized", "250 2.1.5 Ok", "354 End data with <CR><LF>.<CR><LF>",
                "221 2.0.0 Bye");
        assertThat(queued).singleElement().satisfies(e -> assertThat(e.recipients()).extracting(r -> r.address())
                .containsExactly("dave@" + PROTECTED));
    }

    @Test
    void eightBitInCommandsWithoutSmtputf8IsRefused(DnsTestBed bed) throws Exception {
        InetSocketAddress gateway = start(bed);

        // Latin-1, as an old client sends it (not valid UTF-8), then UTF-8 without and with SMTPUTF8
        String latin1 = session(gateway, GOOD_IP, "", StandardCharsets.ISO_8859_1, "EHLO " + GOOD_HOST + "\r\n",
                "MAIL FROM:<j\u00f6ran@good.test>\r\n", "MAIL FROM:<alice@good.test>\r\n",
                "RCPT TO:<b\u00f8b@" + PROTECTED + ">\r\n", "QUIT\r\n");
        String utf8 = rawSession(gateway, GOOD_IP, "EHLO " + GOOD_HOST + "\r\n", "MAIL FROM:<j\u00f6ran@good.test>\r\n",
                "MAIL FROM:<alice@good.test>\r\n", "RCPT TO:<b\u00f8b@" + PROTECTED + ">\r\n", "RSET\r\n",
                "MAIL FROM:<alice@good.test> SMTPUTF8\r\nRCPT TO:<b\u00f8b@" + PROTECTED + ">\r\nQUIT\r\n");

        // an octet that is not UTF-8 reads as U+FFFD: refused like any non-ASCII address
        assertThat(latin1.split("\r\n")).containsSubsequence("553 5.6.7 Must declare SMTPUTF8 to send unicode address",
                "250 2.1.0 Ok", "553 5.6.7 Must declare SMTPUTF8 to send unicode address", "221 2.0.0 Bye");
        assertThat(utf8.split("\r\n")).containsSubsequence("553 5.6.7 Must declare SMTPUTF8 to send unicode address",
                "250 2.1.0 Ok", "553 5.6.7 Must declare SMTPUTF8 to send unicode address", "250 2.0.0 Ok",
                "250 2.1.0 Ok", "250 2.1.5 Ok", "221 2.0.0 Bye");
        assertThat(utf8.split("\r\n")).filteredOn(line -> line.startsWith("250 2.1.5")).hasSize(1);
    }

    @Test
    void aPipelinedRecipientFloodIsCappedAndEndsAtTheErrorLimit(DnsTestBed bed) throws Exception {
        int limit = 10;
        InetSocketAddress gateway = start(bed, new SessionSettings(HOSTNAME, SessionSettings.DEFAULT_MAX_MESSAGE_BYTES,
                limit, Duration.ofMinutes(5), Duration.ofMinutes(5), 20, Duration.ZERO, SessionSettings.RejectAt.RCPT,
                false), List.of());
        StringBuilder flood = new StringBuilder("MAIL FROM:<alice@good.test>\r\n");
        int sent = limit + SmtpSession.RECIPIENT_OVERSHOOT_LIMIT + 100;
        for (int i = 0; i < sent; i++) {
            flood.append("RCPT TO:<r").append(i).append('@').append(PROTECTED).append(">\r\n");
        }
        flood.append("DATA\r\nSubject: flood\r\n\r\nhi\r\n.\r\nQUIT\r\n");

        String reply = rawSession(gateway, GOOD_IP, "EHLO " + GOOD_HOST + "\r\n", flood.toString());

        // the limit's worth taken; the overshoot answered 452 until it counts as errors, then 421 and the end
        List<String> lines = List.of(reply.split("\r\n"));
        assertThat(lines).filteredOn(line -> line.startsWith("250 2.1.5")).hasSize(limit);
        assertThat(lines).filteredOn(line -> line.startsWith("452 4.5.3"))
                .hasSize(SmtpSession.RECIPIENT_OVERSHOOT_LIMIT + 20);
        assertThat(lines.getLast()).startsWith("421 4.7.0");
        assertThat(lines).noneMatch(line -> line.startsWith("354"));
        assertThat(queued).isEmpty();
        assertThat(spool.list()).isEmpty();
    }

    @Test
    void aMessagePipelinedBehindItsDataCommandIsQueuedOnce(DnsTestBed bed) throws Exception {
        InetSocketAddress gateway = start(bed);
        StringBuilder recipients = new StringBuilder();
        for (int i = 0; i < 200; i++) {
            recipients.append("RCPT TO:<r").append(i).append('@').append(PROTECTED).append(">\r\n");
        }

        // all of it in one write, without waiting for the 354: replies in order, one message, 200 recipients
        String reply = rawSession(gateway, GOOD_IP, "EHLO " + GOOD_HOST + "\r\n", "MAIL FROM:<alice@good.test>\r\n"
                + recipients + "DATA\r\nSubject: eager\r\n\r\nhi\r\n.\r\nQUIT\r\n");

        assertThat(reply.split("\r\n")).filteredOn(line -> line.startsWith("250 2.1.5")).hasSize(200);
        assertThat(reply).containsSubsequence("250 2.1.0 Ok", "250 2.1.5 Ok", "354 ", "250 2.0.0 Ok: queued as ",
                "221 2.0.0 Bye");
        assertThat(queued).singleElement().satisfies(e -> assertThat(e.recipients()).hasSize(200));
    }

    private static Socket connect(InetSocketAddress gateway, String source) throws IOException {
        Socket socket = new Socket();
        socket.bind(new InetSocketAddress(InetAddress.getByName(source), 0));
        socket.connect(gateway, 5000);
        socket.setSoTimeout(20_000);
        return socket;
    }

    /** A session from 127.0.0.1 that starts with a PROXY header, as a load balancer's does. */
    private static String proxiedSession(InetSocketAddress gateway, String header, String... parts) throws IOException {
        return session(gateway, "127.0.0.1", header, StandardCharsets.UTF_8, parts);
    }

    /**
     * A session written in parts: each part is sent once the server has answered what came before
     * (the banner first), and the whole transcript of replies is returned.
     */
    private static String rawSession(InetSocketAddress gateway, String source, String... parts) throws IOException {
        return session(gateway, source, "", StandardCharsets.UTF_8, parts);
    }

    private static String session(InetSocketAddress gateway, String source, String preamble,
            java.nio.charset.Charset charset, String... parts) throws IOException {
        try (Socket socket = connect(gateway, source)) {
            InputStream in = socket.getInputStream();
            OutputStream out = socket.getOutputStream();
            out.write(preamble.getBytes(StandardCharsets.US_ASCII));
            out.flush();
            StringBuilder transcript = new StringBuilder();
            transcript.append(readReply(in));
            for (String part : parts) {
                out.write(part.getBytes(charset));
                out.flush();
                String unanswered = part; // one reply a command line
                while (!unanswered.isEmpty() && !transcript.toString().contains("221 ")) {
                    String r = readReply(in);
                    if (r.isEmpty()) {
                        break;
                    }
                    transcript.append(r);
                    int lineEnd = unanswered.indexOf('\n');
                    unanswered = lineEnd < 0 ? "" : unanswered.substring(lineEnd + 1);
                    if (r.startsWith("354")) {
                        // what follows is data, answered once at its dot line: next, if this part holds it
                        int dotLine = ("\r\n" + unanswered).indexOf("\r\n.\r\n");
                        unanswered = dotLine < 0 ? "" : unanswered.substring(dotLine);
                    }
                }
            }
            return transcript.toString();
        }
    }

    /** One whole reply (every line of a multi-line one), or "" at the end of the stream or after 20 s of silence. */
    private static String readReply(InputStream in) throws IOException {
        StringBuilder reply = new StringBuilder();
        StringBuilder line = new StringBuilder();
        while (true) {
            int b;
            try {
                b = in.read();
            } catch (java.net.SocketTimeoutException e) {
                return reply.toString();
            }
            if (b < 0) {
                return reply.toString();
            }
            line.append((char) b);
            if (b == '\n') {
                reply.append(line);
                boolean last = line.length() < 4 || line.charAt(3) != '-';
                line.setLength(0);
                if (last) {
                    return reply.toString();
                }
            }
        }
    }
}
