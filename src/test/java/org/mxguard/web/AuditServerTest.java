package org.mxguard.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.mxguard.audit.AuditReport;
import org.mxguard.audit.Finding;
import org.mxguard.audit.Severity;

/** mxguard web over plain HTTP with a fake auditor: status codes, escaping, the limits. No browser. */
class AuditServerTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(20);

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();
    private final LinkedBlockingQueue<AuditQuery> asked = new LinkedBlockingQueue<>();
    private AuditServer server;

    /** Renders the report as its domain and ids, so a test can see the web passed on what the auditor gave. */
    static final AuditServer.ReportText TEXT = new AuditServer.ReportText() {
        @Override
        public String json(AuditReport report) {
            return "{\"domain\":\"" + report.domain() + "\",\"n\":" + report.findings().size() + "}";
        }

        @Override
        public String zoneSnippet(AuditReport report) {
            return "; snippet for " + report.domain();
        }
    };

    private AuditServer start(AuditServer.Auditing auditing, AuditServer.Limits limits) {
        server = new AuditServer(auditing, TEXT, limits).start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        return server;
    }

    private AuditServer start(AuditServer.Auditing auditing) {
        return start(auditing, AuditServer.Limits.DEFAULT);
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
        http.close();
    }

    private HttpResponse<String> get(String pathAndQuery) throws Exception {
        URI uri = URI.create("http://127.0.0.1:" + server.address().getPort() + pathAndQuery);
        return http.send(HttpRequest.newBuilder(uri).timeout(TIMEOUT).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** A report with one finding whose subject and evidence are whatever DNS said. */
    private CompletableFuture<AuditReport> report(AuditQuery q, String fromDns) {
        asked.add(q);
        return CompletableFuture.completedFuture(new AuditReport(q.domain(), q.egress(), List.of(
                new Finding("ptr-missing", Severity.FAIL, fromDns, "no PTR for " + fromDns, List.of("PTR " + fromDns), Optional.empty()))));
    }

    @Test
    void theFormTheReportAndItsJson() throws Exception {
        start(q -> report(q, "192.0.2.1"));
        HttpResponse<String> form = get("/");
        assertThat(form.statusCode()).isEqualTo(200);
        assertThat(form.headers().firstValue("Content-Type")).hasValue("text/html;charset=utf-8");
        assertThat(form.body()).contains("<form method=\"get\" action=\"/audit\">").contains("name=\"egress\"");

        HttpResponse<String> page = get("/audit?domain=Example.org&egress=192.0.2.1%0A192.0.2.2");
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(asked.poll()).isEqualTo(new AuditQuery("example.org",
                List.of(InetAddress.getByName("192.0.2.1"), InetAddress.getByName("192.0.2.2")), List.of()));
        assertThat(page.body()).contains("<code class=\"id\">ptr-missing</code>")
                .contains("<a id=\"share\" href=\"/audit?domain=example.org&amp;egress=192.0.2.1&amp;egress=192.0.2.2\">")
                .contains("; snippet for example.org");
        assertThat(page.headers().firstValue("Content-Security-Policy")).hasValue(AuditPage.CONTENT_SECURITY_POLICY);

        HttpResponse<String> json = get("/audit.json?domain=example.org&egress=192.0.2.1&egress=192.0.2.2");
        assertThat(json.statusCode()).isEqualTo(200);
        assertThat(json.headers().firstValue("Content-Type")).hasValue("application/json;charset=utf-8");
        assertThat(json.body()).isEqualTo("{\"domain\":\"example.org\",\"n\":1}");
        assertThat(get("/nothing-here").statusCode()).isEqualTo(404);
    }

    @Test
    void badInputIs400WithAClearEscapedMessage() throws Exception {
        start(q -> report(q, "x"));
        HttpResponse<String> noDomain = get("/audit");
        assertThat(noDomain.statusCode()).isEqualTo(400);
        assertThat(noDomain.body()).contains("give the domain to audit").contains("<form");

        HttpResponse<String> hostile = get("/audit?domain=%3Cscript%3Ealert(1)%3C/script%3E");
        assertThat(hostile.statusCode()).isEqualTo(400);
        assertThat(hostile.body()).contains("domain &lt;script&gt;alert(1)&lt;/script&gt;: not a host name").doesNotContain("<script");

        HttpResponse<String> badIp = get("/audit.json?domain=example.org&egress=300.1.1.1");
        assertThat(badIp.statusCode()).isEqualTo(400);
        assertThat(badIp.body()).isEqualTo("{\"error\":\"egress 300.1.1.1: not an IP address\"}");
        assertThat(asked).as("nothing was audited").isEmpty();
    }

    @Test
    void whatTheAuditorRefusesIs400Too() throws Exception {
        start(q -> {
            throw new IllegalArgumentException("give one --helo for every egress address");
        });
        HttpResponse<String> page = get("/audit?domain=example.org&helo=a.example.org");
        assertThat(page.statusCode()).isEqualTo(400);
        assertThat(page.body()).contains("give one --helo for every egress address");
    }

    @Test
    void textFromDnsIsEscaped() throws Exception {
        start(q -> report(q, "<img src=x onerror=alert(1)>"));
        HttpResponse<String> page = get("/audit?domain=example.org");
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body()).doesNotContain("<img").contains("&lt;img src=x onerror=alert(1)&gt;");
    }

    @Test
    void beyondTheConcurrentAuditsA503AndThePlaceComesBackWhenTheAuditEnds() throws Exception {
        CompletableFuture<AuditReport> slow = new CompletableFuture<>();
        CountDownLatch started = new CountDownLatch(1);
        start(q -> {
            if (started.getCount() == 1) {
                started.countDown();
                return slow;
            }
            return report(q, "192.0.2.1");
        }, new AuditServer.Limits(Duration.ofMinutes(5), 1));
        CompletableFuture<HttpResponse<String>> first = CompletableFuture.supplyAsync(() -> {
            try {
                return get("/audit?domain=slow.example");
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        assertThat(started.await(20, TimeUnit.SECONDS)).isTrue();
        HttpResponse<String> busy = get("/audit?domain=other.example");
        assertThat(busy.statusCode()).isEqualTo(503);
        assertThat(busy.headers().firstValue("Retry-After")).hasValue("10");
        assertThat(busy.body()).contains("too many audits are running");

        slow.complete(new AuditReport("slow.example", List.of(), List.of()));
        assertThat(first.get(20, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        assertThat(get("/audit?domain=other.example").statusCode()).isEqualTo(200);
    }

    @Test
    void anAuditPastTheDeadlineIs503() throws Exception {
        start(q -> new CompletableFuture<>(), new AuditServer.Limits(Duration.ofMillis(50), 2));
        HttpResponse<String> page = get("/audit?domain=never.example");
        assertThat(page.statusCode()).isEqualTo(503);
        assertThat(page.body()).contains("the audit of never.example took longer than");
    }
}
