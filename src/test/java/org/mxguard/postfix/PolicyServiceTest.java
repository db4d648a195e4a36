package org.mxguard.postfix;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.mxguard.check.CheckSuite;
import org.mxguard.check.GenericNameClassifier;
import org.mxguard.check.LocalIdentity;
import org.mxguard.check.SessionFacts;
import org.mxguard.dns.CachingResolver;
import org.mxguard.dns.RecordType;
import org.mxguard.policy.ActionTable;
import org.mxguard.policy.Allowlist;
import org.mxguard.policy.AllowlistEntry;
import org.mxguard.policy.Evaluator;
import org.mxguard.policy.Policy;
import org.mxguard.policy.SessionChecks;
import org.mxguard.policy.Verdict;
import org.mxguard.smtp.TransactionLog;
import org.mxguard.testkit.FakeDns;
import org.mxguard.testkit.FakeDnsServer;
import org.mxguard.web.GatewayMetrics;
import org.xbill.DNS.Rcode;

/**
 * What the policy service answers, stage by stage, against a fake DNS: the gateway's verdict as an
 * access(5) action, Authentication-Results prepended once per transaction, checks run once per
 * instance, dry run, reject-at, allowlists, and one transaction-log line per decision.
 */
class PolicyServiceTest {
    private static final String GOOD_IP = "192.0.2.10";
    private static final String NO_PTR_IP = "192.0.2.20";
    private static final String GENERIC_IP = "192.0.2.30";
    private static final String SERVFAIL_IP = "192.0.2.40";

    @RegisterExtension
    final FakeDns dns = new FakeDns();
    private final FakeDnsServer server = dns.server()
            .ptr(GOOD_IP, "mail.sender.example")
            .a("mail.sender.example", GOOD_IP)
            .mx("sender.example", 10, "mail.sender.example")
            .ptr(GENERIC_IP, "dsl-192-0-2-30.dynamic.isp.example")
            .a("dsl-192-0-2-30.dynamic.isp.example", GENERIC_IP)
            .rcode("40.2.0.192.in-addr.arpa", RecordType.PTR, Rcode.SERVFAIL);
    private final CachingResolver resolver = new CachingResolver(dns.client(Duration.ofMillis(500), 0), 1000);
    private final CheckSuite suite = CheckSuite.standard(LocalIdentity.none(), GenericNameClassifier.standard());
    private final AtomicInteger sessionsStarted = new AtomicInteger();
    private final ListAppender<ILoggingEvent> lines = new ListAppender<>();
    private final ch.qos.logback.classic.Logger logger = transactionLogger(lines);
    private final GatewayMetrics metrics = new GatewayMetrics();

    /** A logger of its own, in a context of its own, whose lines the test reads. */
    private static ch.qos.logback.classic.Logger transactionLogger(ListAppender<ILoggingEvent> lines) {
        LoggerContext context = new LoggerContext();
        ch.qos.logback.classic.Logger logger = context.getLogger("transactions");
        logger.setLevel(Level.INFO);
        lines.setContext(context);
        lines.start();
        logger.addAppender(lines);
        return logger;
    }

    private PolicyService service(Policy policy, boolean rejectEarliest, boolean dryRun) {
        return new PolicyService(client -> {
            sessionsStarted.incrementAndGet();
            return new SessionChecks(suite, policy, resolver, 20, client);
        }, new PolicyService.Settings("mx.example.org", rejectEarliest, dryRun, Duration.ofSeconds(10)),
                new TransactionLog(logger), metrics, Clock.systemUTC());
    }

    private PolicyService service() {
        return service(Policy.defaults(), false, false);
    }

    private static PolicyRequest request(String state, String ip, String instance, String helo, String sender,
            String recipient) {
        Map<String, String> a = new LinkedHashMap<>();
        a.put("request", "smtpd_access_policy");
        a.put("protocol_state", state);
        a.put("protocol_name", "ESMTP");
        a.put("client_address", ip);
        a.put("client_name", "unknown");
        a.put("helo_name", helo);
        a.put("sender", sender);
        a.put("recipient", recipient);
        a.put("instance", instance);
        return new PolicyRequest(a);
    }

    private static PolicyRequest rcpt(String ip, String instance, String helo, String sender, String recipient) {
        return request("RCPT", ip, instance, helo, sender, recipient);
    }

    private Verdict reference(String ip, String helo, String sender) throws Exception {
        return new Evaluator(suite, Policy.defaults(), resolver, 20)
                .evaluate(new SessionFacts(InetAddress.getByName(ip), helo, sender, null, null))
                .get(10, TimeUnit.SECONDS).verdict();
    }

    private JsonNode line(int i) throws Exception {
        return new ObjectMapper().readTree(lines.list.get(i).getFormattedMessage());
    }

