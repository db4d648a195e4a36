package org.mxguard.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.mxguard.check.CheckResult;
import org.mxguard.check.Result;
import org.mxguard.dns.InetAddresses;
import org.mxguard.policy.Action;
import org.mxguard.policy.Decision;
import org.mxguard.policy.Evaluator;
import org.mxguard.policy.Reply;
import org.mxguard.policy.Verdict;
import org.slf4j.LoggerFactory;

/** The transaction log's line: one line of JSON with the documented fields, whatever the client sent. */
class TransactionLogTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    /** The documented fields, in the order written. */
    static final List<String> FIELDS = List.of("time", "event", "outcome", "client-ip", "ptr", "helo", "mail-from",
            "recipients", "refused-recipients", "checks", "verdict", "dry-run", "queue-id", "size", "dns-questions",
            "dns-refused", "reply", "transaction-ms", "session-ms");

    private static final InetAddress CLIENT = InetAddresses.require("192.0.2.7");
    private static final Instant TIME = Instant.parse("2025-03-04T05:06:07.089Z");

    /** A queued message after a verdict at end of DATA, built as the session would. */
    static TransactionRecord queued() {
        CheckResult iprev = CheckResult.pass("iprev", "192.0.2.7 has PTR mail.example.org, which resolves back to it",
                Map.of("ptr", "mail.example.org", "confirmed", "mail.example.org, mx.example.org"));
        CheckResult generic = CheckResult.of("generic-ptr", Result.FAIL, "generic",
                "mail.example.org looks generic", Map.of());
        CheckResult sender = CheckResult.of("sender-domain", Result.TEMPERROR, "",
                "MX example.org: timeout from 127.0.0.1:53", Map.of());
        Verdict verdict = new Verdict(Action.TAG, Reply.OK, List.of(new Decision(iprev, Action.ACCEPT, ""),
                new Decision(generic, Action.TAG, ""), new Decision(sender, Action.LOG, "")));
        Evaluator.Evaluation evaluation = new Evaluator.Evaluation(verdict, List.of(iprev, generic, sender), 9, 1);
        return TransactionRecord.builder(TransactionRecord.Outcome.QUEUED, TIME, CLIENT)
                .helo("mail.example.org")
                .mailFrom("alice@example.org")
                .recipients(List.of("bob@example.net", "carol@example.net"))
                .refusedRecipient("mallory@elsewhere.example", new Reply(554, "5.7.1", "Relay access denied"))
                .evaluation(evaluation, "data")
                .dryRun(false)
                .queueId("4ZxQ2kJ7")
                .size(12_345)
                .reply(new Reply(250, "2.0.0", "Ok: queued as 4ZxQ2kJ7"))
                .transactionTime(Duration.ofMillis(1_234))
                .sessionTime(Duration.ofMillis(2_500))
                .build();
    }

    @Test
    void aQueuedMessageHasEveryDocumentedField() throws Exception {
        String line = TransactionLog.toJson(queued());

        assertThat(line).doesNotContain("\n", "\r");
        JsonNode json = MAPPER.readTree(line);
        assertThat(fieldNames(json)).containsExactlyElementsOf(FIELDS);
        assertThat(json.get("time").asText()).isEqualTo("2025-03-04T05:06:07.089Z");
        assertThat(json.get("event").asText()).isEqualTo("transaction");
        assertThat(json.get("outcome").asText()).isEqualTo("queued");
        assertThat(json.get("client-ip").asText()).isEqualTo("192.0.2.7");
        assertThat(json.get("ptr").asText()).isEqualTo("mail.example.org"); // the first confirmed name
        assertThat(json.get("helo").asText()).isEqualTo("mail.example.org");
        assertThat(json.get("mail-from").asText()).isEqualTo("alice@example.org");
        assertThat(json.get("recipients")).extracting(JsonNode::asText)
                .containsExactly("bob@example.net", "carol@example.net");
        JsonNode refused = json.get("refused-recipients");
        assertThat(refused).hasSize(1);
        assertThat(refused.get(0).get("address").asText()).isEqualTo("mallory@elsewhere.example");
        assertThat(refused.get(0).get("reply").asText()).isEqualTo("554 5.7.1 Relay access denied");

        JsonNode checks = json.get("checks");
        assertThat(checks).hasSize(3);
        for (JsonNode check : checks) {
            assertThat(fieldNames(check)).containsExactly("name", "result", "problem", "reason", "action");
        }
        assertThat(checks.get(0).get("name").asText()).isEqualTo("iprev");
        assertThat(checks.get(0).get("result").asText()).isEqualTo("pass");
        assertThat(checks.get(0).get("problem").asText()).isEmpty();
        assertThat(checks.get(0).get("action").asText()).isEqualTo("accept");
        assertThat(checks.get(1).get("name").asText()).isEqualTo("generic-ptr");
        assertThat(checks.get(1).get("result").asText()).isEqualTo("fail");
        assertThat(checks.get(1).get("problem").asText()).isEqualTo("generic");
        assertThat(checks.get(1).get("reason").asText()).isEqualTo("mail.example.org looks generic");
        assertThat(checks.get(1).get("action").asText()).isEqualTo("tag");
        assertThat(checks.get(2).get("result").asText()).isEqualTo("temperror");

        assertThat(fieldNames(json.get("verdict"))).containsExactly("action", "reply", "stage");
        assertThat(json.get("verdict").get("action").asText()).isEqualTo("tag");
        assertThat(json.get("verdict").get("reply").asText()).isEqualTo("250 2.0.0 Ok");
        assertThat(json.get("verdict").get("stage").asText()).isEqualTo("data");
        assertThat(json.get("dry-run").isBoolean()).isTrue();
        assertThat(json.get("dry-run").asBoolean()).isFalse();
        assertThat(json.get("queue-id").asText()).isEqualTo("4ZxQ2kJ7");
        assertThat(json.get("size").asLong()).isEqualTo(12_345);
        assertThat(json.get("dns-questions").asInt()).isEqualTo(9);
        assertThat(json.get("dns-refused").asInt()).isEqualTo(1);
        assertThat(json.get("reply").asText()).isEqualTo("250 2.0.0 Ok: queued as 4ZxQ2kJ7");
        assertThat(json.get("transaction-ms").asLong()).isEqualTo(1_234);
        assertThat(json.get("session-ms").asLong()).isEqualTo(2_500);
    }

    @Test
    void aRefusedConnectionHasTheSameFieldsWithNulls() throws Exception {
        TransactionRecord refused = TransactionRecord.builder(TransactionRecord.Outcome.REFUSED_LIMIT, TIME,
                        InetAddresses.require("2001:db8:0:0:0:0:0:25"))
                .reply(new Reply(421, "4.7.0", "Error: too many connections from 2001:db8::25"))
                .build();

        JsonNode json = MAPPER.readTree(TransactionLog.toJson(refused));

        assertThat(fieldNames(json)).containsExactlyElementsOf(FIELDS);
        assertThat(json.get("event").asText()).isEqualTo("refused");
        assertThat(json.get("outcome").asText()).isEqualTo("refused_limit");
        assertThat(json.get("client-ip").asText()).isEqualTo("2001:db8::25");
        for (String absent : List.of("ptr", "helo", "mail-from", "verdict", "queue-id", "size", "transaction-ms",
                "session-ms")) {
            assertThat(json.get(absent).isNull()).as(absent).isTrue();
        }
        assertThat(json.get("recipients")).isEmpty();
        assertThat(json.get("refused-recipients")).isEmpty();
        assertThat(json.get("checks")).isEmpty();
        assertThat(json.get("dns-questions").asInt()).isZero();
        assertThat(json.get("reply").asText()).isEqualTo("421 4.7.0 Error: too many connections from 2001:db8::25");
    }

    @Test
    void aReplyWithoutEnhancedCodeAndTheNullReversePath() throws Exception {
        TransactionRecord record = TransactionRecord.builder(TransactionRecord.Outcome.PREGREET, TIME, CLIENT)
                .mailFrom("")
                .reply(new Reply(220, null, "mx.example.org ESMTP mxguard"))
                .build();

        JsonNode json = MAPPER.readTree(TransactionLog.toJson(record));

        assertThat(json.get("mail-from").isTextual()).isTrue();
        assertThat(json.get("mail-from").asText()).isEmpty();
        assertThat(json.get("reply").asText()).isEqualTo("220 mx.example.org ESMTP mxguard");
    }

    @Test
    void oddCharactersAreEscapedAndTheLineStaysOneLine() throws Exception {
        String helo = "evil\r\n{\"injected\": true}\n\u2028\u2029\u0085\013\f\u001c\u001d\u001e\t\u0000"
                + "\u001b[31m\\\"é日本\uD83D\uDCE7\u007f";
        String reason = "HELO \"" + helo + "\" does not resolve\r\n250 fake";
        TransactionRecord record = TransactionRecord.builder(TransactionRecord.Outcome.REJECTED, TIME, CLIENT)
                .helo(helo)
                .mailFrom("a\u2028b@example.org")
                .recipients(List.of("x\ny@example.net"))
                .checks(List.of(new TransactionRecord.CheckEntry("helo", Result.FAIL, "no-address", reason, Action.LOG)))
                .verdict(new TransactionRecord.VerdictEntry(Action.REJECT, new Reply(550, "5.7.1", reason), "rcpt"))
                .reply(new Reply(550, "5.7.1", reason))
                .build();

        String line = TransactionLog.toJson(record);

        assertThat(lineBreaksIn(line)).isEmpty();
        assertThat(line.lines().count()).isEqualTo(1);
        JsonNode json = MAPPER.readTree(line);
        assertThat(fieldNames(json)).containsExactlyElementsOf(FIELDS);
        assertThat(json.get("helo").asText()).isEqualTo(helo);
        assertThat(json.get("mail-from").asText()).isEqualTo("a\u2028b@example.org");
        assertThat(json.get("recipients").get(0).asText()).isEqualTo("x\ny@example.net");
        assertThat(json.get("checks").get(0).get("reason").asText()).isEqualTo(reason);
        assertThat(json.get("verdict").get("reply").asText()).isEqualTo("550 5.7.1 " + reason);
        assertThat(json.has("injected")).isFalse();
        // readable non-ASCII stays as it is; only what breaks lines is escaped
        assertThat(line).contains("é日本\uD83D\uDCE7").contains("\\u2028", "\\u2029", "\\u0085", "\\r\\n");
    }

    @Test
    void writeLogsTheLineAtInfoToTheTransactionsLogger() throws Exception {
        ch.qos.logback.classic.Logger logger =
                (ch.qos.logback.classic.Logger) LoggerFactory.getLogger(TransactionLog.LOGGER);
        assertThat(TransactionLog.LOGGER).isEqualTo("mxguard.transactions");
        ListAppender<ILoggingEvent> appender = new ListAppender<>();
        appender.start();
        Level before = logger.getLevel();
        boolean additive = logger.isAdditive();
        logger.addAppender(appender);
        logger.setLevel(Level.INFO);
        logger.setAdditive(false);
        try {
            TransactionRecord record = queued();
            new TransactionLog().write(record);

            assertThat(appender.list).hasSize(1);
            ILoggingEvent event = appender.list.get(0);
            assertThat(event.getLoggerName()).isEqualTo("mxguard.transactions");
            assertThat(event.getLevel()).isEqualTo(Level.INFO);
            assertThat(event.getFormattedMessage()).isEqualTo(TransactionLog.toJson(record));
            assertThat(MAPPER.readTree(event.getFormattedMessage()).get("queue-id").asText()).isEqualTo("4ZxQ2kJ7");
            TransactionRecord braces = TransactionRecord.builder(TransactionRecord.Outcome.PREGREET, TIME, CLIENT)
                    .helo("a{}b {} {").build();
            new TransactionLog().write(braces);
            assertThat(appender.list.get(1).getFormattedMessage()).as("a line is no format: its {} stay")
                    .isEqualTo(TransactionLog.toJson(braces)).contains("a{}b {} {");

            logger.setLevel(Level.WARN); // switched off: nothing rendered, nothing written
            new TransactionLog().write(record);
            assertThat(appender.list).hasSize(2);
        } finally {
            logger.detachAppender(appender);
            logger.setLevel(before);
            logger.setAdditive(additive);
        }
    }

    @Test
    void aJsonLookingHeloIsNotTakenForAFormatArgument() {
        // the line is passed as an argument, never as the format: "{}" in client text stays as sent
        ch.qos.logback.classic.Logger logger =
                (ch.qos.logback.classic.Logger) LoggerFactory.getLogger(TransactionLog.LOGGER);
        ListAppender<ILoggingEvent> appender = new ListAppender<>();
        appender.start();
        Level before = logger.getLevel();
        boolean additive = logger.isAdditive();
        logger.addAppender(appender);
        logger.setLevel(Level.INFO);
        logger.setAdditive(false);
        try {
            TransactionRecord record = TransactionRecord.builder(TransactionRecord.Outcome.CLOSED, TIME, CLIENT)
                    .helo("{} {}").build();
            new TransactionLog().write(record);
            assertThat(appender.list.get(0).getFormattedMessage()).contains("\"helo\":\"{} {}\"");
        } finally {
            logger.detachAppender(appender);
            logger.setLevel(before);
            logger.setAdditive(additive);
        }
    }

    @Test
    void outcomesBelongToTheirEvents() {
        assertThat(TransactionRecord.Outcome.refusedWith(new Reply(550, "5.7.25", "no")))
                .isEqualTo(TransactionRecord.Outcome.REJECTED);
        assertThat(TransactionRecord.Outcome.refusedWith(new Reply(451, "4.4.3", "later")))
                .isEqualTo(TransactionRecord.Outcome.TEMPFAILED);
        assertThat(TransactionRecord.Outcome.CLOSED.event()).isEqualTo(TransactionRecord.Event.SESSION);
        assertThat(TransactionRecord.Outcome.PREGREET.event()).isEqualTo(TransactionRecord.Event.REFUSED);
        assertThat(TransactionRecord.Outcome.ABORTED.event()).isEqualTo(TransactionRecord.Event.TRANSACTION);
    }

    /** Every position where some common reader would end a line (Java's \R, Python's splitlines, JS). */
    static List<Integer> lineBreaksIn(String line) {
        List<Integer> at = new ArrayList<>();
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c < 0x20 || c == 0x85 || c == 0x2028 || c == 0x2029) {
                at.add(i);
            }
        }
        return at;
    }

    private static List<String> fieldNames(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
