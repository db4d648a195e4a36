package org.mxguard.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.mxguard.policy.Decision;
import org.mxguard.policy.Evaluator;
import org.mxguard.policy.Score;
import org.mxguard.policy.Verdict;

/**
 * Renders a verdict for {@code mxguard check}: text for people, JSON for programs. In scoring
 * mode each check shows what it added to the score (in place of its action, in the text) and the
 * verdict shows the score with its thresholds.
 */
final class CheckOutput {
    private CheckOutput() {
    }

    static String text(Evaluator.Evaluation e) {
        Verdict v = e.verdict();
        Optional<Score> score = v.score();
        StringBuilder out = new StringBuilder();
        for (Decision d : v.decisions()) {
            var r = d.result();
            String column = score.map(s -> points(s, r.name())).orElse(d.action().text());
            out.append(String.format("%-21s %-9s %-8s %s%n", r.name(), r.result().text(), column, r.reason()));
            if (!d.note().isEmpty()) {
                out.append("    note: ").append(d.note()).append('\n');
            }
            r.evidence().forEach((k, val) -> out.append("    ").append(k).append(": ").append(val).append('\n'));
        }
        out.append('\n');
        score.ifPresent(s -> out.append("score:   ").append(scoreLine(s)).append('\n'));
        out.append("verdict: ").append(v.action().text()).append('\n');
        out.append("reply:   ").append(v.reply()).append('\n');
        out.append("dns:     ").append(e.dnsQuestions()).append(" distinct lookups");
        if (e.dnsRefused() > 0) {
            out.append(", ").append(e.dnsRefused()).append(" more refused by the query budget");
        }
        return out.toString();
    }

    /** What the check added, {@code +8.0}; an allowlisted one shows {@code 0.0}. */
    private static String points(Score s, String check) {
        return s.of(check).map(c -> Score.signed(c.points())).orElse("");
    }

    /** {@code 9.0 (tag 4.0, reject 8.0)}, and the floor when temporary failures leave it open. */
    private static String scoreLine(Score s) {
        StringBuilder line = new StringBuilder(Score.number(s.total())).append(" (tag ")
                .append(Score.number(s.thresholds().tag()));
        s.thresholds().tempfail().ifPresent(t -> line.append(", tempfail ").append(Score.number(t)));
        line.append(", reject ").append(Score.number(s.thresholds().reject())).append(')');
        if (s.uncertain()) {
            line.append("; as low as ").append(Score.number(s.floor()))
                    .append(" once the temporary DNS failures clear");
        }
        return line.toString();
    }

    static String json(Evaluator.Evaluation e) {
        Verdict v = e.verdict();
        Map<String, Object> verdict = new LinkedHashMap<>();
        verdict.put("action", v.action().text());
        verdict.put("reply", v.reply().toString());
        v.score().ifPresent(s -> {
            verdict.put("score", s.total());
            verdict.put("score-floor", s.floor());
            Map<String, Object> thresholds = new LinkedHashMap<>();
            thresholds.put("tag", s.thresholds().tag());
            s.thresholds().tempfail().ifPresent(t -> thresholds.put("tempfail", t));
            thresholds.put("reject", s.thresholds().reject());
            verdict.put("thresholds", thresholds);
        });
        verdict.put("dns-lookups", e.dnsQuestions());
        verdict.put("dns-refused", e.dnsRefused());
        List<Map<String, Object>> checks = new ArrayList<>();
        for (Decision d : v.decisions()) {
            var r = d.result();
            Map<String, Object> c = new LinkedHashMap<>();
            c.put("name", r.name());
            c.put("result", r.result().text());
            c.put("reason", r.reason());
            c.put("problem", r.problem());
            c.put("action", d.action().text());
            v.score().flatMap(s -> s.of(r.name())).ifPresent(contribution -> {
                c.put("score", contribution.points());
                if (contribution.allowlisted()) {
                    c.put("allowlisted", true);
                }
            });
            if (!d.note().isEmpty()) {
                c.put("note", d.note());
            }
            c.put("evidence", r.evidence());
            checks.add(c);
        }
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("verdict", verdict);
        root.put("checks", checks);
        return Json.write(root);
    }
}
