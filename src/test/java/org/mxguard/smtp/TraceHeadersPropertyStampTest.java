package org.mxguard.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;
import org.mxguard.check.CheckResult;
import org.mxguard.check.Result;
import org.mxguard.check.SessionFacts;
import org.mxguard.smtp.ReceivedHeader.Tls;
import org.mxguard.smtp.ReceivedHeader.Transport;
import org.mxguard.smtp.TraceFields.AuthRes;
import org.mxguard.smtp.TraceFields.ResInfo;

/** Whatever the client, DNS or configuration supplies, each header is exactly one well-formed field. */
class TraceHeadersPropertyStampTest {
    private static final Pattern RECEIVED = Pattern.compile("Received: from (\\S+) \\((\\S+) (\\[[^\\]\\s]+])\\)"
            + "( \\(using \\S+ with cipher \\S+\\))? by (\\S+) \\(mxguard\\) with (SMTP|ESMTPS?A?|UTF8SMTPS?A?)"
            + "( id [^\\s;]+)?( for <[^<>\\s]*>)?; (.+)");
    private static final DateTimeFormatter DATE = DateTimeFormatter.ofPattern("EEE, d MMM yyyy HH:mm:ss xx", Locale.US);
    private static final List<String> CHECK_NAMES = List.of("iprev", "generic-ptr", "helo", "sender-domain",
            "reverse-mx:mail-from", "reverse-mx:from", "reverse-mx:reply-to", "reverse-mx:ptr");

    // --- Received ---

    @Property(tries = 2000)
    void receivedIsOneWellFormedField(@ForAll("nasty") String helo, @ForAll("nullableNasty") String ptr, @ForAll("ips") InetAddress ip,
            @ForAll("nasty") String ourHost, @ForAll("transports") Transport transport, @ForAll("nasty") String queueId,
            @ForAll @Size(max = 3) List<@net.jqwik.api.From("nasty") String> recipients, @ForAll("zones") ZoneId zone) {
        ReceivedHeader r = new ReceivedHeader(helo, Optional.ofNullable(ptr), ip, ourHost, transport, queueId, recipients,
                Instant.ofEpochSecond(1_750_000_000L), zone);
        String field = r.render();
        TraceFields.assertOneField(field, "Received");
        Matcher m = RECEIVED.matcher(TraceFields.unfold(field));
        assertThat(m.matches()).as(field).isTrue();
        assertThat(m.group(3)).isEqualTo(ReceivedHeader.addressLiteral(ip));
        assertThat(m.group(4) != null).isEqualTo(transport.tls().isPresent());
        assertThat(m.group(6)).isEqualTo(transport.keyword());
        assertThat(m.group(8) != null).isEqualTo(recipients.size() == 1);
        assertThat(ZonedDateTime.parse(m.group(9), DATE).toInstant()).isEqualTo(Instant.ofEpochSecond(1_750_000_000L));
        if (!transport.smtpUtf8()) {
            assertThat(field.chars().allMatch(c -> c < 0x80)).as("7-bit without SMTPUTF8: %s", field).isTrue();
        }
    }

    @Property(tries = 500)
    void typicalReceivedFieldsStayWithin78Characters(@ForAll("hostNames") String helo, @ForAll("hostNames") String ptr,
            @ForAll("ips") InetAddress ip, @ForAll("transports") Transport transport, @ForAll("addresses") String rcpt) {
        Transport plain = transport.tls().isPresent() ? transport.withTls(new Tls("TLSv1.3", "TLS_AES_256_GCM_SHA384")) : transport;
        String field = new ReceivedHeader(helo, Optional.of(ptr), ip, "mx1.mail.example.org", plain, "0123456789abcdefg",
                List.of(rcpt), Instant.now(), ZoneId.of("Europe/Berlin")).render();
        assertThat(TraceFields.longestLine(field)).as(field).isLessThanOrEqualTo(78);
    }

    // --- Authentication-Results ---

