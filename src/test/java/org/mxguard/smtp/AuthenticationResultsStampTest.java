package org.mxguard.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.mxguard.check.CheckResult;
import org.mxguard.check.Result;
import org.mxguard.check.SessionFacts;
import org.mxguard.dns.InetAddresses;
import org.mxguard.smtp.TraceFields.AuthRes;
import org.mxguard.smtp.TraceFields.ResInfo;

class AuthenticationResultsStampTest {
    private static final String US = "mx.example.org";
    private static final SessionFacts FACTS = SessionFacts.connect(InetAddresses.require("192.0.2.1"))
            .withHelo("mail.example.net").withMailFrom("alice@example.net").withHeaders("alice@example.net", "help@example.com");

    private static CheckResult iprevPass() {
        return CheckResult.pass("iprev", "PTR name mail.example.net resolves back to 192.0.2.1",
                Map.of("ptr", "mail.example.net", "confirmed", "mail.example.net"));
    }

    private static CheckResult heloPass() {
        return CheckResult.pass("helo", "HELO mail.example.net resolves to the client IP", Map.of());
    }

    @Test
    void iprevAndHeloPass() {
        String h = AuthenticationResultsHeader.render(US, FACTS, List.of(iprevPass(), heloPass()));
        assertThat(h).isEqualTo("""
                Authentication-Results: mx.example.org;\r
                 iprev=pass reason="PTR name mail.example.net resolves back to 192.0.2.1"\r
                 policy.iprev=192.0.2.1 (mail.example.net);\r
                 helo=pass reason="HELO mail.example.net resolves to the client IP"\r
                 smtp.helo=mail.example.net\r
                """);
        TraceFields.assertOneField(h, "Authentication-Results");
    }

    @Test
    void shortResultsShareALine() {
        String h = AuthenticationResultsHeader.render(US, FACTS, List.of(
                CheckResult.of("iprev", Result.FAIL, "no-ptr", "", Map.of()), CheckResult.of("helo", Result.NONE, "", "", Map.of())));
        assertThat(h).isEqualTo("""
                Authentication-Results: mx.example.org; iprev=fail policy.iprev=192.0.2.1;\r
                 helo=none smtp.helo=mail.example.net\r
                """);
    }

    @Test
    void anIpv6ClientIsAQuotedValueAndAFailHasNoNameComment() {
        SessionFacts v6 = SessionFacts.connect(InetAddresses.require("2001:db8::1"));
        CheckResult fail = CheckResult.of("iprev", Result.FAIL, "unconfirmed",
                "no PTR name of 2001:db8::1 resolves back to it (a.example)", Map.of("ptr", "a.example"));
        String h = AuthenticationResultsHeader.render(US, v6, List.of(fail));
        assertThat(h).isEqualTo("""
                Authentication-Results: mx.example.org;\r
                 iprev=fail reason="no PTR name of 2001:db8::1 resolves back to it\r
                 (a.example)" policy.iprev="2001:db8::1"\r
                """);
        assertThat(TraceFields.parseAuthRes(h).results().get(0).properties()).containsEntry("policy.iprev", "2001:db8::1");
    }

    @Test
    void noResultsIsNone() {
        assertThat(AuthenticationResultsHeader.render(US, FACTS, List.of())).isEqualTo("Authentication-Results: mx.example.org; none\r\n");
        assertThat(AuthenticationResultsHeader.none(US)).isEqualTo("Authentication-Results: mx.example.org; none\r\n");
        assertThat(TraceFields.parseAuthRes(AuthenticationResultsHeader.none(US))).isEqualTo(new AuthRes(US, List.of()));
    }

