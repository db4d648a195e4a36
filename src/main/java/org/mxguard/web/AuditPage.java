package org.mxguard.web;

import java.util.List;
import java.util.Optional;
import org.mxguard.audit.AuditReport;
import org.mxguard.audit.Finding;
import org.mxguard.audit.Fix;
import org.mxguard.audit.Severity;
import org.mxguard.dns.DnsNames;

/**
 * The audit's HTML: the form, the report and the error page of {@code mxguard web}, and the
 * static file of {@code mxguard audit --html}. Each page is one self-contained document (inline
 * CSS, no script, nothing loaded from elsewhere), so a saved file shows the same anywhere.
 *
 * <p>Findings are rendered from their fields alone (severity, id, subject, summary, evidence,
 * fix), so a new finding id needs no change here. Every text goes through {@link #escape}: the
 * domain, evidence and fix records come from DNS answers, which anyone can fill with markup.
 */
public final class AuditPage {
    /** Where a served report points: itself (to share) and its JSON. */
    public record Links(String share, String json) {
    }

    /** No script, nothing from elsewhere: a second line of defence should an escape ever be missed. */
    public static final String CONTENT_SECURITY_POLICY = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'";

    private static final String STYLE = """
            body{font:15px/1.45 system-ui,sans-serif;margin:0 auto;max-width:60rem;padding:1rem;color:#222}
            h1{font-size:1.4rem}h2{font-size:1.15rem;margin-top:1.6rem;border-bottom:2px solid;padding-bottom:.2rem}
            code,pre{font-family:ui-monospace,monospace;font-size:.9em}
            pre{background:#f4f4f4;padding:.5rem;overflow-x:auto;white-space:pre;user-select:all}
            .finding{border-left:4px solid #ccc;padding:.2rem .8rem;margin:.8rem 0}
            .finding h3{font-size:1rem;margin:.2rem 0}.summary{margin:.2rem 0}
            .evidence{margin:.2rem 0;padding-left:1.2rem;color:#444}
            .fail h2,.finding.fail{border-color:#c62828}.temperror h2,.finding.temperror{border-color:#8e24aa}
            .warn h2,.finding.warn{border-color:#ef8f00}.pass h2,.finding.pass{border-color:#2e7d32}
            form label{display:block;margin:.6rem 0 .2rem;font-weight:600}
            input,textarea{font:inherit;width:100%;max-width:30rem;box-sizing:border-box}
            .hint{color:#666;font-size:.85em}.error{color:#c62828;font-weight:600}
            """;

    private AuditPage() {
    }

    /** The form alone: a domain, its egress addresses and (optionally) HELO names. */
    public static String form() {
        return page("mxguard audit", "<h1>mxguard audit</h1>\n" + formHtml(Optional.empty()));
    }

    /** The form again above a message saying what was wrong with the input (for a 400 answer). */
    public static String badInput(String message) {
        return page("mxguard audit: bad input", "<h1>mxguard audit</h1>\n<p class=\"error\" id=\"error\">"
                + escape(message) + "</p>\n" + formHtml(Optional.empty()));
    }

    /** A page that says only what went wrong (too busy, too slow). */
    public static String message(String title, String message) {
        return page(title, "<h1>" + escape(title) + "</h1>\n<p class=\"error\" id=\"error\">" + escape(message)
                + "</p>\n<p><a href=\"/\">back to the form</a></p>");
    }

    /**
     * The report.
     *
     * @param zoneSnippet the zone-file lines that fix what was found, as {@code mxguard audit --zone-snippet} prints them
     * @param links the served page's own links, with the form filled in again; empty for a static file
     */
    public static String report(AuditReport report, String zoneSnippet, Optional<Links> links, Optional<AuditQuery> query) {
        StringBuilder b = new StringBuilder();
        b.append("<h1>mxguard audit <span id=\"domain\">").append(escape(report.domain())).append("</span></h1>\n");
        if (!report.egress().isEmpty()) {
            b.append("<p>egress <span id=\"egress\">")
                    .append(escape(String.join(", ", report.egress().stream().map(DnsNames::text).toList()))).append("</span></p>\n");
        }
        b.append("<p id=\"counts\">");
        for (Severity s : Severity.values()) {
            b.append(s == Severity.FAIL ? "" : ", ").append(report.count(s)).append(' ').append(s.label());
        }
        b.append("</p>\n");
        links.ifPresent(l -> b.append("<p><a id=\"share\" href=\"").append(escape(l.share())).append("\">link to this report</a> · <a id=\"json\" href=\"")
                .append(escape(l.json())).append("\">JSON</a></p>\n"));
        for (Severity s : Severity.values()) {
            List<Finding> group = report.with(s);
            if (group.isEmpty()) {
                continue;
            }
            b.append("<section class=\"").append(s.label()).append("\" id=\"").append(s.label()).append("\">\n<h2>")
                    .append(s.label()).append(" (").append(group.size()).append(")</h2>\n");
            group.forEach(f -> finding(b, f));
            b.append("</section>\n");
        }
        if (report.has(Severity.FAIL) || report.has(Severity.WARN)) {
            b.append("<section id=\"zone\">\n<h2>zone-file lines</h2>\n<p class=\"hint\">What fixes the failures and warnings,"
                    + " ready to paste; lines starting with ; are for the address's owner or need an address filled in.</p>\n<pre id=\"zone-snippet\">")
                    .append(escape(zoneSnippet)).append("</pre>\n</section>\n");
        }
        if (links.isPresent()) {
            b.append("<h2>audit again</h2>\n").append(formHtml(query));
        }
        return page("mxguard audit " + report.domain(), b.toString());
    }

