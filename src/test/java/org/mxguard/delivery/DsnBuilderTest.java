package org.mxguard.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DsnBuilderTest {
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2025-06-07T08:09:10Z"), ZoneOffset.UTC);
    private static final Instant ARRIVAL = Instant.parse("2025-06-02T08:00:00Z");
    private static final String ORIGINAL = """
            Received: from client.example.com (client.example.com [192.0.2.7])
            \tby mx.example.net
            From: Alice <alice@example.com>
            To: bob@example.org, carol@example.com
            Subject: Lunch
            Message-ID: <m1@example.com>

            The body, which stays here.
            """.replace("\n", "\r\n");

    private static final DsnRecipient BOB = new DsnRecipient("Bob@Example.org", "bob@example.org", DsnAction.FAILED,
            "5.1.1", "mx1.example.org", "smtp; 550 5.1.1 <bob@example.org>: Recipient address rejected: User "
                    + "unknown in virtual mailbox table", Instant.parse("2025-06-02T08:00:05Z"));
    private static final DsnRecipient CAROL = DsnRecipient.expired("carol@example.com", "mx.example.com",
            "451 4.7.1 Greylisted, please try again later", Instant.parse("2025-06-07T08:00:00Z"));

    private static DsnBuilder builder() {
        return new DsnBuilder("mx.example.net", Duration.ofDays(5), CLOCK, () -> "20250607080910.4QxYz",
                () -> "=_dsn_1");
    }

    private static DsnRequest request(String sender, String original, DsnRecipient... recipients) {
        return new DsnRequest("4QxYz", sender, ARRIVAL, List.of(recipients),
                DsnOriginalHeaders.of(original.getBytes(StandardCharsets.UTF_8)));
    }

    private static DsnMessage build(DsnRequest request) {
        return builder().build(request).orElseThrow();
    }

    // --- a small hand parser: just enough MIME to check the structure ---

    private record Part(Map<String, String> headers, String body) {
        String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }
    }

    private record Parsed(Map<String, String> headers, String preamble, List<Part> parts, String epilogue) {
    }

    /** Header fields, unfolded, by lower-case name. */
    private static Map<String, String> fields(String block) {
        Map<String, String> fields = new LinkedHashMap<>();
        for (String field : block.split("\r\n(?![ \t])")) {
            if (field.isEmpty()) {
                continue;
            }
            int colon = field.indexOf(':');
            fields.put(field.substring(0, colon).toLowerCase(Locale.ROOT),
                    field.substring(colon + 1).replace("\r\n", "").strip());
        }
        return fields;
    }

    private static Part part(String text) {
        int end = text.indexOf("\r\n\r\n");
        return new Part(fields(text.substring(0, end)), text.substring(end + 4));
    }

    private static Parsed parse(DsnMessage message) {
        Part whole = part(message.contentAsString());
        Matcher m = Pattern.compile("boundary=\"([^\"]+)\"").matcher(whole.header("Content-Type"));
        assertThat(m.find()).isTrue();
        String[] pieces = ("\r\n" + whole.body()).split("\r\n--" + Pattern.quote(m.group(1)), -1);
        List<Part> parts = new ArrayList<>();
        for (int i = 1; i < pieces.length - 1; i++) {
            assertThat(pieces[i]).startsWith("\r\n");
            parts.add(part(pieces[i].substring(2)));
        }
        return new Parsed(whole.headers(), pieces[0], parts, pieces[pieces.length - 1]);
    }

    /** The field groups of a message/delivery-status body: per-message first, then per recipient. */
    private static List<Map<String, String>> groups(String deliveryStatus) {
        List<Map<String, String>> groups = new ArrayList<>();
        for (String block : deliveryStatus.split("\r\n\r\n")) {
            groups.add(fields(block));
        }
        return groups;
    }

    // --- tests ---

    @Test
    void isAMultipartReportFromTheNullSenderToTheOriginalSender() {
        DsnMessage dsn = build(request("alice@example.com", ORIGINAL, BOB));
        Parsed p = parse(dsn);

        assertThat(dsn.envelopeSender()).isEmpty();
        assertThat(dsn.recipient()).isEqualTo("alice@example.com");
        assertThat(p.headers()).containsEntry("from", "MAILER-DAEMON@mx.example.net (Mail Delivery System)")
                .containsEntry("to", "<alice@example.com>")
                .containsEntry("subject", "Undelivered Mail Returned to Sender")
                .containsEntry("date", "Sat, 7 Jun 2025 08:09:10 +0000")
                .containsEntry("message-id", "<20250607080910.4QxYz@mx.example.net>")
                .containsEntry("auto-submitted", "auto-replied")
                .containsEntry("mime-version", "1.0")
                .containsEntry("content-type", "multipart/report; report-type=delivery-status; boundary=\"=_dsn_1\"");
        assertThat(dsn.messageId()).isEqualTo("<20250607080910.4QxYz@mx.example.net>");
        assertThat(p.parts()).extracting(part -> part.header("Content-Type")).containsExactly(
                "text/plain; charset=us-ascii", "message/delivery-status", "text/rfc822-headers");
        assertThat(p.epilogue()).isEqualTo("--\r\n");
    }

    @Test
    void reportsEachFailedRecipientWithItsFieldsAndLeavesOutDelayedOnes() {
        DsnRecipient noDetails = new DsnRecipient(null, "dave@example.org", DsnAction.FAILED, "5.1.2", null,
                null, null);
        DsnRecipient stillTrying = new DsnRecipient(null, "erin@example.net", DsnAction.DELAYED, "4.4.1",
                "mx.example.net", "smtp; 421 busy", null);
        DsnRecipient plainReply = DsnRecipient.rejected("frank@example.org", "5.7.1", "mx1.example.org",
                "554 5.7.1 Relay access denied", Instant.parse("2025-06-02T08:00:06Z"));
        Parsed p = parse(build(request("alice@example.com", ORIGINAL, BOB, noDetails, stillTrying, plainReply)));

        List<Map<String, String>> groups = groups(p.parts().get(1).body());
        assertThat(groups).hasSize(4);
        assertThat(groups.get(0)).containsExactly(Map.entry("reporting-mta", "dns; mx.example.net"),
                Map.entry("x-mxguard-queue-id", "4QxYz"),
                Map.entry("arrival-date", "Mon, 2 Jun 2025 08:00:00 +0000"));
        assertThat(groups.get(1)).containsExactly(Map.entry("original-recipient", "rfc822; Bob@Example.org"),
                Map.entry("final-recipient", "rfc822; bob@example.org"),
                Map.entry("action", "failed"),
                Map.entry("status", "5.1.1"),
                Map.entry("remote-mta", "dns; mx1.example.org"),
                Map.entry("diagnostic-code", "smtp; 550 5.1.1 <bob@example.org>: Recipient address rejected: "
                        + "User unknown in virtual mailbox table"),
                Map.entry("last-attempt-date", "Mon, 2 Jun 2025 08:00:05 +0000"));
        assertThat(groups.get(2)).containsExactly(Map.entry("final-recipient", "rfc822; dave@example.org"),
                Map.entry("action", "failed"), Map.entry("status", "5.1.2"));
        assertThat(groups.get(3)).containsEntry("final-recipient", "rfc822; frank@example.org")
                .containsEntry("status", "5.7.1")
                .containsEntry("diagnostic-code", "smtp; 554 5.7.1 Relay access denied");

        String text = p.parts().get(0).body().replace("\r\n    ", " ");
        assertThat(text).contains("<bob@example.org>: the mail server mx1.example.org refused the message "
                        + "permanently. It said: 550 5.1.1")
                .contains("<dave@example.org>: delivery failed permanently (status 5.1.2).")
                .contains("<frank@example.org>: the mail server mx1.example.org refused")
                .doesNotContain("erin@example.net");
    }

    @Test
    void anExpiryReportsDeliveryTimeExpiredWithTheLastTransientReply() {
        Parsed p = parse(build(request("alice@example.com", ORIGINAL, CAROL)));

        assertThat(groups(p.parts().get(1).body()).get(1))
                .containsEntry("action", "failed")
                .containsEntry("status", "4.4.7")
                .containsEntry("remote-mta", "dns; mx.example.com")
                .containsEntry("diagnostic-code", "smtp; 451 4.7.1 Greylisted, please try again later")
                .containsEntry("last-attempt-date", "Sat, 7 Jun 2025 08:00:00 +0000");
        assertThat(p.parts().get(0).body().replace("\r\n    ", " "))
                .contains("<carol@example.com>: the message could not be delivered for 5 days, so we gave up "
                        + "(status 4.4.7, delivery time expired). The last attempt, at mx.example.com, failed "
                        + "with: 451 4.7.1 Greylisted, please try again later");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "<>", " "})
    void neverBouncesToTheNullSender(String sender) {
        DsnDecision decision = builder().decide(request(sender, ORIGINAL, BOB));

        assertThat(decision.message()).isEmpty();
        assertThat(decision).isEqualTo(
                new DsnDecision.Suppressed("null sender: a notification could not be delivered anywhere"));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "Content-Type: multipart/report; report-type=delivery-status; boundary=x",
        "Content-Type: Multipart/Report;\r\n boundary=\"x\"; Report-Type=\"Delivery-Status\"",
        "From: MAILER-DAEMON@mx.example.org (Mail Delivery System)\r\nAuto-Submitted: auto-replied",
        "From: Mail Delivery System <mailer-daemon@mx.example.org>\r\nAuto-Submitted: auto-generated (bounce)"})
    void neverBouncesABounce(String headers) {
        String bounce = "Subject: Undelivered Mail Returned to Sender\r\n" + headers + "\r\n\r\nbody\r\n";
        DsnDecision decision = builder().decide(request("someone@example.org", bounce, BOB));

        assertThat(decision).isInstanceOf(DsnDecision.Suppressed.class);
        assertThat(decision.message()).isEmpty();
    }

    @Test
    void ourOwnNotificationFedBackIsSuppressed() {
        byte[] ours = build(request("alice@example.com", ORIGINAL, BOB)).content();
        DsnRequest loop = new DsnRequest("5RtUv", "MAILER-DAEMON@mx.example.net", ARRIVAL, List.of(BOB),
                DsnOriginalHeaders.of(ours));

        assertThat(builder().decide(loop)).isEqualTo(
                new DsnDecision.Suppressed("the message is itself a delivery status notification"));
    }

    @Test
    void anAutoReplyFromAPersonOrAMailerDaemonSayingNoIsStillBounced() {
        String vacation = "From: bob@example.org\r\nAuto-Submitted: auto-replied\r\n\r\nAway\r\n";
        String daemonSaysNo = "From: MAILER-DAEMON@example.org\r\nAuto-Submitted: no\r\n\r\nHi\r\n";

        assertThat(builder().build(request("bob@example.org", vacation, BOB))).isPresent();
        assertThat(builder().build(request("MAILER-DAEMON@example.org", daemonSaysNo, BOB))).isPresent();
    }

    @Test
    void withNothingFailedThereIsNoNotification() {
        DsnRecipient delayed = new DsnRecipient(null, "erin@example.net", DsnAction.DELAYED, "4.4.1", null, null,
                null);

        assertThat(builder().decide(request("alice@example.com", ORIGINAL, delayed))).isEqualTo(
                new DsnDecision.Suppressed("no failed recipients (delay notices are not sent)"));
    }

    @Test
    void returnsTheOriginalHeadersButNotTheBody() {
        String bareLf = ORIGINAL.replace("\r\n", "\n");
        Parsed p = parse(build(request("alice@example.com", bareLf, BOB)));

        Part headers = p.parts().get(2);
        assertThat(headers.header("Content-Transfer-Encoding")).isNull();
        assertThat(headers.body()).isEqualTo(ORIGINAL.substring(0, ORIGINAL.indexOf("\r\n\r\n") + 2));
        assertThat(build(request("alice@example.com", ORIGINAL, BOB)).contentAsString())
                .doesNotContain("The body, which stays here.");
    }

    @Test
    void eightBitOriginalHeadersAreSentQuotedPrintableSoTheWholeMessageIs7Bit() {
        String original = "Subject: Caf\u00e9 = ok \r\nFrom: alice@example.com\r\n\r\nbody\r\n";
        DsnMessage dsn = build(request("alice@example.com", original, BOB));
        Part headers = parse(dsn).parts().get(2);

        assertThat(headers.header("Content-Transfer-Encoding")).isEqualTo("quoted-printable");
        assertThat(headers.body()).isEqualTo("Subject: Caf=C3=A9 =3D ok=20\r\nFrom: alice@example.com\r\n");
        for (byte b : dsn.content()) {
            assertThat(b).isNotNegative();
        }
    }

    @Test
    void longEightBitHeaderLinesSurviveQuotedPrintableIntact() {
        String subject = "Subject: " + "\u00e9t\u00e9 ".repeat(150).strip(); // 908 octets: not folded
        DsnMessage dsn = build(request("alice@example.com", subject + "\r\n\r\nbody\r\n", BOB));
        String encoded = parse(dsn).parts().get(2).body();

        assertThat(encoded.split("\r\n")).allSatisfy(line -> assertThat(line.length()).isLessThanOrEqualTo(76));
        assertThat(decodeQuotedPrintable(encoded)).isEqualTo(subject + "\r\n");
    }

    private static String decodeQuotedPrintable(String encoded) {
        String joined = encoded.replace("=\r\n", "");
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (int i = 0; i < joined.length(); i++) {
            char c = joined.charAt(i);
            if (c == '=') {
                out.write(Integer.parseInt(joined.substring(i + 1, i + 3), 16));
                i += 2;
            } else {
                out.write(c);
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void withoutTheOriginalMessageTheHeadersPartIsLeftOut() {
        DsnRequest request = new DsnRequest("4QxYz", "alice@example.com", ARRIVAL, List.of(BOB),
                DsnOriginalHeaders.none());

        assertThat(parse(build(request)).parts()).extracting(part -> part.header("Content-Type"))
                .containsExactly("text/plain; charset=us-ascii", "message/delivery-status");
    }

    @Test
    void everyLineEndsInCrlfAndNoneIsLongerThan998Octets() {
        String longReply = "550 5.7.1 " + "blocked ".repeat(200) + "x".repeat(1500);
        DsnRecipient wordy = DsnRecipient.rejected("bob@example.org\r\nBcc: evil@example.com", "5.7.1",
                "mx1.example.org", longReply, null);
        String original = "Subject: " + "y".repeat(1200) + "\nX-Long: " + "z ".repeat(700) + "\r\n\r\nbody\n";
        DsnMessage dsn = build(request("alice@example.com", original, wordy));
        String text = dsn.contentAsString();

        assertThat(text).endsWith("\r\n");
        assertThat(text.replace("\r\n", "")).doesNotContain("\r").doesNotContain("\n");
        for (String line : text.split("\r\n")) {
            assertThat(line.getBytes(StandardCharsets.UTF_8).length).isLessThanOrEqualTo(998);
        }
        assertThat(fields(parse(dsn).parts().get(2).body()).get("subject").replace(" ", ""))
                .isEqualTo("y".repeat(1200));
        Map<String, String> recipient = groups(parse(dsn).parts().get(1).body()).get(1);
        assertThat(recipient.get("diagnostic-code")).startsWith("smtp; 550 5.7.1 blocked blocked")
                .contains("x".repeat(900));
        assertThat(recipient.get("final-recipient")).isEqualTo("rfc822; bob@example.org Bcc: evil@example.com");
        assertThat(text).doesNotContain("\r\nBcc:");
    }

    @Test
    void aBoundaryThatOccursInTheContentIsNotUsed() {
        Iterator<String> boundaries = List.of("Lunch", "=_dsn_2").iterator();
        DsnBuilder builder = new DsnBuilder("mx.example.net", Duration.ofDays(5), CLOCK, () -> "id1",
                boundaries::next);
        String original = "Subject: --Lunch\r\n\r\n";

        DsnMessage dsn = builder.build(request("alice@example.com", original, BOB)).orElseThrow();

        assertThat(parse(dsn).headers().get("content-type")).endsWith("boundary=\"=_dsn_2\"");
    }

    @Test
    void anInternationalisedRecipientIsWrittenAsUtf8Xtext() {
        DsnRecipient jose = DsnRecipient.rejected("jos\u00e9+x@example.org", "5.1.1", null, "550 no", null);
        Parsed p = parse(build(request("alice@example.com", ORIGINAL, jose)));

        assertThat(groups(p.parts().get(1).body()).get(1))
                .containsEntry("final-recipient", "utf-8; jos\\x{E9}\\x{2B}x@example.org");
        assertThat(p.parts().get(0).header("Content-Type")).isEqualTo("text/plain; charset=utf-8");
        assertThat(p.parts().get(0).body()).contains("<jos=C3=A9+x@example.org>");
    }

    @Test
    void theQueueLifetimeIsSaidInWholeUnits() {
        assertThat(DsnExplanation.span(Duration.ofDays(5))).isEqualTo("5 days");
        assertThat(DsnExplanation.span(Duration.ofDays(1))).isEqualTo("1 day");
        assertThat(DsnExplanation.span(Duration.ofHours(36))).isEqualTo("36 hours");
        assertThat(DsnExplanation.span(Duration.ofMinutes(90))).isEqualTo("90 minutes");
    }

    @Test
    void theOutputIsExactForAFixedClockAndIds() {
        DsnRequest request = request("alice@example.com", ORIGINAL, BOB, CAROL);

        assertThat(build(request).contentAsString()).isEqualTo(GOLDEN.replace("\n", "\r\n"));
    }

    private static final String GOLDEN = """
            From: MAILER-DAEMON@mx.example.net (Mail Delivery System)
            To: <alice@example.com>
            Subject: Undelivered Mail Returned to Sender
            Date: Sat, 7 Jun 2025 08:09:10 +0000
            Message-ID: <20250607080910.4QxYz@mx.example.net>
            Auto-Submitted: auto-replied
            MIME-Version: 1.0
            Content-Type: multipart/report; report-type=delivery-status;
             boundary="=_dsn_1"

            This is a MIME-encapsulated message.

            --=_dsn_1
            Content-Description: Notification
            Content-Type: text/plain; charset=us-ascii

            This is the mail system at host mx.example.net.

            Your message could not be delivered to one or more recipients. We received it
            on Mon, 2 Jun 2025 08:00:00 +0000 (queue ID 4QxYz).

            The details for each recipient follow. A report for programs and the headers
            of your message are attached; the message body is not.

            <bob@example.org>: the mail server mx1.example.org refused the message
                permanently. It said: 550 5.1.1 <bob@example.org>: Recipient address
                rejected: User unknown in virtual mailbox table

            <carol@example.com>: the message could not be delivered for 5 days, so we gave
                up (status 4.4.7, delivery time expired). The last attempt, at
                mx.example.com, failed with: 451 4.7.1 Greylisted, please try again later

            --=_dsn_1
            Content-Description: Delivery report
            Content-Type: message/delivery-status

            Reporting-MTA: dns; mx.example.net
            X-Mxguard-Queue-ID: 4QxYz
            Arrival-Date: Mon, 2 Jun 2025 08:00:00 +0000

            Original-Recipient: rfc822; Bob@Example.org
            Final-Recipient: rfc822; bob@example.org
            Action: failed
            Status: 5.1.1
            Remote-MTA: dns; mx1.example.org
            Diagnostic-Code: smtp; 550 5.1.1 <bob@example.org>: Recipient address
             rejected: User unknown in virtual mailbox table
            Last-Attempt-Date: Mon, 2 Jun 2025 08:00:05 +0000

            Final-Recipient: rfc822; carol@example.com
            Action: failed
            Status: 4.4.7
            Remote-MTA: dns; mx.example.com
            Diagnostic-Code: smtp; 451 4.7.1 Greylisted, please try again later
            Last-Attempt-Date: Sat, 7 Jun 2025 08:00:00 +0000

            --=_dsn_1
            Content-Description: Undelivered Message Headers
            Content-Type: text/rfc822-headers

            Received: from client.example.com (client.example.com [192.0.2.7])
            \tby mx.example.net
            From: Alice <alice@example.com>
            To: bob@example.org, carol@example.com
            Subject: Lunch
            Message-ID: <m1@example.com>

            --=_dsn_1--
            """;
}
