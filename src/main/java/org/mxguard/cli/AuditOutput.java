package org.mxguard.cli;

import java.io.Console;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.mxguard.audit.AuditReport;
import org.mxguard.audit.Finding;
import org.mxguard.audit.Fix;
import org.mxguard.audit.Severity;
import org.mxguard.dns.DnsNames;

/** Renders an {@link AuditReport} for {@code mxguard audit}: text grouped by severity, or JSON. */
final class AuditOutput {
    /** Version of the JSON document; raised only when a field changes meaning or disappears. */
    static final int SCHEMA = 1;

    private static final String RESET = "\u001b[0m";

    private AuditOutput() {
    }

    enum Color {
        auto, always, never;

        boolean enabled() {
            return switch (this) {
                case always -> true;
                case never -> false;
                case auto -> System.getenv("NO_COLOR") == null && onTerminal();
            };
        }
    }

    /** Java 22+ returns a Console even when output is redirected; isTerminal() then tells (absent on 21). */
    private static boolean onTerminal() {
        Console console = System.console();
        if (console == null) {
            return false;
        }
        try {
            return (Boolean) Console.class.getMethod("isTerminal").invoke(console);
        } catch (ReflectiveOperationException java21) {
            return true;
        }
    }

    private static String colour(Severity s) {
        return switch (s) {
            case FAIL -> "\u001b[1;31m";
            case TEMPERROR -> "\u001b[1;35m";
            case WARN -> "\u001b[1;33m";
            case PASS -> "\u001b[32m";
        };
    }

    static String text(AuditReport report, boolean colour) {
        StringBuilder out = new StringBuilder("mxguard audit ").append(report.domain());
        if (!report.egress().isEmpty()) {
            out.append(" (egress ").append(String.join(", ", report.egress().stream().map(DnsNames::text).toList())).append(')');
        }
        out.append('\n').append(counts(report)).append('\n');
        for (Severity s : Severity.values()) {
            List<Finding> group = report.with(s);
            if (group.isEmpty()) {
                continue;
            }
            String head = s.name() + " (" + group.size() + ")";
            out.append('\n').append(colour ? colour(s) + head + RESET : head).append('\n');
            for (Finding f : group) {
                out.append("  ").append(f.id()).append("  ").append(f.subject()).append('\n');
                out.append("    ").append(f.summary()).append('\n');
                if (s == Severity.PASS) {
                    continue; // a pass needs no evidence on a terminal; --json has it
                }
                for (String e : f.evidence()) {
                    out.append("      | ").append(e).append('\n');
                }
                f.fix().ifPresent(fix -> fixText(out, fix));
            }
        }
        return out.toString().stripTrailing();
    }

    private static void fixText(StringBuilder out, Fix fix) {
        out.append("    fix: ").append(fix.advice()).append('\n');
        for (String r : fix.records()) {
            out.append("      ").append(r).append('\n');
        }
        if (!fix.askIpOwner().isEmpty()) {
            out.append("    ask the owner of the address for:\n");
            for (String r : fix.askIpOwner()) {
                out.append("      ").append(r).append('\n');
            }
        }
    }

    private static String counts(AuditReport report) {
        List<String> parts = new ArrayList<>();
        for (Severity s : Severity.values()) {
            parts.add(report.count(s) + " " + s.label());
        }
        return String.join(", ", parts);
    }

    /**
     * The zone-file lines that fix the failures and warnings found, each under a comment naming its
     * finding; a line already given by an earlier finding is not repeated. Lines only the address's
     * owner can publish, and lines with an address still to fill in, are comments: pasted as they
     * are, the snippet adds nothing wrong to a zone.
     */
    static String zoneSnippet(AuditReport report) {
        StringBuilder out = new StringBuilder("; mxguard audit ").append(report.domain()).append(": records that fix what it found\n");
        java.util.Set<String> given = new java.util.HashSet<>();
        for (Finding f : report.findings()) {
            if (f.severity() != Severity.FAIL && f.severity() != Severity.WARN || f.fix().isEmpty()) {
                continue;
            }
            Fix fix = f.fix().get();
            StringBuilder lines = new StringBuilder();
            // an MX line is only right together with its host's address: with one to fill in, all wait
            boolean incomplete = fix.needsAddress();
            for (String r : fix.records()) {
                if (given.add(r)) {
                    lines.append(incomplete ? "; fill in: " + r : r).append('\n');
                }
            }
            for (String r : fix.askIpOwner()) {
                if (given.add(r)) {
                    lines.append("; ask the owner of the address for: ").append(r).append('\n');
                }
            }
            if (!lines.isEmpty()) {
                out.append("\n; ").append(f.id()).append(' ').append(f.subject()).append('\n').append(lines);
            }
        }
        return out.toString().stripTrailing();
    }

    static String json(AuditReport report) {
        Map<String, Object> root = new LinkedHashMap<>(); // key order is part of the stable schema
        root.put("schema", SCHEMA);
        root.put("domain", report.domain());
        root.put("egress", report.egress().stream().map(DnsNames::text).toList());
        root.put("result", worst(report).label());
        Map<String, Object> counts = new LinkedHashMap<>();
        for (Severity s : Severity.values()) {
            counts.put(s.label(), report.count(s));
        }
        root.put("counts", counts);
        List<Map<String, Object>> findings = new ArrayList<>();
        for (Finding f : report.findings()) {
            Map<String, Object> one = new LinkedHashMap<>();
            one.put("id", f.id());
            one.put("severity", f.severity().label());
            one.put("subject", f.subject());
            one.put("summary", f.summary());
            one.put("evidence", f.evidence());
            one.put("fix", f.fix().map(AuditOutput::fixJson).orElse(null));
            findings.add(one);
        }
        root.put("findings", findings);
        return Json.write(root);
    }

    private static Map<String, Object> fixJson(Fix fix) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("advice", fix.advice());
        m.put("records", fix.records());
        m.put("ask-ip-owner", fix.askIpOwner());
        return m;
    }

    /** The most severe severity found; pass for an empty report. */
    private static Severity worst(AuditReport report) {
        return report.findings().isEmpty() ? Severity.PASS : report.findings().get(0).severity();
    }
}