    @Test
    void anAcceptedMessageGetsAuthenticationResultsOnceAndTheChecksRunOnce() throws Exception {
        PolicyService service = service();

        PolicyAnswer first = service.answer(rcpt(GOOD_IP, "a.1", "mail.sender.example", "alice@sender.example", "b@x.example")).join();
        PolicyAnswer second = service.answer(rcpt(GOOD_IP, "a.1", "mail.sender.example", "alice@sender.example", "c@x.example")).join();
        PolicyAnswer end = service.answer(request("END-OF-MESSAGE", GOOD_IP, "a.1", "mail.sender.example",
                "alice@sender.example", "")).join();

        assertThat(first).isInstanceOf(PolicyAnswer.Prepend.class);
        assertThat(first.action()).startsWith("PREPEND Authentication-Results: mx.example.org; iprev=pass")
                .contains("policy.iprev=192.0.2.10 (mail.sender.example)", "helo=pass", "smtp.helo=mail.sender.example",
                        "sender-domain=pass", "smtp.mailfrom=alice@sender.example", "reverse-mx-mail-from=pass")
                .doesNotContain("\r", "\n", "reverse-mx-from", "reverse-mx-reply-to");
        assertThat(new String(first.wire(), java.nio.charset.StandardCharsets.US_ASCII))
                .startsWith("action=PREPEND Authentication-Results: ").endsWith("\n\n");
        assertThat(second).isEqualTo(PolicyAnswer.Dunno.INSTANCE);
        assertThat(end).isEqualTo(PolicyAnswer.Dunno.INSTANCE);
        assertThat(sessionsStarted).as("one transaction, one set of checks").hasValue(1);

        assertThat(lines.list).hasSize(3);
        JsonNode log = line(0);
        assertThat(log.get("event").asText()).isEqualTo("policy");
        assertThat(log.get("outcome").asText()).isEqualTo("prepend");
        assertThat(log.get("client-ip").asText()).isEqualTo(GOOD_IP);
        assertThat(log.get("ptr").asText()).isEqualTo("mail.sender.example");
        assertThat(log.get("mail-from").asText()).isEqualTo("alice@sender.example");
        assertThat(log.get("recipients").get(0).asText()).isEqualTo("b@x.example");
        assertThat(log.get("verdict").get("action").asText()).isEqualTo("accept");
        assertThat(log.get("verdict").get("stage").asText()).isEqualTo("rcpt");
        assertThat(log.get("reply").isNull()).isTrue();
        assertThat(line(1).get("outcome").asText()).isEqualTo("dunno");
        assertThat(line(2).get("verdict").get("stage").asText()).isEqualTo("data");
    }

    @Test
    void aRefusalIsTheGatewaysReplyAsRejectWithItsEnhancedCode() throws Exception {
        PolicyService service = service();
        Verdict expected = reference(NO_PTR_IP, "mail.sender.example", "alice@sender.example");

        PolicyAnswer answer = service.answer(rcpt(NO_PTR_IP, "b.1", "mail.sender.example", "alice@sender.example", "b@x.example")).join();

        assertThat(expected.reply().code()).isEqualTo(550);
        assertThat(answer).isEqualTo(new PolicyAnswer.Refusal(expected.reply()));
        assertThat(answer.action()).isEqualTo("REJECT " + expected.reply().enhanced() + " " + expected.reply().text());
        assertThat(answer.action()).startsWith("REJECT 5.7.25 Reverse DNS validation failed");
        JsonNode log = line(0);
        assertThat(log.get("outcome").asText()).isEqualTo("reject");
        assertThat(log.get("recipients")).isEmpty();
        assertThat(log.get("refused-recipients").get(0).get("address").asText()).isEqualTo("b@x.example");
        assertThat(log.get("reply").asText()).startsWith("550 5.7.25 ");
    }

    @Test
    void aTemporaryDnsFailureIsDeferIfPermitNeverReject() throws Exception {
        PolicyService service = service();
        Verdict expected = reference(SERVFAIL_IP, "mail.sender.example", "alice@sender.example");

        PolicyAnswer answer = service.answer(rcpt(SERVFAIL_IP, "c.1", "mail.sender.example", "alice@sender.example", "b@x.example")).join();

        assertThat(expected.reply().code()).isEqualTo(451);
        assertThat(answer).isInstanceOf(PolicyAnswer.Refusal.class);
        assertThat(answer.action()).startsWith("DEFER_IF_PERMIT 4.4.3 Temporary DNS failure");
        assertThat(line(0).get("outcome").asText()).isEqualTo("defer_if_permit");
    }

