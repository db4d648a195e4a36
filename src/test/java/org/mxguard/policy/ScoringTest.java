package org.mxguard.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import org.junit.jupiter.api.Test;
import org.mxguard.check.CheckResult;
import org.mxguard.check.Result;

/** Scoring mode: weights, thresholds, family rules, allowlists, and the rule that a temperror never leads to a 5xx. */
class ScoringTest {
    private static final Scoring.Thresholds TAG4_REJECT8 = Scoring.Thresholds.defaults();

    private static CheckResult r(String name, Result result, String problem) {
        return CheckResult.of(name, result, problem, name + " " + result.text(), Map.of());
    }

    private static CheckResult fail(String name) {
        return r(name, Result.FAIL, "x");
    }

    private static CheckResult temperror(String name) {
        return r(name, Result.TEMPERROR, "dns-tempfail");
    }

    private static CheckResult pass(String name) {
        return r(name, Result.PASS, "");
    }

    /** Scoring switched on with these weights over nothing (what the map leaves out weighs 0). */
    private static Policy scoring(Map<String, Map<Result, Double>> weights, Scoring.Thresholds thresholds) {
        return new Policy(ActionTable.defaults(), Allowlist.empty(), new Scoring(true, weights, thresholds));
    }

    private static Policy defaultScoring() {
        return new Policy(ActionTable.defaults(), Allowlist.empty(), Scoring.defaults().withEnabled(true));
    }

    private static Score score(Verdict v) {
        assertThat(v.score()).as("scoring mode gives a score").isPresent();
        return v.score().get();
    }

    // ---------------------------------------------------------------- off

    @Test
    void scoringIsOffByDefaultAndPerCheckActionsDecide() {
        assertThat(Scoring.defaults().enabled()).isFalse();
        Policy p = new Policy(ActionTable.defaults(), Allowlist.empty(), Scoring.defaults());
        Verdict v = p.decide(List.of(fail("generic-ptr"), fail("helo"), fail("reverse-mx:ptr"), fail("reverse-mx:mail-from")));
        assertThat(v.action()).as("generic-ptr tags, the rest log").isEqualTo(Action.TAG);
        assertThat(v.score()).isEmpty();
        assertThat(v.tags()).extracting(d -> d.result().name()).containsExactly("generic-ptr");
        assertThat(Policy.defaults().scoring().enabled()).isFalse();
    }

    // ---------------------------------------------------------------- default weights

    @Test
    void defaultWeightsMirrorTheDefaultActions() {
        Scoring s = Scoring.defaults();
        assertThat(s.weightFor("iprev", Result.FAIL)).isEqualTo(8.0);
        assertThat(s.weightFor("sender-domain", Result.FAIL)).isEqualTo(8.0);
        assertThat(s.weightFor("generic-ptr", Result.FAIL)).isEqualTo(4.0);
        assertThat(s.weightFor("helo", Result.FAIL)).isEqualTo(2.0);
        assertThat(s.weightFor("reverse-mx:reply-to", Result.FAIL)).isEqualTo(1.0);
        assertThat(s.weightFor("iprev", Result.TEMPERROR)).as("temperror weighs what fail weighs").isEqualTo(8.0);
        assertThat(s.weightFor("iprev", Result.PASS)).isZero();
        assertThat(s.weightFor("iprev", Result.NONE)).isZero();
        assertThat(s.weightFor("sender-domain", Result.PERMERROR)).isZero();
        assertThat(s.thresholds()).isEqualTo(new Scoring.Thresholds(4.0, OptionalDouble.empty(), 8.0));

        Policy p = defaultScoring();
        assertThat(p.decide(List.of(fail("iprev"), pass("helo"))).action()).isEqualTo(Action.REJECT);
        assertThat(p.decide(List.of(fail("sender-domain"))).action()).isEqualTo(Action.REJECT);
        assertThat(p.decide(List.of(fail("generic-ptr"))).action()).isEqualTo(Action.TAG);
        assertThat(p.decide(List.of(fail("helo"))).action()).isEqualTo(Action.LOG);
        assertThat(p.decide(List.of(pass("iprev"), pass("helo"))).action()).isEqualTo(Action.ACCEPT);
    }

