package org.mxguard.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.mxguard.check.CheckResult;
import org.mxguard.check.Result;
import org.junit.jupiter.api.Test;

class PolicyTest {
    private static CheckResult r(String name, Result result, String problem) {
        return CheckResult.of(name, result, problem, name + " " + result.text(), Map.of());
    }

    private static CheckResult iprevPass(String confirmed) {
        return CheckResult.of("iprev", Result.PASS, "", "ok", Map.of("confirmed", confirmed));
    }

    @Test
    void defaultsRejectIprevFailureWith5725() {
        Verdict v = Policy.defaults().decide(List.of(r("iprev", Result.FAIL, "no-ptr"), r("helo", Result.PASS, "")));
        assertThat(v.action()).isEqualTo(Action.REJECT);
        assertThat(v.reply().code()).isEqualTo(550);
        assertThat(v.reply().enhanced()).isEqualTo("5.7.25");
    }

    @Test
    void nullMxSenderGets5727AndOtherSenderFailures518() {
        assertThat(Policy.defaults().decide(List.of(r("sender-domain", Result.FAIL, "null-mx"))).reply().enhanced())
                .isEqualTo("5.7.27");
        assertThat(Policy.defaults().decide(List.of(r("sender-domain", Result.FAIL, "nxdomain"))).reply().enhanced())
                .isEqualTo("5.1.8");
    }

    @Test
    void temperrorOfARejectingCheckTempfailsWith443() {
        Verdict v = Policy.defaults().decide(List.of(r("iprev", Result.TEMPERROR, "dns-tempfail")));
        assertThat(v.action()).isEqualTo(Action.TEMPFAIL);
        assertThat(v.reply().toString()).startsWith("451 4.4.3 ");
    }

    @Test
    void temperrorOfALoggingCheckOnlyLogs() {
        Verdict v = Policy.defaults().decide(List.of(r("helo", Result.TEMPERROR, "dns-tempfail"),
                r("reverse-mx:from", Result.TEMPERROR, "dns-tempfail")));
        assertThat(v.action()).isEqualTo(Action.LOG);
        assertThat(v.reply()).isEqualTo(Reply.OK);
    }

    @Test
    void defaultActionsPerCheck() {
        ActionTable t = ActionTable.defaults();
        assertThat(t.actionFor("helo", Result.FAIL)).isEqualTo(Action.LOG);
        assertThat(t.actionFor("generic-ptr", Result.FAIL)).isEqualTo(Action.TAG);
        assertThat(t.actionFor("reverse-mx:ptr", Result.FAIL)).isEqualTo(Action.LOG);
        assertThat(t.actionFor("sender-domain", Result.TEMPERROR)).isEqualTo(Action.TEMPFAIL);
        assertThat(t.actionFor("iprev", Result.PASS)).isEqualTo(Action.ACCEPT);
        assertThat(t.actionFor("iprev", Result.NONE)).isEqualTo(Action.ACCEPT);
    }

    @Test
    void verdictTakesTheMostSevereAction() {
        Verdict v = Policy.defaults().decide(List.of(r("generic-ptr", Result.FAIL, "generic"),
                r("helo", Result.FAIL, "syntax"), r("iprev", Result.TEMPERROR, "dns-tempfail")));
        assertThat(v.action()).isEqualTo(Action.TEMPFAIL);
        assertThat(v.tags()).extracting(d -> d.result().name()).containsExactly("generic-ptr");
    }

    @Test
    void exactCheckRuleBeatsFamilyRuleAndAFailureRuleDerivesTemperror() {
        ActionTable t = new ActionTable(Map.of("reverse-mx", Map.of(Result.FAIL, Action.TAG),
                "reverse-mx:from", Map.of(Result.FAIL, Action.REJECT))).overriding(ActionTable.defaults());
        assertThat(t.actionFor("reverse-mx:from", Result.FAIL)).isEqualTo(Action.REJECT);
        assertThat(t.actionFor("reverse-mx:from", Result.TEMPERROR)).isEqualTo(Action.TEMPFAIL);
        assertThat(t.actionFor("reverse-mx:ptr", Result.FAIL)).isEqualTo(Action.TAG);
        assertThat(t.actionFor("reverse-mx:ptr", Result.TEMPERROR)).isEqualTo(Action.LOG);
    }