    @Test
    void aTagVerdictPrependsTheTagFieldAtTheNextChance() throws Exception {
        PolicyService service = service();
        String helo = "dsl-192-0-2-30.dynamic.isp.example";

        PolicyAnswer first = service.answer(rcpt(GENERIC_IP, "d.1", helo, "alice@sender.example", "b@x.example")).join();
        PolicyAnswer data = service.answer(request("DATA", GENERIC_IP, "d.1", helo, "alice@sender.example", "")).join();
        PolicyAnswer more = service.answer(rcpt(GENERIC_IP, "d.1", helo, "alice@sender.example", "c@x.example")).join();

        assertThat(first.action()).startsWith("PREPEND Authentication-Results: mx.example.org;").contains("generic-ptr=fail");
        assertThat(data.action()).isEqualTo("PREPEND X-Mxguard-Tag: generic-ptr=fail");
        assertThat(more).isEqualTo(PolicyAnswer.Dunno.INSTANCE);
    }

    @Test
    void aDryRunRefusesNothingAndLogsTheVerdict() throws Exception {
        PolicyService service = service(Policy.defaults(), false, true);

        PolicyAnswer answer = service.answer(rcpt(NO_PTR_IP, "e.1", "mail.sender.example", "alice@sender.example", "b@x.example")).join();

        assertThat(answer.action()).startsWith("PREPEND Authentication-Results: mx.example.org; iprev=fail");
        JsonNode log = line(0);
        assertThat(log.get("dry-run").asBoolean()).isTrue();
        assertThat(log.get("outcome").asText()).isEqualTo("prepend");
        assertThat(log.get("verdict").get("action").asText()).isEqualTo("reject");
    }

    @Test
    void beforeRcptTheChecksStartAndTheAnswerWaitsUnlessRejectAtEarliest() throws Exception {
        PolicyRequest helo = request("EHLO", NO_PTR_IP, "", "mail.sender.example", "", "");

        assertThat(service().answer(helo).join()).isEqualTo(PolicyAnswer.Dunno.INSTANCE);
        assertThat(lines.list).as("no verdict, no line").isEmpty();
        PolicyAnswer earliest = service(Policy.defaults(), true, false).answer(helo).join();
        assertThat(earliest.action()).startsWith("REJECT 5.7.25 ");
        assertThat(line(0).get("verdict").get("stage").asText()).isEqualTo("helo");
        assertThat(line(0).get("mail-from").isNull()).as("no sender before MAIL").isTrue();
        assertThat(service(Policy.defaults(), true, false).answer(request("CONNECT", GOOD_IP, "", "", "", "")).join())
                .isEqualTo(PolicyAnswer.Dunno.INSTANCE);
    }

    @Test
    void allowlistsApply() throws Exception {
        Policy allowing = new Policy(ActionTable.defaults(), new Allowlist(List.of(new AllowlistEntry(
                AllowlistEntry.Kind.CIDR, "192.0.2.0/24", List.of("iprev", "generic-ptr"), "partner"))));
        PolicyAnswer answer = service(allowing, false, false)
                .answer(rcpt(NO_PTR_IP, "f.1", "mail.sender.example", "alice@sender.example", "b@x.example")).join();
        assertThat(answer).isInstanceOf(PolicyAnswer.Prepend.class);
    }

    @Test
    void eachTransactionHasItsOwnChecksAndItsOwnHeader() throws Exception {
        PolicyService service = service();
        assertThat(service.answer(rcpt(GOOD_IP, "g.1", "mail.sender.example", "alice@sender.example", "b@x.example")).join())
                .isInstanceOf(PolicyAnswer.Prepend.class);
        assertThat(service.answer(rcpt(GOOD_IP, "g.2", "mail.sender.example", "<>".substring(2), "b@x.example")).join())
                .as("the next transaction, from the null sender").isInstanceOf(PolicyAnswer.Prepend.class);
        assertThat(sessionsStarted).hasValue(2);
        assertThat(line(1).get("mail-from").asText()).isEmpty();
    }