    @Test
    void weakSignalsAddUp() {
        Policy p = defaultScoring();
        Verdict tagged = p.decide(List.of(pass("iprev"), fail("helo"), fail("reverse-mx:mail-from"), fail("reverse-mx:ptr")));
        assertThat(score(tagged).total()).isEqualTo(4.0);
        assertThat(tagged.action()).as("a total equal to a threshold reaches it").isEqualTo(Action.TAG);
        assertThat(tagged.reply()).isEqualTo(Reply.OK);
        assertThat(tagged.tags()).extracting(d -> d.result().name())
                .containsExactly("helo", "reverse-mx:mail-from", "reverse-mx:ptr");

        Verdict rejected = p.decide(List.of(pass("iprev"), r("generic-ptr", Result.FAIL, "generic"), fail("helo"),
                fail("reverse-mx:mail-from"), fail("reverse-mx:ptr")));
        assertThat(score(rejected).total()).isEqualTo(8.0);
        assertThat(rejected.action()).isEqualTo(Action.REJECT);
        assertThat(rejected.reply().toString()).as("the reply of the check that added the most, with the score")
                .isEqualTo("550 5.7.1 Client host rejected: generic-ptr fail (generic-ptr) (score 8.0, reject at 8.0)");
        assertThat(rejected.tags()).as("the checks behind the score").hasSize(4);
    }

    @Test
    void aRejectKeepsTheHeaviestChecksEnhancedCode() {
        Verdict v = defaultScoring().decide(List.of(r("iprev", Result.FAIL, "no-ptr"), fail("helo")));
        assertThat(v.action()).isEqualTo(Action.REJECT);
        assertThat(v.reply().code()).isEqualTo(550);
        assertThat(v.reply().enhanced()).isEqualTo("5.7.25");
        assertThat(v.reply().text()).startsWith("Reverse DNS validation failed: ").endsWith("(score 10.0, reject at 8.0)");

        Verdict nullMx = defaultScoring().decide(List.of(r("sender-domain", Result.FAIL, "null-mx")));
        assertThat(nullMx.reply().enhanced()).isEqualTo("5.7.27");
    }

    @Test
    void eachDecisionSaysOnlyWhetherItCounted() {
        Policy p = scoring(Map.of("helo", Map.of(Result.PASS, -1.0, Result.FAIL, 2.0)), TAG4_REJECT8);
        Verdict v = p.decide(List.of(pass("helo"), fail("iprev")));
        assertThat(v.decisions()).extracting(Decision::action).containsExactly(Action.ACCEPT, Action.ACCEPT);
        assertThat(v.action()).as("nothing added: accept").isEqualTo(Action.ACCEPT);
        Verdict w = p.decide(List.of(fail("helo")));
        assertThat(w.decisions()).extracting(Decision::action).containsExactly(Action.LOG);
        assertThat(w.action()).as("something added, below tag: log").isEqualTo(Action.LOG);
    }

    // ---------------------------------------------------------------- thresholds

    @Test
    void thresholdsTakeTheHighestOneReached() {
        Scoring.Thresholds t = new Scoring.Thresholds(3, OptionalDouble.of(5), 7);
        Policy p = scoring(Map.of("helo", Map.of(Result.FAIL, 1.0), "generic-ptr", Map.of(Result.FAIL, 2.0),
                "reverse-mx", Map.of(Result.FAIL, 2.0), "iprev", Map.of(Result.FAIL, 3.0)), t);
        assertThat(p.decide(List.of(fail("helo"))).action()).isEqualTo(Action.LOG);
        assertThat(p.decide(List.of(fail("iprev"))).action()).isEqualTo(Action.TAG);
        assertThat(p.decide(List.of(fail("helo"), fail("iprev"))).action()).isEqualTo(Action.TAG);
        Verdict tempfail = p.decide(List.of(fail("generic-ptr"), r("iprev", Result.FAIL, "no-ptr")));
        assertThat(tempfail.action()).isEqualTo(Action.TEMPFAIL);
        assertThat(tempfail.reply().code()).as("a policy tempfail, not a DNS one").isEqualTo(450);
        assertThat(tempfail.reply().enhanced()).isEqualTo("4.7.25");
        assertThat(tempfail.reply().text()).endsWith("(score 5.0, tempfail at 5.0)");
        Verdict reject = p.decide(List.of(fail("generic-ptr"), fail("iprev"), fail("reverse-mx:from")));
        assertThat(reject.action()).isEqualTo(Action.REJECT);
        assertThat(score(reject).total()).isEqualTo(7.0);
    }

