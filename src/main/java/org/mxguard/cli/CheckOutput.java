package org.mxguard.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.mxguard.policy.Decision;
import org.mxguard.policy.Evaluator;
import org.mxguard.policy.Verdict;

/** Renders a verdict for {@code mxguard check}: text for people, JSON for programs. */
final class CheckOutput {
    private CheckOutput() {
    }

    static String text(Evaluator.Evaluation e) {
        Verdict v = e.verdict();
        StringBuilder out = new StringBuilder();
        for (Decision d : v.decisions()) {
            var r = d.result();
            out.append(String.format("%-21s %-9s %-8s %s%n", r.name(), r.result().text(), d.action().text(), r.reason()));
            if (!d.note().isEmpty()) {
                out.append("    note: ").append(d.note()).append('\n');
            }
            r.evidence().forEach((k, val) -> out.append("    ").append(k).append(": ").append(val).append('\n'));
        }
        out.append('\n');
        out.append("verdict: ").append(v.action().text()).append('\n');
        out.append("reply:   ").append(v.reply()).append('\n');
        out.append("dns:     ").append(e.dnsQuestions()).append(" distinct lookups");
        if (e.dnsRefused() > 0) {
            out.append(", ").append(e.dnsRefused()).append(" more refused by the query budget");
        }
        return out.toString();
    }

    static String json(Evaluator.Evaluation e) {
        Verdict v = e.verdict();
        Map<String, Object> verdict = new LinkedHashMap<>();
        verdict.put("action", v.action().text());
        verdict.put("reply", v.reply().toString());
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
