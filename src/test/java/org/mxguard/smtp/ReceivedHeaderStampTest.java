package org.mxguard.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.mxguard.dns.InetAddresses;
import org.mxguard.smtp.ReceivedHeader.Tls;
import org.mxguard.smtp.ReceivedHeader.Transport;

class ReceivedHeaderStampTest {
    private static final Instant NOON = Instant.parse("2025-06-03T12:00:00Z");
    private static final String QUEUE_ID = "0123456789abcdefg";
    private static final Tls TLS13 = new Tls("TLSv1.3", "TLS_AES_256_GCM_SHA384");

    private static InetAddress ip(String text) {
        return InetAddresses.require(text);
    }

    private static ReceivedHeader stamp(String helo, String ptr, String ip, Transport transport, List<String> rcpts) {
        return new ReceivedHeader(helo, Optional.ofNullable(ptr), ip(ip), "mx.example.org", transport, QUEUE_ID, rcpts,
                NOON, ZoneOffset.UTC);
    }

    @Test
    void ipv4WithOneRecipientNamesIt() {
        String h = stamp("mail.example.net", "mail.example.net", "192.0.2.1", Transport.ESMTP, List.of("bob@example.org")).render();
        assertThat(h).isEqualTo("""
                Received: from mail.example.net (mail.example.net [192.0.2.1])\r
                 by mx.example.org (mxguard) with ESMTP id 0123456789abcdefg\r
                 for <bob@example.org>; Tue, 3 Jun 2025 12:00:00 +0000\r
                """);
        TraceFields.assertOneField(h, "Received");
    }

    @Test
    void ipv6WithTlsSeveralRecipientsAndNoPtrNamesNobody() {
        ReceivedHeader r = new ReceivedHeader("client.example.com", Optional.empty(), ip("2001:db8::25"), "mx.example.org",
                Transport.ESMTP.withTls(TLS13), QUEUE_ID, List.of("bob@example.org", "carol@example.org"), NOON,
                ZoneId.of("Europe/Berlin"));
        assertThat(r.render()).isEqualTo("""
                Received: from client.example.com (unknown [IPv6:2001:db8::25])\r
                 (using TLSv1.3 with cipher TLS_AES_256_GCM_SHA384)\r
                 by mx.example.org (mxguard) with ESMTPS id 0123456789abcdefg;\r
                 Tue, 3 Jun 2025 14:00:00 +0200\r
                """);
    }

    @Test
    void heloWithoutEhloIsPlainSmtp() {
        String h = stamp("[192.0.2.1]", null, "192.0.2.1", Transport.SMTP, List.of("<bob@example.org>")).render();
        assertThat(h).isEqualTo("""
                Received: from [192.0.2.1] (unknown [192.0.2.1]) by mx.example.org (mxguard)\r
                 with SMTP id 0123456789abcdefg for <bob@example.org>;\r
                 Tue, 3 Jun 2025 12:00:00 +0000\r
                """);
    }

    @Test
    void anIpv4MappedClientIsWrittenAsIpv4() {
        String h = stamp("a.example", null, "::ffff:192.0.2.9", Transport.ESMTP, List.of()).render();
        assertThat(TraceFields.unfold(h)).contains("(unknown [192.0.2.9])").doesNotContain("IPv6");
    }

    @Test
    void aMissingHeloIsUnknown() {
        String h = stamp(null, "mail.example.net", "192.0.2.1", Transport.ESMTP, List.of()).render();
        assertThat(TraceFields.unfold(h)).startsWith("Received: from unknown (mail.example.net [192.0.2.1])");
    }

    @ParameterizedTest
    @CsvSource({
        "false, false, false, false, SMTP",
        "true,  false, false, false, ESMTP",
        "true,  false, true,  false, ESMTPS",
        "true,  false, false, true,  ESMTPA",
        "true,  false, true,  true,  ESMTPSA",
        "true,  true,  false, false, UTF8SMTP",
        "true,  true,  true,  false, UTF8SMTPS",
        "true,  true,  false, true,  UTF8SMTPA",
        "true,  true,  true,  true,  UTF8SMTPSA",
    })
    void withKeywordFollowsRfc3848AndRfc6531(boolean ehlo, boolean utf8, boolean tls, boolean auth, String keyword) {
        Transport t = new Transport(ehlo, utf8, auth, tls ? Optional.of(TLS13) : Optional.empty());
        assertThat(t.keyword()).isEqualTo(keyword);
        assertThat(TraceFields.unfold(stamp("a.example", null, "192.0.2.1", t, List.of()).render()))
                .contains(" with " + keyword + " id ");
    }

    @Test
    void theDateIsRfc5322WithANumericZone() {
        ReceivedHeader r = new ReceivedHeader("a.example", Optional.empty(), ip("192.0.2.1"), "mx.example.org", Transport.ESMTP,
                QUEUE_ID, List.of(), Instant.parse("2025-12-24T23:30:05Z"), ZoneId.of("America/New_York"));
        assertThat(TraceFields.unfold(r.render())).endsWith("; Wed, 24 Dec 2025 18:30:05 -0500");
    }

    @Test
    void aHeloCannotInjectAHeaderLine() {
        String h = stamp("evil.example\r\nX-Injected: yes\r\n", null, "192.0.2.1", Transport.ESMTP, List.of("bob@example.org")).render();
        TraceFields.assertOneField(h, "Received");
        assertThat(h).doesNotContain("\r\nX-Injected").doesNotContain("\nX-");
        assertThat(TraceFields.unfold(h)).startsWith("Received: from evil.example?X-Injected??yes (unknown [192.0.2.1])");
    }

