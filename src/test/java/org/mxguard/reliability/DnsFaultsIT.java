package org.mxguard.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.mxguard.check.CheckResult;
import org.mxguard.check.CheckSuite;
import org.mxguard.check.GenericNameClassifier;
import org.mxguard.check.LocalIdentity;
import org.mxguard.check.Result;
import org.mxguard.check.SessionFacts;
import org.mxguard.dns.CachingResolver;
import org.mxguard.dns.DnsClient;
import org.mxguard.dns.DnsNames;
import org.mxguard.dns.InetAddresses;
import org.mxguard.dns.RecordType;
import org.mxguard.policy.Action;
import org.mxguard.policy.Evaluator;
import org.mxguard.policy.Policy;
import org.mxguard.policy.SessionChecks;
import org.mxguard.postfix.PolicyServer;
import org.mxguard.postfix.PolicyService;
import org.mxguard.queue.NioSpoolFiles;
import org.mxguard.queue.QueueIds;
import org.mxguard.queue.Spool;
import org.mxguard.smtp.GatewayContext;
import org.mxguard.smtp.RelayControl;
import org.mxguard.smtp.SessionSettings;
import org.mxguard.smtp.SmtpServer;
import org.mxguard.smtp.TransactionLog;
import org.mxguard.testkit.Behaviour;
import org.mxguard.testkit.FakeDnsServer;
import org.mxguard.web.GatewayMetrics;
import org.slf4j.helpers.NOPLogger;
import org.xbill.DNS.Rcode;