    @Test
    void thresholdsMustRiseWithSeverity() {
        assertThatThrownBy(() -> new Scoring.Thresholds(8, OptionalDouble.empty(), 4))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("tag");
        assertThatThrownBy(() -> new Scoring.Thresholds(4, OptionalDouble.of(3), 8))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("tempfail");
        assertThatThrownBy(() -> new Scoring.Thresholds(4, OptionalDouble.of(9), 8))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("tempfail");
        assertThatThrownBy(() -> new Scoring.Thresholds(0, OptionalDouble.empty(), 8))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("above 0");
        assertThatThrownBy(() -> new Scoring.Thresholds(4, OptionalDouble.empty(), Double.POSITIVE_INFINITY))
                .isInstanceOf(IllegalArgumentException.class);
        // equal thresholds are allowed: tag = reject never tags
        Policy p = scoring(Map.of("helo", Map.of(Result.FAIL, 5.0)), new Scoring.Thresholds(5, OptionalDouble.of(5), 5));
        assertThat(p.decide(List.of(fail("helo"))).action()).isEqualTo(Action.REJECT);
    }

    @Test
    void decimalWeightsReachTheirThresholdDespiteBinaryFractions() {
        Policy p = scoring(Map.of("reverse-mx", Map.of(Result.FAIL, 0.1), "helo", Map.of(Result.FAIL, 0.2)),
                new Scoring.Thresholds(0.3, OptionalDouble.empty(), 0.7));
        Verdict v = p.decide(List.of(fail("reverse-mx:from"), fail("helo")));
        assertThat(score(v).total()).isEqualTo(0.3);
        assertThat(v.action()).isEqualTo(Action.TAG);
    }

    // ---------------------------------------------------------------- negative weights

    @Test
    void negativeWeightsCountInTheSendersFavour() {
        Policy p = scoring(Map.of("iprev", Map.of(Result.FAIL, 5.0, Result.PASS, -2.0),
                "helo", Map.of(Result.PASS, -1.0), "generic-ptr", Map.of(Result.FAIL, 4.0)), TAG4_REJECT8);
        Verdict v = p.decide(List.of(fail("iprev"), r("generic-ptr", Result.FAIL, "generic"), pass("helo")));
        assertThat(score(v).total()).isEqualTo(8.0);
        assertThat(v.action()).isEqualTo(Action.REJECT);
        assertThat(score(v).of("helo").orElseThrow().points()).isEqualTo(-1.0);

        Verdict w = p.decide(List.of(pass("iprev"), r("generic-ptr", Result.FAIL, "generic"), pass("helo")));
        assertThat(score(w).total()).isEqualTo(1.0);
        assertThat(w.action()).as("the generic name alone would tag").isEqualTo(Action.LOG);
    }

    // ---------------------------------------------------------------- family rules

    @Test
    void anExactCheckWeightBeatsTheFamilysAndTemperrorFollowsFail() {
        Scoring s = new Scoring(true, Map.of("reverse-mx", Map.of(Result.FAIL, 1.0, Result.NONE, 0.5),
                "reverse-mx:from", Map.of(Result.FAIL, 3.0)), TAG4_REJECT8);
        assertThat(s.weightFor("reverse-mx:from", Result.FAIL)).isEqualTo(3.0);
        assertThat(s.weightFor("reverse-mx:from", Result.NONE)).as("the family's, result by result").isEqualTo(0.5);
        assertThat(s.weightFor("reverse-mx:ptr", Result.FAIL)).isEqualTo(1.0);
        assertThat(s.weightFor("reverse-mx:from", Result.TEMPERROR)).isEqualTo(3.0);
        assertThat(s.weightFor("reverse-mx:ptr", Result.TEMPERROR)).isEqualTo(1.0);
        assertThat(s.weightFor("iprev", Result.FAIL)).as("what no rule names weighs 0").isZero();
        assertThat(s.weightFor("reverse-mxx", Result.FAIL)).isZero();
    }