    @Test
    void aHeloCannotOpenACommentOrLiteral() {
        String h = stamp("x (y) [z]; a\\b \"q\"", null, "192.0.2.1", Transport.ESMTP, List.of()).render();
        assertThat(TraceFields.unfold(h)).startsWith("Received: from x??y???z???a?b??q? (unknown [192.0.2.1]) by ");
    }

    @Test
    void aBareLfOrNulInTheHeloIsNoLineBreakEither() {
        String h = stamp("a\nb\rc\u0000d\u2028e\u0085f", null, "192.0.2.1", Transport.ESMTP, List.of()).render();
        TraceFields.assertOneField(h, "Received");
        assertThat(TraceFields.unfold(h)).startsWith("Received: from a?b?c?d?e?f (unknown");
    }

    @Test
    void aUnicodeHeloIsWrittenInALabels() {
        String h = stamp("mail.bücher.example", null, "192.0.2.1", Transport.ESMTP, List.of()).render();
        assertThat(TraceFields.unfold(h)).startsWith("Received: from mail.xn--bcher-kva.example (unknown");
    }

    @Test
    void aPtrNameThatIsNoHostNameIsUnknown() {
        for (String ptr : List.of("evil) by mx.example.org (x", "a\r\nX: y", "name with space.example", "", "a..b", "x".repeat(300))) {
            String h = stamp("a.example", ptr, "192.0.2.1", Transport.ESMTP, List.of()).render();
            TraceFields.assertOneField(h, "Received");
            assertThat(TraceFields.unfold(h)).as(ptr).contains(" (unknown [192.0.2.1]) by mx.example.org");
        }
    }

    @Test
    void aPtrNameIsLowerCasedWithoutTheRootDot() {
        String h = stamp("a.example", "Mail.Example.NET.", "192.0.2.1", Transport.ESMTP, List.of()).render();
        assertThat(TraceFields.unfold(h)).contains(" (mail.example.net [192.0.2.1]) ");
    }

    @Test
    void aRecipientCannotInjectOrUnbalanceTheField() {
        String h = stamp("a.example", null, "192.0.2.1", Transport.ESMTP,
                List.of("bob@example.org>\r\nBcc: <x@evil.example (\"")).render();
        TraceFields.assertOneField(h, "Received");
        assertThat(TraceFields.unfold(h)).contains(" for <bob@example.org??Bcc???x@evil.example???>; Tue, 3 Jun 2025");
    }

    @Test
    void aRecipientKeepsAnAddressLiteralAndUtf8OnlyUnderSmtpUtf8() {
        String literal = stamp("a.example", null, "192.0.2.1", Transport.ESMTP, List.of("postmaster@[192.0.2.5]")).render();
        assertThat(TraceFields.unfold(literal)).contains(" for <postmaster@[192.0.2.5]>;");
        String ascii = stamp("a.example", null, "192.0.2.1", Transport.ESMTP, List.of("jörg@bücher.example")).render();
        assertThat(TraceFields.unfold(ascii)).contains(" for <j?rg@b?cher.example>;");
        String utf8 = stamp("a.example", null, "192.0.2.1", Transport.ESMTP.withSmtpUtf8(), List.of("jörg@bücher.example")).render();
        assertThat(TraceFields.unfold(utf8)).contains(" with UTF8SMTP ").contains(" for <jörg@bücher.example>;");
    }

    @Test
    void queueIdAndTlsNamesCannotBreakOut() {
        ReceivedHeader r = new ReceivedHeader("a.example", Optional.empty(), ip("192.0.2.1"), "mx.example.org",
                Transport.ESMTP.withTls(new Tls("TLSv1.3)\r\nX: y", "A(B)")), "id; for <x>\r\n", List.of(), NOON, ZoneOffset.UTC);
        String h = r.render();
        TraceFields.assertOneField(h, "Received");
        assertThat(TraceFields.unfold(h)).contains("(using TLSv1.3??X??y with cipher A?B?)").contains(" id id??for??x?; Tue");
    }

    @Test
    void anEmptyQueueIdLeavesOutTheIdClause() {
        ReceivedHeader r = new ReceivedHeader("a.example", Optional.empty(), ip("192.0.2.1"), "mx.example.org", Transport.ESMTP,
                "", List.of(), NOON, ZoneOffset.UTC);
        assertThat(TraceFields.unfold(r.render())).contains(" with ESMTP; Tue, 3 Jun 2025");
    }

    @Test
    void aHugeHeloIsCutAndNoLineExceeds998Octets() {
        String h = stamp("a".repeat(5000), "b".repeat(250) + ".example", "192.0.2.1", Transport.ESMTP,
                List.of("c".repeat(3000) + "@example.org")).render();
        TraceFields.assertOneField(h, "Received");
        assertThat(TraceFields.longestLine(h)).isLessThanOrEqualTo(998);
    }

    @Test
    void typicalStampsStayWithin78Characters() {
        List<ReceivedHeader> typical = List.of(
                stamp("mail-wr1-f54.google.com", "mail-wr1-f54.google.com", "209.85.221.54", Transport.ESMTP.withTls(TLS13),
                        List.of("someone.with.a.long.name@subdomain.example.org")),
                stamp("outbound.mail.protection.outlook.example", null, "2a01:111:f400:fe5a::72c", Transport.ESMTP.withTls(
                        new Tls("TLSv1.2", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384")), List.of("a@example.org", "b@example.org")),
                stamp("[IPv6:2001:db8::25]", "very-long-reverse-name-of-some-cable-modem.dynamic.isp-provider.example", "2001:db8::25",
                        Transport.SMTP, List.of("x@example.org")));
        for (ReceivedHeader r : typical) {
            String h = r.render();
            TraceFields.assertOneField(h, "Received");
            assertThat(TraceFields.longestLine(h)).as(h).isLessThanOrEqualTo(78);
        }
    }
}