    @Test
    void temperrorCanNeverReject() {
        assertThatThrownBy(() -> new ActionTable(Map.of("iprev", Map.of(Result.TEMPERROR, Action.REJECT))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("temperror");
    }

    @Test
    void adminChosenTempfailOnFailureKeepsTheDetailWithA4() {
        Policy p = new Policy(new ActionTable(Map.of("sender-domain", Map.of(Result.FAIL, Action.TEMPFAIL))), Allowlist.empty());
        Verdict v = p.decide(List.of(r("sender-domain", Result.FAIL, "nxdomain")));
        assertThat(v.reply().code()).isEqualTo(450);
        assertThat(v.reply().enhanced()).isEqualTo("4.1.8");
    }

    @Test
    void ptrSuffixAllowlistAppliesOnlyToForwardConfirmedNames() {
        Allowlist allow = new Allowlist(List.of(new AllowlistEntry(AllowlistEntry.Kind.PTR_SUFFIX,
                "outbound.protection.outlook.com", List.of("reverse-mx"), "Microsoft 365")));
        Policy p = new Policy(new ActionTable(Map.of("reverse-mx", Map.of(Result.FAIL, Action.REJECT))), allow);
        Verdict confirmed = p.decide(List.of(iprevPass("mail-db8eur05on2070.outbound.protection.outlook.com"),
                r("reverse-mx:mail-from", Result.FAIL, "not-mx")));
        assertThat(confirmed.action()).isEqualTo(Action.ACCEPT);
        assertThat(confirmed.decisions().get(1).note()).contains("ptr-suffix outbound.protection.outlook.com");

        Verdict unconfirmed = p.decide(List.of(r("iprev", Result.FAIL, "unconfirmed"),
                r("reverse-mx:mail-from", Result.FAIL, "not-mx")));
        assertThat(unconfirmed.action()).isEqualTo(Action.REJECT);
    }

    @Test
    void suffixMatchesAtALabelBoundaryOnly() {
        AllowlistEntry e = new AllowlistEntry(AllowlistEntry.Kind.PTR_SUFFIX, ".google.com", List.of(), null);
        assertThat(e.matchesDomain("mail-wr1-f45.google.com")).isTrue();
        assertThat(e.matchesDomain("google.com")).isTrue();
        assertThat(e.matchesDomain("evilgoogle.com")).isFalse();
    }

    @Test
    void cidrEntriesMatchTheirNetworkOnly() {
        AllowlistEntry v4 = new AllowlistEntry(AllowlistEntry.Kind.CIDR, "192.0.2.0/24", List.of("iprev"), "");
        assertThat(v4.matchesIp(org.mxguard.dns.InetAddresses.require("192.0.2.77"))).isTrue();
        assertThat(v4.matchesIp(org.mxguard.dns.InetAddresses.require("192.0.3.1"))).isFalse();
        assertThat(v4.matchesIp(org.mxguard.dns.InetAddresses.require("::ffff:192.0.2.9"))).isTrue();
        AllowlistEntry v6 = new AllowlistEntry(AllowlistEntry.Kind.CIDR, "2001:db8::/33", List.of(), "");
        assertThat(v6.matchesIp(org.mxguard.dns.InetAddresses.require("2001:db8:7fff::1"))).isTrue();
        assertThat(v6.matchesIp(org.mxguard.dns.InetAddresses.require("2001:db8:8000::1"))).isFalse();
        assertThat(v4.covers("iprev")).isTrue();
        assertThat(v4.covers("helo")).isFalse();
    }

    @Test
    void familyNamesInAllowlistsCoverEverySource() {
        AllowlistEntry e = new AllowlistEntry(AllowlistEntry.Kind.SENDER_DOMAIN, "example.org", List.of("reverse-mx:*"), "");
        assertThat(e.covers("reverse-mx:reply-to")).isTrue();
        assertThat(e.covers("reverse-mxx")).isFalse();
        assertThat(e.covers("iprev")).isFalse();
    }
}
