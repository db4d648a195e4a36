package org.mxguard.postfix;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.mxguard.check.CheckSuite;
import org.mxguard.check.GenericNameClassifier;
import org.mxguard.check.LocalIdentity;
import org.mxguard.config.ConfigLoader;
import org.mxguard.dns.CachingResolver;
import org.mxguard.dns.RecordType;
import org.mxguard.policy.Policy;
import org.mxguard.policy.SessionChecks;
import org.mxguard.testkit.Behaviour;
import org.mxguard.testkit.FakeDns;
import org.mxguard.testkit.FakeDnsServer;
import org.mxguard.web.GatewayMetrics;

/**
 * The milter's answers, event by event, as Postfix would send them: each check outcome becomes the
 * gateway's reply at RCPT or at the end of the message, what passes gets the gateway's header
 * fields, and each transaction one log line. Postfix's own traffic (v6 offer, its default macros) is
 * what {@link #postfix} sends.
 */
class MilterConversationTest {
    private static final String GOOD = "192.0.2.10";
    private static final String NO_PTR = "192.0.2.66";
    private static final String SERVFAIL_PTR = "192.0.2.77";

    @RegisterExtension
    final FakeDns dns = new FakeDns();
    private final FakeDnsServer server = dns.server()
            .ptr(GOOD, "mail.sender.example")
            .a("mail.sender.example", GOOD)
            .mx("sender.example", 10, "mail.sender.example")
            .mx("other.example", 10, "mx.other.example")
            .a("mx.other.example", "198.51.100.1")
            .behave("77.2.0.192.in-addr.arpa", RecordType.PTR, Behaviour.SERVFAIL);
    private final CachingResolver resolver = new CachingResolver(dns.client(Duration.ofMillis(500), 1), 1000);
    private final TransactionLines lines = new TransactionLines();

    private MilterConversation conversation(String toml, boolean dryRun) throws Exception {
        Policy policy = ConfigLoader.parse(toml, Path.of("test.toml")).policy();
        CheckSuite suite = CheckSuite.standard(LocalIdentity.none(), GenericNameClassifier.standard());
        MilterSetup setup = new MilterSetup(MilterSetup.Settings.defaults("fallback.example").withDryRun(dryRun),
                client -> new SessionChecks(suite, policy, resolver, 20, client), lines.log(), GatewayMetrics.noop(),
                Clock.systemUTC());
        return new MilterConversation(setup);
    }

    private MilterConversation conversation() throws Exception {
        return conversation("", false);
    }

