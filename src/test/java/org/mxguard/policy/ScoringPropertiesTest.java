package org.mxguard.policy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.mxguard.check.CheckResult;
import org.mxguard.check.Result;

/** Whatever the weights and thresholds: a reject never hinges on a temporary DNS failure. */
class ScoringPropertiesTest {
    private static final List<String> CHECKS =
            List.of("iprev", "generic-ptr", "helo", "sender-domain", "reverse-mx:mail-from", "reverse-mx:from");
    private static final List<Result> DEFINITE =
            List.of(Result.PASS, Result.FAIL, Result.NONE, Result.PERMERROR);

    record Case(Scoring scoring, List<Result> results) {
        Policy policy() {
            return new Policy(ActionTable.defaults(), Allowlist.empty(), scoring);
        }
    }

    @Provide
    Arbitrary<Case> cases() {
        Arbitrary<Double> weight = Arbitraries.integers().between(-10, 20).map(i -> i / 2.0);
        Arbitrary<Double> temperrorWeight = Arbitraries.integers().between(0, 20).map(i -> i / 2.0);
        Arbitrary<List<Double>> weights = weight.list().ofSize(CHECKS.size() * DEFINITE.size());
        Arbitrary<List<Double>> temperrorWeights = temperrorWeight.list().ofSize(CHECKS.size());
        Arbitrary<List<Result>> results = Arbitraries.of(Result.values()).list().ofSize(CHECKS.size());
        Arbitrary<Scoring.Thresholds> thresholds = Combinators.combine(
                Arbitraries.integers().between(1, 16), Arbitraries.integers().between(0, 8),
                Arbitraries.integers().between(0, 8), Arbitraries.of(true, false))
                .as((tag, up1, up2, withTempfail) -> new Scoring.Thresholds(tag / 2.0,
                        withTempfail ? OptionalDouble.of((tag + up1) / 2.0) : OptionalDouble.empty(),
                        (tag + up1 + up2) / 2.0));
        return Combinators.combine(weights, temperrorWeights, thresholds, results).as((w, tw, t, r) -> {
            Map<String, Map<Result, Double>> table = new HashMap<>();
            for (int c = 0; c < CHECKS.size(); c++) {
                Map<Result, Double> row = new EnumMap<>(Result.class);
                for (int i = 0; i < DEFINITE.size(); i++) {
                    row.put(DEFINITE.get(i), w.get(c * DEFINITE.size() + i));
                }
                row.put(Result.TEMPERROR, tw.get(c));
                table.put(CHECKS.get(c), row);
            }
            return new Case(new Scoring(true, table, t), r);
        });
    }

    private static List<CheckResult> checks(List<Result> results) {
        List<CheckResult> list = new ArrayList<>();
        for (int i = 0; i < CHECKS.size(); i++) {
            list.add(CheckResult.of(CHECKS.get(i), results.get(i), "x", "r", Map.of()));
        }
        return list;
    }

    @Property(tries = 2000)
    void aRejectStandsHoweverTheTemporaryFailuresResolve(@ForAll("cases") Case c) {
        Verdict v = c.policy().decide(checks(c.results()));
        if (v.action() != Action.REJECT) {
            return;
        }
        for (List<Result> resolved : resolutions(c.results())) {
            assertThat(c.policy().decide(checks(resolved)).action()).as("%s resolved as %s", c.results(), resolved)
                    .isEqualTo(Action.REJECT);
        }
    }

    @Property(tries = 2000)
    void belowRejectWithoutTheTemperrorsIsNeverAReject(@ForAll("cases") Case c) {
        Verdict v = c.policy().decide(checks(c.results()));
        double definite = 0;
        for (int i = 0; i < CHECKS.size(); i++) {
            if (c.results().get(i) != Result.TEMPERROR) {
                definite += c.scoring().weightFor(CHECKS.get(i), c.results().get(i));
            }
        }
        if (c.results().contains(Result.TEMPERROR) && definite < c.scoring().thresholds().reject() - 1e-9) {
            assertThat(v.action()).isNotEqualTo(Action.REJECT);
        }
    }

    @Property(tries = 2000)
    void onlyARejectAnswers5xxAndATemporaryFailureLeftOpenAnswers443(@ForAll("cases") Case c) {
        Verdict v = c.policy().decide(checks(c.results()));
        assertThat(v.reply().code() >= 500).isEqualTo(v.action() == Action.REJECT);
        assertThat(v.reply().code() >= 400).isEqualTo(v.action().isAtLeast(Action.TEMPFAIL));
        Score s = v.score().orElseThrow();
        assertThat(s.floor()).isLessThanOrEqualTo(s.total());
        if (s.total() >= s.thresholds().reject() && s.floor() < s.thresholds().reject()) {
            assertThat(v.reply().toString()).startsWith("451 4.4.3 ");
        }
    }

    /** Every way the temperror results could have come out instead. */
    private static List<List<Result>> resolutions(List<Result> results) {
        List<List<Result>> all = new ArrayList<>();
        int i = results.indexOf(Result.TEMPERROR);
        if (i < 0) {
            all.add(results);
            return all;
        }
        for (Result r : DEFINITE) {
            List<Result> next = new ArrayList<>(results);
            next.set(i, r);
            all.addAll(resolutions(next));
        }
        return all;
    }
}