/**
 * DNS faults, each at each place a verdict asks, through the three ways mxguard judges a client:
 * the checks and policy ({@link Evaluator}, as {@code mxguard check}), a real gateway SMTP session,
 * and the Postfix policy service over TCP. Whatever the resolvers do, a check ends in
 * {@code temperror} or in the result it has without the fault (never a {@code fail} the fault
 * caused), the gateway answers 4xx or accepts (never a 5xx) and goes on serving, the policy
 * service answers {@code DEFER_IF_PERMIT} or as without the fault (never {@code REJECT}), and the
 * resolvers see no more distinct questions than the query budget allows.
 *
 * <p>Every scenario has a zone of its own ({@code fN.test}, client 127.20.x.y with its own PTR),
 * served by two in-process {@link FakeDnsServer}s the client asks in turn: a fault sits on both
 * (the resolvers are broken) or, for the {@code FIRST_SERVER_*} faults, on the first only.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class DnsFaultsIT {
    static final int BUDGET = 20;
    // short, so that the matrix runs in seconds; long enough that a loaded CI machine answers in time where an answer is due
    static final Duration DNS_TIMEOUT = Duration.ofMillis(400);
    static final int RETRIES = 1;
    private static final String PROTECTED = "protected.test";

    /** The question of a verdict a fault sits on. */
    enum Place {
        /** The client IP's PTR. */
        PTR,
        /** The PTR name's A record (the forward confirmation). */
        FORWARD,
        /** The HELO name's A record. */
        HELO,
        /** The MAIL FROM domain's MX. */
        SENDER_MX,
        /** The MX host's A record. */
        MX_HOST
    }

    /** What the resolvers do with the question at the place. */
    enum Fault {
        TIMEOUT(Behaviour.DROP),
        SERVFAIL(Behaviour.SERVFAIL),
        REFUSED(Behaviour.REFUSED),
        FORMERR(null, Rcode.FORMERR, 0),
        NOTIMP(null, Rcode.NOTIMP, 0),
        /** TC over UDP, the whole answer over TCP: the answer must be the right one. */
        TC_TCP_OK(Behaviour.TRUNCATE_UDP),
        TC_TCP_CLOSED(Behaviour.TRUNCATE_UDP_TCP_CLOSED),
        TC_TCP_TRUNCATED(Behaviour.TRUNCATE_ALWAYS),
        GARBAGE(Behaviour.GARBAGE),
        SHORT_PACKET(Behaviour.SHORT),
        WRONG_ID(Behaviour.WRONG_ID),
        WRONG_NAME(Behaviour.WRONG_QUESTION),
        WRONG_TYPE(Behaviour.WRONG_TYPE),
        /** 40 records (over 512 bytes), the right one last. */
        RRSET_40(null, -1, 40),
        /** 300 records (over 4096 bytes: TCP), the right one last. */
        RRSET_300(null, -1, 300),
        /** The name is a CNAME to a name that is a CNAME back. */
        CNAME_LOOP(null, -1, 0),
        FIRST_SERVER_TIMEOUT(Behaviour.DROP),
        FIRST_SERVER_SERVFAIL(Behaviour.SERVFAIL),
        FIRST_SERVER_REFUSED(Behaviour.REFUSED),
        FIRST_SERVER_GARBAGE(Behaviour.GARBAGE);

        final Behaviour behaviour;
        final int rcode;
        final int records;

        Fault(Behaviour behaviour) {
            this(behaviour, -1, 0);
        }

        Fault(Behaviour behaviour, int rcode, int records) {
            this.behaviour = behaviour;
            this.rcode = rcode;
            this.records = records;
        }

        boolean firstServerOnly() {
            return name().startsWith("FIRST_SERVER_");
        }

        boolean isLargeSet() {
            return this == RRSET_40 || this == RRSET_300;
        }

        /**
         * The answer is there to be had: a truncated UDP answer whose TCP answer is whole, a large
         * set of addresses that holds the client's, a broken first resolver with a working second.
         */
        boolean mustBeCorrect(Place place) {
            if (isLargeSet()) {
                return place == Place.FORWARD || place == Place.HELO || place == Place.MX_HOST;
            }
            return this == TC_TCP_OK || firstServerOnly();
        }
    }

    /** One scenario's names: its own domain, client IP, PTR name, HELO name and MX host. */
    record Zone(int n, String ip, String domain) {
        static Zone of(int n) {
            return new Zone(n, "127.20." + (n / 250) + "." + (n % 250 + 1), "f" + n + ".test");
        }

        String reverse() {
            return DnsNames.reverseName(InetAddresses.require(ip));
        }

        String ptrName() {
            return "host." + domain;
        }

        String helo() {
            return "helo." + domain;
        }

        String mxHost() {
            return "mx." + domain;
        }

        String sender() {
            return "alice@" + domain;
        }

        InetAddress address() {
            return InetAddresses.require(ip);
        }

        SessionFacts facts() {
            return new SessionFacts(address(), helo(), sender(), null, null);
        }

        /** The zone's own names (and the client's reverse name): what its verdict may ask about. */
        Predicate<String> names() {
            String reverse = reverse();
            return name -> name.equals(reverse) || name.equals(domain) || name.endsWith("." + domain);
        }

        String name(Place place) {
            return switch (place) {
                case PTR -> reverse();
                case FORWARD -> ptrName();
                case HELO -> helo();
                case SENDER_MX -> domain;
                case MX_HOST -> mxHost();
            };
        }

        RecordType type(Place place) {
            return switch (place) {
                case PTR -> RecordType.PTR;
                case SENDER_MX -> RecordType.MX;
                default -> RecordType.A;
            };
        }
    }

    @TempDir
    static Path spoolDirectory;

    private final FakeDnsServer first = FakeDnsServer.start();
    private final FakeDnsServer second = FakeDnsServer.start();
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private final AtomicInteger zones = new AtomicInteger();
    private final CheckSuite suite = CheckSuite.standard(LocalIdentity.none(), GenericNameClassifier.standard());
    private final Policy policy = Policy.defaults();

    private Evaluator evaluator;
    private SmtpServer gateway;
    private PolicyServer policyServer;
    private Map<String, Result> baseline;
    /** Per path: scenarios run, the most distinct questions and queries one scenario cost. */
    private final Map<String, int[]> figures = new ConcurrentHashMap<>();
    /** "path: outcome" and how many scenarios ended so, for RELIABILITY.md. */
    private final Map<String, Integer> outcomes = new ConcurrentSkipListMap<>();

    private CachingResolver resolver() {
        return new CachingResolver(new DnsClient(List.of(first.address(), second.address()), DNS_TIMEOUT, RETRIES,
                executor), 10_000);
    }

    @BeforeAll
    void start() throws Exception {
        evaluator = new Evaluator(suite, policy, resolver(), BUDGET);

        Spool spool = new Spool(spoolDirectory, new NioSpoolFiles(), new QueueIds(Clock.systemUTC(), new SplittableRandom(8)),
                Clock.systemUTC(), 0);
        spool.recover();
        CachingResolver gatewayDns = resolver();
        GatewayContext context = new GatewayContext(SessionSettings.defaults("gw.mxguard.test").withGreetWait(Duration.ZERO),
                new RelayControl(Set.of(PROTECTED), List.of()),
                client -> new SessionChecks(suite, policy, gatewayDns, BUDGET, client), spool, envelope -> { },
                Clock.systemUTC());
        gateway = SmtpServer.start(List.of(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)),
                SmtpServer.Limits.DEFAULT, context.sessions());

        CachingResolver policyDns = resolver();
        PolicyService service = new PolicyService(client -> new SessionChecks(suite, policy, policyDns, BUDGET, client),
                new PolicyService.Settings("mx.mxguard.test", false, false, Duration.ofSeconds(20)),
                new TransactionLog(NOPLogger.NOP_LOGGER), GatewayMetrics.noop(), Clock.systemUTC());
        policyServer = PolicyServer.start(List.of(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)),
                Optional.empty(), new PolicyServer.Limits(100, Duration.ofMinutes(5), 2048, 16384), service);

        Zone healthy = install(null, null);
        Evaluator.Evaluation e = evaluator.evaluate(healthy.facts()).get(30, TimeUnit.SECONDS);
        baseline = new LinkedHashMap<>();
        e.results().forEach(r -> baseline.put(r.name(), r.result()));
        // without a fault every check that has its input passes: the faults below can only make things worse
        assertThat(baseline.values()).as("%s", e.results()).containsOnly(Result.PASS, Result.NONE);
        assertThat(baseline).containsEntry("iprev", Result.PASS).containsEntry("helo", Result.PASS)
                .containsEntry("sender-domain", Result.PASS).containsEntry("reverse-mx:mail-from", Result.PASS)
                .containsEntry("reverse-mx:ptr", Result.PASS);
        assertThat(e.verdict().action()).isEqualTo(Action.ACCEPT);
    }

    @AfterAll
    void stop() {
        if (gateway != null) {
            gateway.close();
        }
        if (policyServer != null) {
            policyServer.close();
        }
        first.close();
        second.close();
        executor.shutdownNow();
        figures.forEach((path, f) -> System.out.printf("DnsFaultsIT %s: %d scenarios, at most %d distinct questions"
                + " and %d queries per scenario (budget %d per verdict)%n", path, f[0], f[1], f[2], BUDGET));
        outcomes.forEach((outcome, n) -> System.out.printf("DnsFaultsIT %s: %d%n", outcome, n));
    }

    static Stream<Arguments> matrix() {
        List<Arguments> all = new ArrayList<>();
        for (Fault fault : Fault.values()) {
            for (Place place : Place.values()) {
                all.add(Arguments.of(fault, place));
            }
        }
        return all.stream();
    }

    // ---------------------------------------------------------------- the three paths

    @ParameterizedTest(name = "checks: {0} at {1}")
    @MethodSource("matrix")
    void theChecksEndInTemperrorOrTheRightResult(Fault fault, Place place) throws Exception {
        Zone zone = install(fault, place);

        Evaluator.Evaluation e = evaluator.evaluate(zone.facts()).get(30, TimeUnit.SECONDS);

        for (CheckResult r : e.results()) {
            Result right = baseline.get(r.name());
            if (fault.mustBeCorrect(place)) {
                assertThat(r.result()).as("%s (%s)", r.name(), r).isEqualTo(right);
            } else if (fault.isLargeSet() && r.result() == Result.PERMERROR) {
                // documented: past the budget a check is permerror, and permerror only logs by default
                assertThat(r.problem()).as("%s", r).isEqualTo("query-budget");
            } else {
                assertThat(r.result()).as("%s (%s)", r.name(), r).isIn(right, Result.TEMPERROR);
            }
        }
        assertThat(e.verdict().action()).as("%s", e.verdict()).isNotEqualTo(Action.REJECT);
        if (e.verdict().action() == Action.TEMPFAIL) {
            assertThat(e.verdict().reply().code()).isBetween(400, 499);
        }
        assertThat(e.dnsQuestions()).isLessThanOrEqualTo(BUDGET);
        assertWithinBudget("checks", zone, BUDGET);
        List<Result> results = e.results().stream().map(CheckResult::result).toList();
        count("checks", results.equals(List.copyOf(baseline.values())) ? "as without the fault"
                : results.contains(Result.TEMPERROR) ? "temperror, verdict " + e.verdict().action().text()
                : "permerror (query budget), verdict " + e.verdict().action().text());
    }

    @ParameterizedTest(name = "gateway: {0} at {1}")
    @MethodSource("matrix")
    void theGatewayAnswers4xxOrAcceptsNever5xx(Fault fault, Place place) throws Exception {
        Zone zone = install(fault, place);

        List<String> replies = smtpSession(zone);

        assertThat(replies).as("%s", replies).noneMatch(r -> r.startsWith("5"));
        if (fault.mustBeCorrect(place)) {
            assertThat(replies.getLast()).as("%s", replies).startsWith("250 ").contains("queued as");
        }
        // connect and HELO checks have one budget, the transaction's checks another
        assertWithinBudget("gateway", zone, 2 * BUDGET);
        count("gateway", replies.getLast().startsWith("250 ") ? "accepted (250 queued)" : replies.getLast().substring(0, 9));
    }

    @ParameterizedTest(name = "policy service: {0} at {1}")
    @MethodSource("matrix")
    void thePolicyServiceDefersOrAnswersAsWithoutTheFaultNeverRejects(Fault fault, Place place) throws Exception {
        Zone zone = install(fault, place);

        String answer = policyRequest(zone);

        assertThat(answer).doesNotStartWith("action=REJECT").doesNotStartWith("action=5");
        if (fault.mustBeCorrect(place)) {
            assertThat(answer).startsWith("action=PREPEND Authentication-Results:").contains("iprev=pass")
                    .doesNotContain("temperror");
        } else {
            assertThat(answer).matches("(?s)action=(PREPEND Authentication-Results:|DEFER_IF_PERMIT 4\\.).*");
        }
        assertWithinBudget("policy", zone, 2 * BUDGET);
        count("policy", answer.substring(0, answer.indexOf(' ')));
    }

    private void count(String path, String outcome) {
        outcomes.merge(path + ": " + outcome, 1, Integer::sum);
    }

    @Test
    @Order(Integer.MAX_VALUE)
    void theGatewayStillServesAHealthyClientAfterwards() throws Exception {
        List<String> replies = smtpSession(install(null, null));

        assertThat(replies.getLast()).as("%s", replies).startsWith("250 ").contains("queued as");
    }

    @Test
    void threeHundredRecordsComeOverTcp() throws Exception {
        int before = first.tcpQueries() + second.tcpQueries();
        Zone zone = install(Fault.RRSET_300, Place.FORWARD);

        Evaluator.Evaluation e = evaluator.evaluate(zone.facts()).get(30, TimeUnit.SECONDS);

        assertThat(e.results()).filteredOn(r -> r.name().equals("iprev")).singleElement()
                .satisfies(r -> assertThat(r.result()).isEqualTo(Result.PASS));
        assertThat(first.tcpQueries() + second.tcpQueries()).isGreaterThan(before);
    }

    // ---------------------------------------------------------------- zones and faults

    /** A fresh zone on both servers with the fault at the place (none when fault is null). */
    private Zone install(Fault fault, Place place) {
        Zone z = Zone.of(zones.incrementAndGet());
        for (FakeDnsServer s : List.of(first, second)) {
            records(s, z, fault, place);
        }
        if (fault != null && (fault.behaviour != null || fault.rcode >= 0)) {
            for (FakeDnsServer s : fault.firstServerOnly() ? List.of(first) : List.of(first, second)) {
                if (fault.rcode >= 0) {
                    s.rcode(z.name(place), z.type(place), fault.rcode);
                } else {
                    s.behave(z.name(place), z.type(place), fault.behaviour);
                }
            }
        }
        return z;
    }

    private static void records(FakeDnsServer s, Zone z, Fault fault, Place place) {
        Place special = fault == Fault.CNAME_LOOP || (fault != null && fault.isLargeSet()) ? place : null;
        if (fault == Fault.CNAME_LOOP) {
            String loop = "loop." + z.domain();
            s.cname(z.name(place), loop).cname(loop, z.name(place));
        }
        int others = fault != null && fault.isLargeSet() ? fault.records - 1 : 0;
        if (special != Place.PTR || fault != Fault.CNAME_LOOP) {
            for (int i = 1; special == Place.PTR && i <= others; i++) {
                s.ptr(z.ip(), "p" + i + "." + z.domain()); // no address: never confirms
            }
            s.ptr(z.ip(), z.ptrName());
        }
        addresses(s, z.ptrName(), z, special == Place.FORWARD ? fault : null, others);
        addresses(s, z.helo(), z, special == Place.HELO ? fault : null, others);
        if (special != Place.SENDER_MX || fault != Fault.CNAME_LOOP) {
            for (int i = 1; special == Place.SENDER_MX && i <= others; i++) {
                s.mx(z.domain(), 10, "mx" + i + "." + z.domain()); // no address: never the client
            }
            s.mx(z.domain(), special == Place.SENDER_MX ? 20 : 10, z.mxHost());
        }
        addresses(s, z.mxHost(), z, special == Place.MX_HOST ? fault : null, others);
    }

    /** The client's address at the name, after {@code others} other addresses for a large set; none in a loop. */
    private static void addresses(FakeDnsServer s, String name, Zone z, Fault fault, int others) {
        if (fault == Fault.CNAME_LOOP) {
            return;
        }
        for (int i = 0; fault != null && i < others; i++) {
            s.a(name, "198.18." + (i / 250) + "." + (i % 250 + 1));
        }
        s.a(name, z.ip());
    }

    /** The distinct questions about the zone's names both servers received, against the budget. */
    private void assertWithinBudget(String path, Zone zone, int budget) {
        Set<String> questions = new TreeSet<>(first.questions(zone.names()));
        questions.addAll(second.questions(zone.names()));
        int queries = first.queries(zone.names()) + second.queries(zone.names());
        figures.merge(path, new int[] {1, questions.size(), queries},
                (a, b) -> new int[] {a[0] + 1, Math.max(a[1], b[1]), Math.max(a[2], b[2])});
        assertThat(questions).as("distinct questions of one scenario").hasSizeLessThanOrEqualTo(budget);
    }

    // ---------------------------------------------------------------- clients

    /** EHLO, MAIL, RCPT and (when RCPT is accepted) a message, from the zone's client address; every reply's first line. */
    private List<String> smtpSession(Zone zone) throws IOException {
        List<String> replies = new ArrayList<>();
        try (Socket socket = new Socket()) {
            socket.bind(new InetSocketAddress(zone.address(), 0));
            socket.connect(gateway.addresses().getFirst(), 5_000);
            socket.setSoTimeout(30_000);
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII));
            OutputStream out = socket.getOutputStream();
            replies.add(reply(in));
            for (String command : List.of("EHLO " + zone.helo(), "MAIL FROM:<" + zone.sender() + ">",
                    "RCPT TO:<bob@" + PROTECTED + ">")) {
                String r = send(out, in, command);
                replies.add(r);
                if (!r.startsWith("2")) {
                    send(out, in, "QUIT");
                    return replies;
                }
            }
            String data = send(out, in, "DATA");
            replies.add(data);
            if (data.startsWith("354")) {
                replies.add(send(out, in, "From: <" + zone.sender() + ">\r\nSubject: dns faults\r\n\r\nhello\r\n."));
            }
            send(out, in, "QUIT");
        }
        return replies;
    }

    private static String send(OutputStream out, BufferedReader in, String line) throws IOException {
        out.write((line + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
        return reply(in);
    }

    /** A whole (possibly multi-line) reply; its last line. */
    private static String reply(BufferedReader in) throws IOException {
        String line;
        do {
            line = in.readLine();
            if (line == null) {
                throw new IOException("the gateway closed the connection");
            }
        } while (line.length() > 3 && line.charAt(3) == '-');
        return line;
    }

    /** One RCPT-stage request for the zone's client, HELO and sender; the answer's action line. */
    private String policyRequest(Zone zone) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(policyServer.addresses().getFirst(), 5_000);
            socket.setSoTimeout(30_000);
            String request = "request=smtpd_access_policy\nprotocol_state=RCPT\nprotocol_name=ESMTP\n"
                    + "client_address=" + zone.ip() + "\nclient_name=unknown\nhelo_name=" + zone.helo() + "\n"
                    + "sender=" + zone.sender() + "\nrecipient=bob@" + PROTECTED + "\ninstance=dnsfaults." + zone.n() + "\n\n";
            socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII));
            String action = in.readLine();
            assertThat(in.readLine()).as("the empty line after %s", action).isEmpty();
            return action;
        }
    }
}