    private static Map<String, String> macros(String... nameValue) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < nameValue.length; i += 2) {
            m.put(nameValue[i], nameValue[i + 1]);
        }
        return m;
    }

    /** Postfix 3.x with milter_protocol = 6 and its default macros, up to and with the envelope of one message. */
    private static List<MilterEvent> postfix(String ip, String helo, String mailFrom, String rcpt) {
        return List.of(new MilterEvent.Negotiate(6, 0x1ff, 0x1fffff),
                new MilterEvent.Macros('C', macros("j", "mx.protected.example", "{daemon_name}", "smtpd",
                        "_", "unknown [" + ip + "]")),
                new MilterEvent.Connect("[" + ip + "]", MilterEvent.Family.INET, 40000, ip),
                new MilterEvent.Helo(helo),
                new MilterEvent.Macros('M', macros("i", "4QueueId1", "{mail_addr}", mailFrom)),
                new MilterEvent.Mail(List.of("<" + mailFrom + ">", "SIZE=100")),
                new MilterEvent.Macros('R', macros("i", "4QueueId1", "{rcpt_addr}", rcpt)),
                new MilterEvent.Recipient(List.of("<" + rcpt + ">")));
    }

    private static List<MilterReply> play(MilterConversation c, List<MilterEvent> events) throws IOException {
        List<MilterReply> last = List.of();
        for (MilterEvent e : events) {
            last = c.on(e);
        }
        return last;
    }

    private static List<MilterReply> message(MilterConversation c, String... headers) throws IOException {
        for (int i = 0; i < headers.length; i += 2) {
            assertThat(c.on(new MilterEvent.Header(headers[i], headers[i + 1]))).as("no reply per header (SMFIP_NR_HDR)")
                    .isEmpty();
        }
        assertThat(c.on(new MilterEvent.EndOfHeaders())).containsExactly(new MilterReply.Continue());
        return c.on(new MilterEvent.EndOfMessage());
    }

    @Test
    void negotiatesOnlyWhatItNeedsOfWhatPostfixOffers() throws Exception {
        List<MilterReply> reply = conversation().on(new MilterEvent.Negotiate(6, 0x1ff, 0x1fffff));
        // ADDHDRS|CHGHDRS; NOBODY|NR_HDR|NOUNKNOWN|NODATA
        assertThat(reply).containsExactly(new MilterReply.Negotiate(6, 0x11, 0x390));
        assertThat(conversation().on(new MilterEvent.Negotiate(2, 0x01, 0x7f)))
                .as("an old MTA: its version, and only what it offers").containsExactly(new MilterReply.Negotiate(2, 0x01, 0x10));
        assertThatThrownBy(() -> conversation().on(new MilterEvent.Negotiate(1, 0x1ff, 0x7f)))
                .isInstanceOf(MilterProtocolException.class).hasMessageContaining("version 1");
    }

    @Test
    void aGoodClientPassesWithTheGatewaysAuthenticationResults() throws Exception {
        MilterConversation c = conversation();
        assertThat(play(c, postfix(GOOD, "mail.sender.example", "alice@sender.example", "bob@protected.example")))
                .containsExactly(new MilterReply.Continue());
        List<MilterReply> eom = message(c, "From", "Alice\n <alice@sender.example>", "Subject", "hi");

        assertThat(eom).hasSize(2);
        MilterReply.InsertHeader ar = (MilterReply.InsertHeader) eom.get(0);
        assertThat(ar.index()).as("just below Postfix's Received:").isEqualTo(1);
        assertThat(ar.name()).isEqualTo("Authentication-Results");
        assertThat(ar.value()).startsWith("mx.protected.example;").contains("iprev=pass", "helo=pass",
                "reverse-mx-from=pass", "smtp.mailfrom=alice@sender.example").doesNotContain("\r");
        assertThat(eom.get(1)).isEqualTo(new MilterReply.Continue());

        JsonNode line = lines.only();
        assertThat(line.get("outcome").asText()).isEqualTo("queued");
        assertThat(line.get("queue-id").asText()).as("Postfix's queue id, from macro i").isEqualTo("4QueueId1");
        assertThat(line.get("client-ip").asText()).isEqualTo(GOOD);
        assertThat(line.get("ptr").asText()).isEqualTo("mail.sender.example");
        assertThat(line.get("recipients").get(0).asText()).isEqualTo("bob@protected.example");
        assertThat(line.get("verdict").get("stage").asText()).isEqualTo("data");
        assertThat(line.get("reply").isNull()).as("Postfix gives the reply").isTrue();
    }

    @Test
    void anIprevFailureIsRefusedAtRcptWithTheVerdictsReply() throws Exception {
        MilterConversation c = conversation();
        List<MilterReply> rcpt = play(c, postfix(NO_PTR, "client.example", "alice@sender.example", "bob@protected.example"));
        assertThat(rcpt).hasSize(1);
        assertThat(((MilterReply.ReplyCode) rcpt.getFirst()).reply()).startsWith("550 5.7.25 ");
        assertThat(c.on(new MilterEvent.Recipient(List.of("<carol@protected.example>"))))
                .as("each recipient, from one verdict").isEqualTo(rcpt);
        assertThat(lines.lines()).isEmpty();

        c.on(new MilterEvent.Abort());
        JsonNode line = lines.only();
        assertThat(line.get("outcome").asText()).isEqualTo("rejected");
        assertThat(line.get("refused-recipients")).hasSize(2);
        assertThat(line.get("verdict").get("stage").asText()).isEqualTo("rcpt");
        assertThat(line.get("reply").asText()).startsWith("550 5.7.25 ");
        c.on(new MilterEvent.Quit());
        assertThat(lines.lines()).as("one line per transaction, no session line after one").hasSize(1);
    }

    @Test
    void aDnsFailureNeverGivesA5xx() throws Exception {
        MilterConversation c = conversation();
        List<MilterReply> rcpt = play(c, postfix(SERVFAIL_PTR, "client.example", "alice@sender.example", "bob@protected.example"));
        assertThat(((MilterReply.ReplyCode) rcpt.getFirst()).reply()).startsWith("451 4.4.3 ");
    }

    @Test
    void aHeaderCheckRefusesAtTheEndOfTheMessage() throws Exception {
        MilterConversation c = conversation("[policy.\"reverse-mx:from\"]\nfail = \"reject\"\n", false);
        assertThat(play(c, postfix(GOOD, "mail.sender.example", "alice@sender.example", "bob@protected.example")))
                .containsExactly(new MilterReply.Continue());
        List<MilterReply> eom = message(c, "From", "<boss@other.example>");
        assertThat(eom).hasSize(1);
        assertThat(((MilterReply.ReplyCode) eom.getFirst()).reply()).startsWith("550 5.7.1 ");
        JsonNode line = lines.only();
        assertThat(line.get("outcome").asText()).isEqualTo("rejected");
        assertThat(line.get("verdict").get("stage").asText()).isEqualTo("data");
    }

    @Test
    void aTagAddsXMxguardTagBelowAuthenticationResults() throws Exception {
        MilterConversation c = conversation("[policy.\"reverse-mx:reply-to\"]\nfail = \"tag\"\n", false);
        play(c, postfix(GOOD, "mail.sender.example", "alice@sender.example", "bob@protected.example"));
        List<MilterReply> eom = message(c, "From", "alice@sender.example", "Reply-To", "x@other.example");
        assertThat(eom).hasSize(3);
        assertThat(eom.get(1)).isEqualTo(new MilterReply.InsertHeader(2, "X-Mxguard-Tag", "reverse-mx:reply-to=fail"));
        assertThat(lines.only().get("verdict").get("action").asText()).isEqualTo("tag");
    }

    @Test
    void aDryRunRefusesNothingAndLogsTheVerdict() throws Exception {
        MilterConversation c = conversation("", true);
        assertThat(play(c, postfix(NO_PTR, "client.example", "alice@sender.example", "bob@protected.example")))
                .containsExactly(new MilterReply.Continue());
        List<MilterReply> eom = message(c, "From", "alice@sender.example");
        assertThat(eom.getLast()).isEqualTo(new MilterReply.Continue());
        assertThat(((MilterReply.InsertHeader) eom.getFirst()).value()).contains("iprev=fail");
        JsonNode line = lines.only();
        assertThat(line.get("dry-run").asBoolean()).isTrue();
        assertThat(line.get("verdict").get("action").asText()).isEqualTo("reject");
        assertThat(line.get("outcome").asText()).isEqualTo("queued");
    }

    @Test
    void anAllowlistedNetworkPasses() throws Exception {
        MilterConversation c = conversation("[[allowlist]]\ncidr = \"192.0.2.0/24\"\n", false);
        assertThat(play(c, postfix(NO_PTR, "client.example", "alice@sender.example", "bob@protected.example")))
                .containsExactly(new MilterReply.Continue());
    }

    @Test
    void withoutMacrosTheEventsThemselvesAreRead() throws Exception {
        MilterConversation c = conversation();
        List<MilterEvent> bare = new ArrayList<>();
        for (MilterEvent e : postfix(NO_PTR, "client.example", "ignored@x", "ignored@x")) {
            if (!(e instanceof MilterEvent.Macros)) {
                bare.add(e);
            }
        }
        // no {client_addr}, _ or j: the connect packet's address; no {mail_addr}: the MAIL argument
        List<MilterReply> rcpt = play(c, List.of(bare.get(0),
                new MilterEvent.Connect("[" + GOOD + "]", MilterEvent.Family.INET, 1, GOOD),
                new MilterEvent.Helo("mail.sender.example"),
                new MilterEvent.Mail(List.of("<@relay.example:alice@sender.example>")),
                new MilterEvent.Recipient(List.of("<bob@protected.example>", "NOTIFY=NEVER"))));
        assertThat(rcpt).containsExactly(new MilterReply.Continue());
        List<MilterReply> eom = message(c, "From", "alice@sender.example");
        assertThat(((MilterReply.InsertHeader) eom.getFirst()).value())
                .as("no j macro: the configured fallback names us").startsWith("fallback.example;")
                .contains("smtp.mailfrom=alice@sender.example");
        JsonNode line = lines.only();
        assertThat(line.get("mail-from").asText()).isEqualTo("alice@sender.example");
        assertThat(line.get("recipients").get(0).asText()).isEqualTo("bob@protected.example");
        assertThat(line.get("queue-id").isNull()).isTrue();
    }

    @Test
    void theClientAddressMacroWinsOverTheConnectPacket() throws Exception {
        MilterConversation c = conversation();
        c.on(new MilterEvent.Negotiate(6, 0x1ff, 0x1fffff));
        c.on(new MilterEvent.Macros('C', macros("{client_addr}", NO_PTR)));
        c.on(new MilterEvent.Connect("localhost", MilterEvent.Family.INET, 1, GOOD));
        c.on(new MilterEvent.Helo("client.example"));
        c.on(new MilterEvent.Mail(List.of("<>")));
        List<MilterReply> rcpt = c.on(new MilterEvent.Recipient(List.of("<bob@protected.example>")));
        assertThat(((MilterReply.ReplyCode) rcpt.getFirst()).reply()).startsWith("550 5.7.25");
    }

    @Test
    void aConnectWithNoAddressAtAllIsAcceptedUnchecked() throws Exception {
        MilterConversation c = conversation();
        c.on(new MilterEvent.Negotiate(6, 0x1ff, 0x1fffff));
        assertThat(c.on(new MilterEvent.Connect("localhost", MilterEvent.Family.UNKNOWN, 0, "")))
                .containsExactly(new MilterReply.Accept());
        assertThat(c.on(new MilterEvent.Mail(List.of("<a@b.example>")))).containsExactly(new MilterReply.Continue());
        c.ended();
        assertThat(lines.lines()).isEmpty();
    }

    @Test
    void forgedAuthenticationResultsAreDeletedLastFirst() throws Exception {
        MilterConversation c = conversation();
        play(c, postfix(GOOD, "mail.sender.example", "alice@sender.example", "bob@protected.example"));
        List<MilterReply> eom = message(c,
                "Authentication-Results", "MX.Protected.Example.; iprev=pass",
                "Authentication-Results", "other.example; spf=pass",
                "Authentication-Results", "mx.protected.example;\n\tdkim=pass",
                "From", "alice@sender.example");
        assertThat(eom.subList(0, 2)).containsExactly(
                new MilterReply.ChangeHeader(3, "Authentication-Results", ""),
                new MilterReply.ChangeHeader(1, "Authentication-Results", ""));
        assertThat(eom.get(2)).isInstanceOf(MilterReply.InsertHeader.class);
    }

    @Test
    void aSessionWithoutMailIsOneClosedLine() throws Exception {
        MilterConversation c = conversation();
        play(c, postfix(GOOD, "mail.sender.example", "a@sender.example", "b@protected.example").subList(0, 4));
        c.on(new MilterEvent.Quit());
        assertThat(c.quit()).isTrue();
        c.ended();
        JsonNode line = lines.only();
        assertThat(line.get("event").asText()).isEqualTo("session");
        assertThat(line.get("helo").asText()).isEqualTo("mail.sender.example");
    }

    @Test
    void eventsOutOfOrderBreakTheProtocol() throws Exception {
        assertThatThrownBy(() -> conversation().on(new MilterEvent.Helo("x")))
                .isInstanceOf(MilterProtocolException.class).hasMessageContaining("option negotiation first");
        MilterConversation c = conversation();
        c.on(new MilterEvent.Negotiate(6, 0x1ff, 0x1fffff));
        assertThatThrownBy(() -> c.on(new MilterEvent.Helo("x"))).hasMessageContaining("before the connect");
        assertThatThrownBy(() -> c.on(new MilterEvent.Negotiate(6, 0x1ff, 0x1fffff))).hasMessageContaining("second");
    }

    @Test
    void headersGetRepliesWhenTheMtaCannotDoWithout() throws Exception {
        MilterConversation c = conversation();
        c.on(new MilterEvent.Negotiate(6, 0x1ff, 0x7f));
        c.on(new MilterEvent.Connect("x", MilterEvent.Family.INET, 1, GOOD));
        assertThat(c.on(new MilterEvent.Header("Subject", "x"))).containsExactly(new MilterReply.Continue());
    }

    @Test
    void aNewConnectionOnTheSameSocketStartsOver() throws Exception {
        MilterConversation c = conversation();
        play(c, postfix(NO_PTR, "client.example", "a@sender.example", "b@protected.example"));
        c.on(new MilterEvent.QuitNewConnection());
        assertThat(lines.only().get("outcome").asText()).isEqualTo("rejected");
        c.on(new MilterEvent.Connect("x", MilterEvent.Family.INET, 1, GOOD));
        c.on(new MilterEvent.Helo("mail.sender.example"));
        c.on(new MilterEvent.Mail(List.of("<alice@sender.example>")));
        assertThat(c.on(new MilterEvent.Recipient(List.of("<b@protected.example>")))).containsExactly(new MilterReply.Continue());
    }
}