    @Test
    void weightsLayOverTheDefaultsResultByResult() {
        Scoring s = new Scoring(true, Map.of("iprev", Map.of(Result.PASS, -1.0),
                "reverse-mx:from", Map.of(Result.FAIL, 2.5)), TAG4_REJECT8).overriding(Scoring.defaults());
        assertThat(s.enabled()).as("the switch and thresholds are this one's").isTrue();
        assertThat(s.weightFor("iprev", Result.FAIL)).isEqualTo(8.0);
        assertThat(s.weightFor("iprev", Result.PASS)).isEqualTo(-1.0);
        assertThat(s.weightFor("reverse-mx:from", Result.FAIL)).isEqualTo(2.5);
        assertThat(s.weightFor("reverse-mx:ptr", Result.FAIL)).isEqualTo(1.0);
        assertThat(s.mostFavourable("iprev")).isEqualTo(-1.0);
        assertThat(s.mostFavourable("generic-ptr")).isZero();
    }

    @Test
    void weightsAreBoundedAndTemperrorNeverNegative() {
        assertThatThrownBy(() -> new Scoring(true, Map.of("helo", Map.of(Result.TEMPERROR, -1.0)), TAG4_REJECT8))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("temperror");
        assertThatThrownBy(() -> new Scoring(true, Map.of("helo", Map.of(Result.FAIL, Double.NaN)), TAG4_REJECT8))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Scoring(true, Map.of("helo", Map.of(Result.FAIL, 1001.0)), TAG4_REJECT8))
                .isInstanceOf(IllegalArgumentException.class);
        Scoring negativeFail = new Scoring(true, Map.of("helo", Map.of(Result.FAIL, -3.0)), TAG4_REJECT8);
        assertThat(negativeFail.weightFor("helo", Result.TEMPERROR)).as("derived, never below 0").isZero();
    }

    // ---------------------------------------------------------------- temperror never leads to a 5xx

    @Test
    void aTemperrorAloneTempfailsWith443() {
        Verdict v = defaultScoring().decide(List.of(temperror("iprev"), pass("helo")));
        assertThat(score(v).total()).isEqualTo(8.0);
        assertThat(score(v).floor()).isZero();
        assertThat(score(v).uncertain()).isTrue();
        assertThat(v.action()).isEqualTo(Action.TEMPFAIL);
        assertThat(v.reply().toString()).startsWith("451 4.4.3 Temporary DNS failure: iprev temperror");
    }

    @Test
    void definiteFailuresThatRejectOnTheirOwnStillRejectBesideATemperror() {
        Verdict v = defaultScoring().decide(List.of(r("iprev", Result.FAIL, "no-ptr"), temperror("helo")));
        assertThat(score(v).total()).isEqualTo(10.0);
        assertThat(score(v).floor()).isEqualTo(8.0);
        assertThat(v.action()).isEqualTo(Action.REJECT);
        assertThat(v.reply().enhanced()).isEqualTo("5.7.25");
    }

    @Test
    void aTemperrorThatMightHavePassedWithANegativeWeightPreventsTheReject() {
        Policy p = scoring(Map.of("iprev", Map.of(Result.FAIL, 5.0), "generic-ptr", Map.of(Result.FAIL, 4.0),
                "helo", Map.of(Result.PASS, -2.0, Result.FAIL, 2.0)), TAG4_REJECT8);
        Verdict v = p.decide(List.of(fail("iprev"), fail("generic-ptr"), temperror("helo")));
        assertThat(score(v).total()).isEqualTo(11.0);
        assertThat(score(v).floor()).as("9 without helo, 7 had helo passed").isEqualTo(7.0);
        assertThat(v.action()).isEqualTo(Action.TEMPFAIL);
        assertThat(v.reply().toString()).startsWith("451 4.4.3 ");
    }

    @Test
    void theScoreWithoutTheTemperrorsBelowRejectNeverRejects() {
        Verdict v = defaultScoring().decide(List.of(fail("generic-ptr"), fail("helo"), temperror("sender-domain")));
        assertThat(score(v).total()).isEqualTo(14.0);
        assertThat(score(v).floor()).isEqualTo(6.0);
        assertThat(v.action()).isEqualTo(Action.TEMPFAIL);
        assertThat(v.reply().toString()).startsWith("451 4.4.3 Temporary DNS failure: sender-domain temperror");
    }

    @Test
    void aTempfailThresholdReachedOnlyThroughATemperrorIsADnsTempfail() {
        Policy p = scoring(Map.of("helo", Map.of(Result.FAIL, 3.0), "reverse-mx", Map.of(Result.FAIL, 2.0)),
                new Scoring.Thresholds(4, OptionalDouble.of(5), 10));
        Verdict v = p.decide(List.of(fail("helo"), temperror("reverse-mx:mail-from")));
        assertThat(v.action()).isEqualTo(Action.TEMPFAIL);
        assertThat(v.reply().toString()).startsWith("451 4.4.3 ");
    }

    @Test
    void aTemperrorOnlyTagsWhenItsWeightReachesTag() {
        Verdict v = defaultScoring().decide(List.of(temperror("generic-ptr")));
        assertThat(v.action()).isEqualTo(Action.TAG);
        assertThat(v.reply()).isEqualTo(Reply.OK);
    }

    @Test
    void whileIprevIsTemperrorAPtrSuffixRuleMightYetClearTheChecksItCovers() {
        Allowlist allow = new Allowlist(List.of(new AllowlistEntry(AllowlistEntry.Kind.PTR_SUFFIX,
                "outbound.example.com", List.of("reverse-mx"), "")));
        Scoring s = new Scoring(true, Map.of("reverse-mx", Map.of(Result.FAIL, 8.0)), TAG4_REJECT8);
        Policy p = new Policy(ActionTable.defaults(), allow, s);
        Verdict open = p.decide(List.of(temperror("iprev"), fail("reverse-mx:mail-from")));
        assertThat(score(open).total()).isEqualTo(8.0);
        assertThat(score(open).floor()).isZero();
        assertThat(open.action()).isEqualTo(Action.TEMPFAIL);
        assertThat(open.reply().toString()).startsWith("451 4.4.3 Temporary DNS failure: iprev temperror");

        Verdict decided = p.decide(List.of(fail("iprev"), fail("reverse-mx:mail-from")));
        assertThat(decided.action()).as("iprev answered: no confirmed name, nothing to clear").isEqualTo(Action.REJECT);
    }

    // ---------------------------------------------------------------- allowlists

    @Test
    void allowlistedChecksAddNothing() {
        Scoring s = new Scoring(true, Map.of("sender-domain", Map.of(Result.NONE, 5.0),
                "generic-ptr", Map.of(Result.FAIL, 4.0)), TAG4_REJECT8);
        Allowlist allow = new Allowlist(List.of(new AllowlistEntry(AllowlistEntry.Kind.PTR_SUFFIX,
                "isp.example", List.of("generic-ptr"), "our dial-up pool")));
        Policy p = new Policy(ActionTable.defaults(), allow, s);
        CheckResult skipped = CheckResult.of("sender-domain", Result.NONE, Policy.ALLOWLISTED,
                "allowlisted by cidr 192.0.2.0/24", Map.of());
        CheckResult iprev = CheckResult.of("iprev", Result.PASS, "", "ok", Map.of("confirmed", "dyn-1.isp.example"));
        Verdict v = p.decide(List.of(iprev, r("generic-ptr", Result.FAIL, "generic"), skipped));

        assertThat(score(v).total()).isZero();
        assertThat(v.action()).isEqualTo(Action.ACCEPT);
        Score.Contribution sender = score(v).of("sender-domain").orElseThrow();
        assertThat(sender.points()).isZero();
        assertThat(sender.allowlisted()).isTrue();
        Score.Contribution generic = score(v).of("generic-ptr").orElseThrow();
        assertThat(generic.points()).isZero();
        assertThat(generic.allowlisted()).isTrue();
        assertThat(v.decisions().get(1).note()).contains("ptr-suffix isp.example");

        // an ordinary none (the null reverse-path) is weighed
        Verdict nullPath = p.decide(List.of(CheckResult.none("sender-domain", "null reverse-path")));
        assertThat(score(nullPath).total()).isEqualTo(5.0);
        assertThat(score(nullPath).of("sender-domain").orElseThrow().allowlisted()).isFalse();
    }

    // ---------------------------------------------------------------- numbers

    @Test
    void numbersPrintShort() {
        assertThat(Score.number(8)).isEqualTo("8.0");
        assertThat(Score.number(2.5)).isEqualTo("2.5");
        assertThat(Score.number(-0.25)).isEqualTo("-0.25");
        assertThat(Score.number(0.1 + 0.2)).isEqualTo("0.3");
        assertThat(Score.number(-0.0)).isEqualTo("0.0");
        assertThat(Score.signed(8)).isEqualTo("+8.0");
        assertThat(Score.signed(-1)).isEqualTo("-1.0");
        assertThat(Score.signed(0)).isEqualTo("0.0");
    }
}