    @Property(tries = 2000)
    void authenticationResultsIsOneWellFormedField(@ForAll("nasty") String authservId, @ForAll("facts") SessionFacts facts,
            @ForAll @Size(max = 9) List<@net.jqwik.api.From("results") CheckResult> results) {
        String field = AuthenticationResultsHeader.render(authservId, facts, results);
        TraceFields.assertOneField(field, "Authentication-Results");
        assertThat(field.chars().allMatch(c -> c < 0x80)).as("7-bit: %s", field).isTrue();
        AuthRes parsed = TraceFields.parseAuthRes(field);

        List<CheckResult> stated = results.stream()
                .filter(r -> !AuthenticationResultsHeader.method(r.name()).isEmpty())
                .filter(r -> !(r.name().equals("iprev") && r.result() == Result.NONE))
                .toList();
        assertThat(parsed.results()).hasSize(stated.size());
        for (int i = 0; i < stated.size(); i++) {
            CheckResult r = stated.get(i);
            ResInfo p = parsed.results().get(i);
            assertThat(p.method()).isEqualTo(AuthenticationResultsHeader.method(r.name()));
            assertThat(p.result()).isEqualTo(r.result().text());
            String reason = HeaderText.printable(r.reason(), false, 300);
            assertThat(p.reason()).isEqualTo(reason.isEmpty() ? null : reason);
        }
        // the finder reads the same authserv-id the RFC 8601 parser does
        String body = TraceFields.unfold(field).substring("Authentication-Results:".length());
        assertThat(ForgedAuthenticationResults.authservId(body)).contains(parsed.authservId());
    }

    @Property(tries = 500)
    void ourOwnFieldIsTheOneTheFinderDrops(@ForAll("hostNames") String us, @ForAll("facts") SessionFacts facts,
            @ForAll @Size(max = 9) List<@net.jqwik.api.From("results") CheckResult> results) {
        String ours = AuthenticationResultsHeader.render(us, facts, results);
        String other = AuthenticationResultsHeader.render("other-" + us, facts, results);
        byte[] message = (other + ours + "Subject: hi\r\n\r\n" + ours).getBytes(StandardCharsets.UTF_8);
        int start = other.length();
        assertThat(ForgedAuthenticationResults.find(message, us.toUpperCase(Locale.ROOT)))
                .containsExactly(new ForgedAuthenticationResults.Span(start, start + ours.length()));
    }

    @Property(tries = 500)
    void typicalAuthenticationResultsStayWithin78Characters(@ForAll("hostNames") String helo, @ForAll("addresses") String mailFrom,
            @ForAll("ips") InetAddress ip, @ForAll("hostNames") String ptr, @ForAll("reasons") String reason, @ForAll Result result) {
        SessionFacts facts = SessionFacts.connect(ip).withHelo(helo).withMailFrom(mailFrom).withHeaders(mailFrom, mailFrom);
        List<CheckResult> results = new ArrayList<>();
        for (String name : CHECK_NAMES) {
            results.add(CheckResult.of(name, result, "p", reason, Map.of("ptr-name", ptr, "confirmed", ptr)));
        }
        String field = AuthenticationResultsHeader.render("mx1.mail.example.org", facts, results);
        assertThat(TraceFields.longestLine(field)).as(field).isLessThanOrEqualTo(78);
    }

    // --- generators ---