    @Test
    void aRepeatedClientHeloAndSenderIsJudgedOnceAndAnsweredTheSame() throws Exception {
        PolicyService service = service();
        PolicyAnswer first = service.answer(rcpt(NO_PTR_IP, "r.1", "mail.sender.example", "alice@sender.example", "b@x.example")).join();
        PolicyAnswer again = service.answer(rcpt(NO_PTR_IP, "r.2", "mail.sender.example", "alice@sender.example", "c@x.example")).join();
        PolicyAnswer accepted = service.answer(rcpt(GOOD_IP, "r.3", "mail.sender.example", "alice@sender.example", "b@x.example")).join();
        PolicyAnswer acceptedAgain = service.answer(rcpt(GOOD_IP, "r.4", "mail.sender.example", "alice@sender.example", "b@x.example")).join();

        assertThat(again).isEqualTo(first).isInstanceOf(PolicyAnswer.Refusal.class);
        assertThat(acceptedAgain).as("its own Authentication-Results, the same text")
                .isEqualTo(accepted).isInstanceOf(PolicyAnswer.Prepend.class);
        assertThat(sessionsStarted).as("two verdicts for four transactions").hasValue(2);
        assertThat(lines.list).as("still one log line per decision").hasSize(4);
        assertThat(line(1).toString()).contains("c@x.example");

        service.answer(rcpt(NO_PTR_IP, "r.5", "other.sender.example", "alice@sender.example", "b@x.example")).join();
        assertThat(sessionsStarted).as("another HELO name: judged again").hasValue(3);
        service.reload(client -> {
            sessionsStarted.incrementAndGet();
            return new SessionChecks(suite, Policy.defaults(), resolver, 20, client);
        }, new PolicyService.Settings("mx.example.org", false, false, Duration.ofSeconds(10)));
        service.answer(rcpt(NO_PTR_IP, "r.6", "mail.sender.example", "alice@sender.example", "b@x.example")).join();
        assertThat(sessionsStarted).as("a reload forgets what was judged").hasValue(4);
    }

    @Test
    void aVerdictWithATemporaryFailureIsNotRemembered() throws Exception {
        PolicyService service = service();
        PolicyAnswer first = service.answer(rcpt(SERVFAIL_IP, "t.1", "mail.sender.example", "alice@sender.example", "b@x.example")).join();
        service.answer(rcpt(SERVFAIL_IP, "t.2", "mail.sender.example", "alice@sender.example", "b@x.example")).join();

        assertThat(first).isInstanceOf(PolicyAnswer.Refusal.class);
        assertThat(((PolicyAnswer.Refusal) first).permanent()).isFalse();
        assertThat(sessionsStarted).hasValue(2);
    }

    @Test
    void checksThatOutlastTheVerdictTimeoutAreDeferIfPermitAndTheAnswerDoesNotWaitLonger() throws Exception {
        java.util.List<CompletableFuture<org.mxguard.dns.DnsAnswer<?>>> asked = new java.util.concurrent.CopyOnWriteArrayList<>();
        org.mxguard.dns.Resolver silent = question -> {
            CompletableFuture<org.mxguard.dns.DnsAnswer<?>> never = new CompletableFuture<>();
            asked.add(never);
            return never;
        };
        PolicyService service = new PolicyService(client -> new SessionChecks(suite, Policy.defaults(), silent, 20, client),
                new PolicyService.Settings("mx.example.org", false, false, Duration.ofMillis(300)),
                new TransactionLog(logger), metrics, Clock.systemUTC());

        CompletableFuture<PolicyAnswer> pending = service.answer(
                rcpt(GOOD_IP, "w.1", "mail.sender.example", "alice@sender.example", "b@x.example"));
        assertThat(pending).as("the DNS has not answered: the answer is not ready").isNotDone();
        PolicyAnswer answer = pending.get(10, TimeUnit.SECONDS);

        assertThat(answer.action()).isEqualTo("DEFER_IF_PERMIT 4.3.0 Temporary failure in the sender checks; try again later");
        assertThat(asked).as("the checks asked").isNotEmpty();
        assertThat(line(0).get("outcome").asText()).isEqualTo("defer_if_permit");
        // one request's timeout did not end the transaction's verdict: the next request waits for it again
        CompletableFuture<PolicyAnswer> next = service.answer(rcpt(GOOD_IP, "w.1", "mail.sender.example",
                "alice@sender.example", "c@x.example"));
        assertThat(next).isNotDone();
        assertThat(next.get(10, TimeUnit.SECONDS).action()).startsWith("DEFER_IF_PERMIT 4.3.0");
    }

    @Test
    void requestsThatAreNotOursAreDunno() {
        PolicyService service = service();
        assertThat(service.answer(request("VRFY", GOOD_IP, "", "x", "", "b@x.example")).join()).isEqualTo(PolicyAnswer.Dunno.INSTANCE);
        assertThat(service.answer(rcpt("unknown", "h.1", "x", "a@b.example", "b@x.example")).join())
                .isEqualTo(PolicyAnswer.Dunno.INSTANCE);
        Map<String, String> other = new LinkedHashMap<>(rcpt(GOOD_IP, "h.2", "x", "", "b@x.example").attributes());
        other.put("request", "junk_mail_policy");
        assertThat(service.answer(new PolicyRequest(other)).join()).isEqualTo(PolicyAnswer.Dunno.INSTANCE);
        assertThat(sessionsStarted).hasValue(0);
        assertThat(lines.list).isEmpty();
    }
}
