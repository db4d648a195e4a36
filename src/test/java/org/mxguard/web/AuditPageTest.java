package org.mxguard.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.mxguard.audit.AuditReport;
import org.mxguard.audit.Finding;
import org.mxguard.audit.Fix;
import org.mxguard.audit.Severity;

/** The HTML renderer: every field of every finding shown, grouped by severity, and nothing unescaped. */
class AuditPageTest {
    static final String HOSTILE = "<script>alert(1)</script>\"'&";

    static AuditReport hostileReport() throws Exception {
        return new AuditReport("example.org", List.of(InetAddress.getByName("192.0.2.1")), List.of(
                new Finding("ptr-confirmed", Severity.PASS, "192.0.2.1", "confirmed", List.of("PTR mx.example.org."), Optional.empty()),
                new Finding("some-new-id", Severity.WARN, "mx.example.org", "a summary " + HOSTILE,
                        List.of("TXT \"" + HOSTILE + "\""), Optional.of(new Fix("advice " + HOSTILE,
                        List.of("example.org. IN TXT \"" + HOSTILE + "\""), List.of("1.2.0.192.in-addr.arpa. IN PTR <x>.")))),
                new Finding("ptr-missing", Severity.FAIL, HOSTILE, "no PTR", List.of(), Optional.of(Fix.advice("ask")))));
    }

    @Test
    void escapesEverythingFromDns() throws Exception {
        String page = AuditPage.report(hostileReport(), "; zone " + HOSTILE, Optional.empty(), Optional.empty());
        assertThat(page).doesNotContain("<script").doesNotContain("<x>").doesNotContain("'&")
                .contains("&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;&amp;")
                .contains("IN PTR &lt;x&gt;.");
        assertThat(AuditPage.badInput("domain " + HOSTILE + ": not a host name")).doesNotContain("<script");
        assertThat(AuditPage.escape("a<b>&\"'")).isEqualTo("a&lt;b&gt;&amp;&quot;&#39;");
    }

    @Test
    void groupsBySeverityMostSevereFirstWithEveryField() throws Exception {
        String page = AuditPage.report(hostileReport(), "; zone lines", Optional.empty(), Optional.empty());
        int fail = page.indexOf("<section class=\"fail\""), warn = page.indexOf("<section class=\"warn\""),
                pass = page.indexOf("<section class=\"pass\"");
        assertThat(fail).isPositive().isLessThan(warn);
        assertThat(warn).isLessThan(pass);
        assertThat(page).doesNotContain("<section class=\"temperror\"")
                .contains("<p id=\"counts\">1 fail, 0 temperror, 1 warn, 1 pass</p>")
                .contains("<code class=\"id\">some-new-id</code> <span class=\"subject\">mx.example.org</span>")
                .contains("<li><code>PTR mx.example.org.</code></li>")
                .contains("<pre class=\"records\">example.org. IN TXT")
                .contains("<pre class=\"ask-ip-owner\">1.2.0.192.in-addr.arpa.")
                .contains("<pre id=\"zone-snippet\">; zone lines</pre>");
        assertThat(page).as("a static file has no form and loads nothing").doesNotContain("<form").doesNotContain("src=")
                .doesNotContain("<link").doesNotContain("<script");
    }

    @Test
    void aServedReportLinksToItselfAndItsJsonAndRefillsTheForm() throws Exception {
        AuditQuery q = new AuditQuery("example.org", List.of(InetAddress.getByName("192.0.2.1")), List.of());
        String page = AuditPage.report(hostileReport(), "", Optional.of(new AuditPage.Links("/audit?a=1&b=2", "/audit.json?a=1&b=2")),
                Optional.of(q));
        assertThat(page).contains("<a id=\"share\" href=\"/audit?a=1&amp;b=2\">")
                .contains("<a id=\"json\" href=\"/audit.json?a=1&amp;b=2\">")
                .contains("value=\"example.org\"").contains(">192.0.2.1</textarea>");
    }

    @Test
    void aPassingReportHasNoZoneLines() throws Exception {
        AuditReport ok = new AuditReport("example.org", List.of(), List.of(
                new Finding("mx-present", Severity.PASS, "example.org", "has MX", List.of(), Optional.empty())));
        assertThat(AuditPage.report(ok, "; nothing", Optional.empty(), Optional.empty())).doesNotContain("zone-snippet");
    }
}