    /** Anything: every char (unpaired surrogates too), line breaks and specials, long ASCII, emoji, plausible values. */
    @Provide
    Arbitrary<String> nasty() {
        Arbitrary<String> specials = Arbitraries.strings().withChars("\r\n\t ()<>[];:\"\\@.,=/?aZ09-_\u0000\u007f\u0085\u00a0\u2028\u200béü漢")
                .ofMaxLength(60);
        Arbitrary<String> emoji = Arbitraries.of("😀", "𝔘", "é", "\ud800", "\udc00").list().ofMaxSize(6).map(l -> String.join("", l));
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(4, specials),
                net.jqwik.api.Tuple.of(2, Arbitraries.strings().all().ofMaxLength(300)),
                net.jqwik.api.Tuple.of(1, Arbitraries.strings().ascii().ofMinLength(200).ofMaxLength(3000)),
                net.jqwik.api.Tuple.of(2, Combinators.combine(specials, emoji, specials).as((a, b, c) -> a + b + c)),
                net.jqwik.api.Tuple.of(1, Arbitraries.of("", " ", "mail.example.net", "[192.0.2.1]", "[IPv6:2001:db8::1]",
                        "<bob@example.org>", "bob@[192.0.2.1]", "\"john smith\"@example.org", "a\r\n b", "mx.example.org.")));
    }

    @Provide
    Arbitrary<String> nullableNasty() {
        return nasty().injectNull(0.1);
    }

    @Provide
    Arbitrary<InetAddress> ips() {
        Arbitrary<byte[]> v4 = Arbitraries.bytes().array(byte[].class).ofSize(4);
        Arbitrary<byte[]> v6 = Arbitraries.bytes().array(byte[].class).ofSize(16);
        Arbitrary<byte[]> mapped = v4.map(b -> new byte[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, -1, -1, b[0], b[1], b[2], b[3]});
        return Arbitraries.oneOf(v4, v6, mapped).map(TraceHeadersPropertyStampTest::address);
    }

    private static InetAddress address(byte[] b) {
        try {
            return InetAddress.getByAddress(b);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    @Provide
    Arbitrary<Transport> transports() {
        Arbitrary<Optional<Tls>> tls = Combinators.combine(nasty(), nasty()).as(Tls::new).optional();
        return Combinators.combine(Arbitraries.of(true, false), Arbitraries.of(true, false), Arbitraries.of(true, false), tls)
                .as(Transport::new);
    }

    @Provide
    Arbitrary<ZoneId> zones() {
        return Arbitraries.of(ZoneId.of("UTC"), ZoneId.of("Europe/Berlin"), ZoneId.of("Asia/Kolkata"), ZoneId.of("America/St_Johns"));
    }

    @Provide
    Arbitrary<SessionFacts> facts() {
        return Combinators.combine(ips(), nullableNasty(), nullableNasty(), nullableNasty(), nullableNasty())
                .as(SessionFacts::new);
    }

    @Provide
    Arbitrary<CheckResult> results() {
        Arbitrary<String> names = Arbitraries.oneOf(Arbitraries.of(CHECK_NAMES), Arbitraries.of(CHECK_NAMES), nasty());
        Arbitrary<Map<String, String>> evidence = Combinators.combine(nullableNasty(), nullableNasty()).as((ptr, confirmed) -> {
            Map<String, String> e = new HashMap<>();
            if (ptr != null) {
                e.put("ptr-name", ptr);
            }
            if (confirmed != null) {
                e.put("confirmed", confirmed);
            }
            return e;
        });
        return Combinators.combine(names, Arbitraries.of(Result.class), nasty(), nullableNasty(), evidence)
                .as(CheckResult::of);
    }

    /** Plausible host names up to 40 characters. */
    @Provide
    Arbitrary<String> hostNames() {
        Arbitrary<String> label = Arbitraries.strings().withCharRange('a', 'z').numeric().withChars('-').ofMinLength(1).ofMaxLength(12)
                .filter(l -> !l.startsWith("-") && !l.endsWith("-"));
        return label.list().ofMinSize(2).ofMaxSize(4).map(l -> String.join(".", l)).filter(n -> n.length() <= 40);
    }

    @Provide
    Arbitrary<String> addresses() {
        Arbitrary<String> local = Arbitraries.strings().withCharRange('a', 'z').withChars('.', '+').ofMinLength(1).ofMaxLength(12)
                .filter(l -> !l.startsWith(".") && !l.endsWith(".") && !l.contains(".."));
        return Combinators.combine(local, hostNames()).as((l, h) -> l + "@" + h);
    }

    /** Sentences of short words, as the checks write them. */
    @Provide
    Arbitrary<String> reasons() {
        return Arbitraries.strings().withCharRange('!', '~').ofMinLength(1).ofMaxLength(15).list().ofMinSize(1).ofMaxSize(12)
                .map(l -> String.join(" ", l));
    }
}
