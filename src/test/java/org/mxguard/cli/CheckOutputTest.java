package org.mxguard.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import org.junit.jupiter.api.Test;
import org.mxguard.check.CheckResult;
import org.mxguard.check.Result;
import org.mxguard.policy.ActionTable;
import org.mxguard.policy.Allowlist;
import org.mxguard.policy.AllowlistEntry;
import org.mxguard.policy.Evaluator;
import org.mxguard.policy.Policy;
import org.mxguard.policy.Scoring;

/** {@code mxguard check} output, with per-check actions and in scoring mode. */
class CheckOutputTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private static final List<CheckResult> RESULTS = List.of(
            CheckResult.of("iprev", Result.FAIL, "no-ptr", "no PTR for 192.0.2.7", Map.of("ptr", "NXDOMAIN")),
            CheckResult.of("generic-ptr", Result.NONE, "", "no PTR", Map.of()),
            CheckResult.pass("helo", "mail.example.org resolves to the client", Map.of()),
            CheckResult.of("sender-domain", Result.NONE, "allowlisted", "allowlisted by cidr 192.0.2.0/24", Map.of()));

    private static Evaluator.Evaluation evaluate(Policy policy, List<CheckResult> results) {
        return new Evaluator.Evaluation(policy.decide(results), results, 7, 0);
    }

    private static Policy scoring(Scoring.Thresholds thresholds) {
        Scoring s = new Scoring(true, Map.of("helo", Map.of(Result.PASS, -1.0),
                "sender-domain", Map.of(Result.NONE, 3.0)), thresholds).overriding(Scoring.defaults());
        return new Policy(ActionTable.defaults(), Allowlist.empty(), s);
    }

    @Test
    void perCheckActionsPrintAsBefore() throws Exception {
        Evaluator.Evaluation e = evaluate(Policy.defaults(), RESULTS);
        String text = CheckOutput.text(e);
        assertThat(text).containsPattern("(?m)^iprev +fail +reject +no PTR for 192.0.2.7$")
                .containsPattern("(?m)^helo +pass +accept +mail.example.org")
                .contains("    ptr: NXDOMAIN\n")
                .contains("verdict: reject\nreply:   550 5.7.25 Reverse DNS validation failed: no PTR for 192.0.2.7\n")
                .doesNotContain("score");
        JsonNode json = MAPPER.readTree(CheckOutput.json(e));
        assertThat(json.get("verdict").fieldNames()).toIterable()
                .containsExactly("action", "reply", "dns-lookups", "dns-refused");
        assertThat(json.get("checks").get(0).fieldNames()).toIterable()
                .containsExactly("name", "result", "reason", "problem", "action", "evidence");
    }

    @Test
    void scoringModeShowsEachContributionAndTheScore() throws Exception {
        Evaluator.Evaluation e = evaluate(scoring(Scoring.Thresholds.defaults()), RESULTS);
        String text = CheckOutput.text(e);
        assertThat(text).containsPattern("(?m)^iprev +fail +\\+8\\.0 +no PTR for 192.0.2.7$")
                .containsPattern("(?m)^generic-ptr +none +0\\.0 +no PTR$")
                .containsPattern("(?m)^helo +pass +-1\\.0 +mail.example.org")
                .containsPattern("(?m)^sender-domain +none +0\\.0 +allowlisted by cidr")
                .contains("\nscore:   7.0 (tag 4.0, reject 8.0)\nverdict: tag\nreply:   250 2.0.0 Ok\n")
                .contains("dns:     7 distinct lookups");

        JsonNode json = MAPPER.readTree(CheckOutput.json(e));
        JsonNode verdict = json.get("verdict");
        assertThat(verdict.fieldNames()).toIterable()
                .containsExactly("action", "reply", "score", "score-floor", "thresholds", "dns-lookups", "dns-refused");
        assertThat(verdict.get("action").asText()).isEqualTo("tag");
        assertThat(verdict.get("score").asDouble()).isEqualTo(7.0);
        assertThat(verdict.get("score-floor").asDouble()).isEqualTo(7.0);
        assertThat(verdict.get("thresholds").get("tag").asDouble()).isEqualTo(4.0);
        assertThat(verdict.get("thresholds").get("reject").asDouble()).isEqualTo(8.0);
        assertThat(verdict.get("thresholds").has("tempfail")).isFalse();
        JsonNode iprev = json.get("checks").get(0);
        assertThat(iprev.get("score").asDouble()).isEqualTo(8.0);
        assertThat(iprev.get("action").asText()).isEqualTo("log");
        assertThat(iprev.has("allowlisted")).isFalse();
        assertThat(json.get("checks").get(2).get("score").asDouble()).isEqualTo(-1.0);
        JsonNode sender = json.get("checks").get(3);
        assertThat(sender.get("score").asDouble()).as("allowlisted: 0, whatever none weighs").isZero();
        assertThat(sender.get("allowlisted").asBoolean()).isTrue();
        assertThat(sender.get("action").asText()).isEqualTo("accept");
    }

    @Test
    void aScoreLeftOpenByATemporaryFailureShowsItsFloorAndTempfails() throws Exception {
        List<CheckResult> results = List.of(
                CheckResult.of("iprev", Result.TEMPERROR, "dns-tempfail", "PTR lookup timed out", Map.of()),
                CheckResult.of("helo", Result.FAIL, "nxdomain", "no such name", Map.of()));
        Evaluator.Evaluation e = evaluate(scoring(new Scoring.Thresholds(4, OptionalDouble.of(6), 8)), results);
        String text = CheckOutput.text(e);
        assertThat(text).containsPattern("(?m)^iprev +temperror +\\+8\\.0 +PTR lookup timed out$")
                .contains("score:   10.0 (tag 4.0, tempfail 6.0, reject 8.0); as low as 2.0 once the temporary DNS failures clear\n")
                .contains("verdict: tempfail\nreply:   451 4.4.3 Temporary DNS failure: PTR lookup timed out; try again later\n");
        JsonNode verdict = MAPPER.readTree(CheckOutput.json(e)).get("verdict");
        assertThat(verdict.get("score").asDouble()).isEqualTo(10.0);
        assertThat(verdict.get("score-floor").asDouble()).isEqualTo(2.0);
        assertThat(verdict.get("thresholds").get("tempfail").asDouble()).isEqualTo(6.0);
        assertThat(verdict.get("reply").asText()).startsWith("451 4.4.3 ");
    }

    @Test
    void aPtrSuffixClearedCheckShowsItsNoteAndAddsNothing() throws Exception {
        Allowlist allow = new Allowlist(List.of(new AllowlistEntry(AllowlistEntry.Kind.PTR_SUFFIX, "isp.example",
                List.of("generic-ptr"), "dial-up pool")));
        Policy p = new Policy(ActionTable.defaults(), allow, Scoring.defaults().withEnabled(true));
        List<CheckResult> results = List.of(
                CheckResult.pass("iprev", "confirmed", Map.of("confirmed", "dyn-7.isp.example")),
                CheckResult.of("generic-ptr", Result.FAIL, "generic", "generic name", Map.of()));
        Evaluator.Evaluation e = evaluate(p, results);
        assertThat(CheckOutput.text(e)).containsPattern("(?m)^generic-ptr +fail +0\\.0 +generic name$")
                .contains("    note: allowlisted by ptr-suffix isp.example (dial-up pool)\n")
                .contains("score:   0.0 (tag 4.0, reject 8.0)\nverdict: accept\n");
        JsonNode generic = MAPPER.readTree(CheckOutput.json(e)).get("checks").get(1);
        assertThat(generic.get("allowlisted").asBoolean()).isTrue();
        assertThat(generic.get("note").asText()).contains("isp.example");
    }
}