    @Test
    void aSkippedIprevIsLeftOutSinceIprevHasNoNone() {
        CheckResult skipped = CheckResult.of("iprev", Result.NONE, "allowlisted", "allowlisted: 192.0.2.0/24", Map.of());
        assertThat(AuthenticationResultsHeader.render(US, FACTS, List.of(skipped))).isEqualTo("Authentication-Results: mx.example.org; none\r\n");
        CheckResult helo = CheckResult.of("helo", Result.NONE, "allowlisted", "allowlisted: 192.0.2.0/24", Map.of());
        AuthRes both = TraceFields.parseAuthRes(AuthenticationResultsHeader.render(US, FACTS, List.of(skipped, helo)));
        assertThat(both.results()).extracting(ResInfo::method, ResInfo::result, ResInfo::reason)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("helo", "none", "allowlisted: 192.0.2.0/24"));
    }

    @ParameterizedTest
    @EnumSource(Result.class)
    void everyResultIsAnRfc8601Keyword(Result result) {
        AuthRes parsed = TraceFields.parseAuthRes(AuthenticationResultsHeader.render(US, FACTS,
                List.of(CheckResult.of("sender-domain", result, "x", "why", Map.of()))));
        assertThat(parsed.results().get(0).result()).isEqualTo(result.text())
                .isIn("pass", "fail", "none", "temperror", "permerror");
    }

    @ParameterizedTest
    @CsvSource({
        "iprev, iprev",
        "generic-ptr, generic-ptr",
        "helo, helo",
        "sender-domain, sender-domain",
        "reverse-mx:mail-from, reverse-mx-mail-from",
        "reverse-mx:from, reverse-mx-from",
        "reverse-mx:reply-to, reverse-mx-reply-to",
        "reverse-mx:ptr, reverse-mx-ptr",
        "Odd Name!, odd-name",
        ":x:, x",
    })
    void checkNamesBecomeKeywords(String check, String method) {
        assertThat(AuthenticationResultsHeader.method(check)).isEqualTo(method);
    }

    @Test
    void everyCheckReportsTheIdentityItJudged() {
        List<CheckResult> all = new ArrayList<>();
        all.add(iprevPass());
        all.add(CheckResult.of("generic-ptr", Result.FAIL, "generic", "dsl-1-2.example looks generic", Map.of("ptr-name", "dsl-1-2.example")));
        all.add(heloPass());
        all.add(CheckResult.pass("sender-domain", "example.net has MX hosts", Map.of()));
        all.add(CheckResult.pass("reverse-mx:mail-from", "192.0.2.1 is an address of MX host mail.example.net", Map.of()));
        all.add(CheckResult.pass("reverse-mx:from", "192.0.2.1 is an address of MX host mail.example.net", Map.of()));
        all.add(CheckResult.of("reverse-mx:reply-to", Result.TEMPERROR, "dns-tempfail", "MX lookup of example.com failed temporarily", Map.of()));
        all.add(CheckResult.of("reverse-mx:ptr", Result.PERMERROR, "query-budget", "DNS query budget exhausted", Map.of("ptr-name", "dsl-1-2.example")));
        String h = AuthenticationResultsHeader.render(US, FACTS, all);
        TraceFields.assertOneField(h, "Authentication-Results");
        assertThat(TraceFields.longestLine(h)).isLessThanOrEqualTo(78);
        AuthRes parsed = TraceFields.parseAuthRes(h);
        assertThat(parsed.authservId()).isEqualTo(US);
        assertThat(parsed.results()).extracting(ResInfo::method).containsExactly("iprev", "generic-ptr", "helo", "sender-domain",
                "reverse-mx-mail-from", "reverse-mx-from", "reverse-mx-reply-to", "reverse-mx-ptr");
        assertThat(parsed.results()).extracting(ResInfo::result)
                .containsExactly("pass", "fail", "pass", "pass", "pass", "pass", "temperror", "permerror");
        assertThat(parsed.results()).extracting(ResInfo::properties).containsExactly(
                Map.of("policy.iprev", "192.0.2.1"),
                Map.of("policy.ptr", "dsl-1-2.example"),
                Map.of("smtp.helo", "mail.example.net"),
                Map.of("smtp.mailfrom", "alice@example.net"),
                Map.of("smtp.mailfrom", "alice@example.net"),
                Map.of("header.from", "alice@example.net"),
                Map.of("header.reply-to", "help@example.com"),
                Map.of("policy.ptr", "dsl-1-2.example"));
        assertThat(parsed.results().get(6).reason()).isEqualTo("MX lookup of example.com failed temporarily");
    }

    @Test
    void aReasonCannotInjectALineOrEndItsQuotes() {
        CheckResult evil = CheckResult.of("helo", Result.FAIL, "syntax",
                "HELO x\r\nX-Injected: yes\" ; iprev=pass (\\", Map.of());
        String h = AuthenticationResultsHeader.render(US, FACTS, List.of(evil));
        TraceFields.assertOneField(h, "Authentication-Results");
        assertThat(h).doesNotContain("\r\nX-Injected");
        AuthRes parsed = TraceFields.parseAuthRes(h);
        assertThat(parsed.results()).hasSize(1);
        assertThat(parsed.results().get(0).reason()).isEqualTo("HELO x X-Injected: yes\" ; iprev=pass (\\");
    }

    @Test
    void aPtrNameFromDnsCannotBreakTheComment() {
        CheckResult iprev = CheckResult.pass("iprev", "PTR name resolves",
                Map.of("confirmed", "a)\r\nX-Evil: (b; helo=pass"));
        String h = AuthenticationResultsHeader.render(US, FACTS, List.of(iprev));
        TraceFields.assertOneField(h, "Authentication-Results");
        assertThat(TraceFields.unfold(h)).endsWith("policy.iprev=192.0.2.1 (a\\) X-Evil: \\(b; helo=pass)");
        assertThat(TraceFields.parseAuthRes(h).results()).hasSize(1);
    }

    @Test
    void propertyValuesAreTokensAddressesOrQuotedAndNeverAltered() {
        assertThat(AuthenticationResultsHeader.pvalue("mail.example.net")).isEqualTo("mail.example.net");
        assertThat(AuthenticationResultsHeader.pvalue("alice@example.net")).isEqualTo("alice@example.net");
        assertThat(AuthenticationResultsHeader.pvalue("[192.0.2.1]")).isEqualTo("\"[192.0.2.1]\"");
        assertThat(AuthenticationResultsHeader.pvalue("a\"b\\c;d")).isEqualTo("\"a\\\"b\\\\c;d\"");
        // what cannot be written exactly is left out
        assertThat(AuthenticationResultsHeader.pvalue("a\r\nb")).isNull();
        assertThat(AuthenticationResultsHeader.pvalue("jörg@example.net")).isNull();
        assertThat(AuthenticationResultsHeader.pvalue("\"john smith\"@example.net")).isNull();
        assertThat(AuthenticationResultsHeader.pvalue("")).isNull();
        assertThat(AuthenticationResultsHeader.pvalue(null)).isNull();
        assertThat(AuthenticationResultsHeader.pvalue("x".repeat(257))).isNull();
    }

    @Test
    void aBadHeloIsLeftOutOfTheProperties() {
        SessionFacts facts = FACTS.withHelo("evil\r\nX-Injected: yes");
        String h = AuthenticationResultsHeader.render(US, facts,
                List.of(CheckResult.of("helo", Result.FAIL, "syntax", "HELO evil\r\nX-Injected: yes: bad syntax", Map.of())));
        TraceFields.assertOneField(h, "Authentication-Results");
        ResInfo r = TraceFields.parseAuthRes(h).results().get(0);
        assertThat(r.properties()).isEmpty();
        assertThat(r.reason()).isEqualTo("HELO evil X-Injected: yes: bad syntax");
    }

    @Test
    void theNullReversePathHasNoMailfromProperty() {
        SessionFacts bounce = FACTS.withMailFrom("");
        ResInfo r = TraceFields.parseAuthRes(AuthenticationResultsHeader.render(US, bounce,
                List.of(CheckResult.none("sender-domain", "null reverse-path <>")))).results().get(0);
        assertThat(r.properties()).isEmpty();
        assertThat(r.reason()).isEqualTo("null reverse-path <>");
    }

    @Test
    void anAuthservIdThatIsNoTokenIsQuoted() {
        assertThat(AuthenticationResultsHeader.none("odd;id")).isEqualTo("Authentication-Results: \"odd;id\"; none\r\n");
        assertThat(TraceFields.parseAuthRes(AuthenticationResultsHeader.none("odd;id")).authservId()).isEqualTo("odd;id");
        TraceFields.assertOneField(AuthenticationResultsHeader.none("a\r\nb"), "Authentication-Results");
    }

    @Test
    void aLongReasonIsCutAndFoldedWithinLimits() {
        String longReason = "word ".repeat(200) + "x".repeat(2000);
        String h = AuthenticationResultsHeader.render(US, FACTS, List.of(CheckResult.of("helo", Result.FAIL, "p", longReason, Map.of())));
        TraceFields.assertOneField(h, "Authentication-Results");
        assertThat(TraceFields.parseAuthRes(h).results().get(0).reason()).hasSize(302).endsWith("word...");
    }
}