    private static void finding(StringBuilder b, Finding f) {
        String severity = f.severity().label();
        b.append("<article class=\"finding ").append(severity).append("\" data-severity=\"").append(severity).append("\">\n<h3><code class=\"id\">")
                .append(escape(f.id())).append("</code> <span class=\"subject\">").append(escape(f.subject())).append("</span></h3>\n<p class=\"summary\">")
                .append(escape(f.summary())).append("</p>\n");
        if (!f.evidence().isEmpty()) {
            b.append("<ul class=\"evidence\">\n");
            f.evidence().forEach(e -> b.append("<li><code>").append(escape(e)).append("</code></li>\n"));
            b.append("</ul>\n");
        }
        f.fix().ifPresent(fix -> fix(b, fix));
        b.append("</article>\n");
    }

    private static void fix(StringBuilder b, Fix fix) {
        b.append("<div class=\"fix\"><p><strong>fix:</strong> ").append(escape(fix.advice())).append("</p>\n");
        if (!fix.records().isEmpty()) {
            b.append("<pre class=\"records\">").append(escape(String.join("\n", fix.records()))).append("</pre>\n");
        }
        if (!fix.askIpOwner().isEmpty()) {
            b.append("<p>ask the owner of the address for:</p>\n<pre class=\"ask-ip-owner\">")
                    .append(escape(String.join("\n", fix.askIpOwner()))).append("</pre>\n");
        }
        b.append("</div>\n");
    }

    private static String formHtml(Optional<AuditQuery> filled) {
        String domain = filled.map(AuditQuery::domain).orElse("");
        String egress = filled.map(q -> String.join("\n", q.egress().stream().map(DnsNames::text).toList())).orElse("");
        String helo = filled.map(q -> String.join("\n", q.helo())).orElse("");
        return "<form method=\"get\" action=\"/audit\">\n"
                + "<label for=\"domain-input\">domain</label>\n"
                + "<input id=\"domain-input\" name=\"domain\" required placeholder=\"example.org\" value=\"" + escape(domain) + "\">\n"
                + "<label for=\"egress-input\">egress addresses</label>\n"
                + "<textarea id=\"egress-input\" name=\"egress\" rows=\"3\" placeholder=\"192.0.2.25\">" + escape(egress) + "</textarea>\n"
                + "<div class=\"hint\">every address your mail leaves from (each WAN line), one a line</div>\n"
                + "<label for=\"helo-input\">HELO names (optional)</label>\n"
                + "<textarea id=\"helo-input\" name=\"helo\" rows=\"2\" placeholder=\"mx1.example.org\">" + escape(helo) + "</textarea>\n"
                + "<div class=\"hint\">one for every address, or one per address in the same order</div>\n"
                + "<p><button id=\"submit\" type=\"submit\">audit</button></p>\n</form>";
    }

    private static String page(String title, String body) {
        return "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                + "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                + "<meta http-equiv=\"Content-Security-Policy\" content=\"" + CONTENT_SECURITY_POLICY + "\">\n"
                + "<title>" + escape(title) + "</title>\n<style>\n" + STYLE + "</style>\n</head>\n<body>\n"
                + body + "\n</body>\n</html>\n";
    }

    /** Text made safe inside an element or a quoted attribute value. */
    public static String escape(String text) {
        StringBuilder out = new StringBuilder(text.length() + 16);
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '&' -> out.append("&amp;");
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> out.append(c);
            }
        }
        return out.toString();
    }
}
