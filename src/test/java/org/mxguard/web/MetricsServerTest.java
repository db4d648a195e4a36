package org.mxguard.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.mxguard.check.CheckResult;
import org.mxguard.check.Result;
import org.mxguard.dns.DnsObserver;
import org.mxguard.policy.Action;

/**
 * GET /metrics on loopback answers the Prometheus text format with what the gateway counted; GET
 * /health answers whether the process serves.
 */
class MetricsServerTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();
    private GatewayMetrics metrics;
    private MetricsServer server;

    @BeforeEach
    void start() throws IOException {
        metrics = new GatewayMetrics();
        server = new MetricsServer(metrics).start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    }

    @AfterEach
    void stop() {
        server.close();
        http.close();
    }

    @Test
    void servesWhatTheGatewayCounted() throws Exception {
        AtomicLong open = new AtomicLong(3);
        metrics.openConnectionsFrom(open::get);
        metrics.queueSizeFrom(() -> 7);
        metrics.connectionAccepted();
        metrics.connectionAccepted();
        metrics.connectionRefused(GatewayMetrics.REFUSED_LIMIT);
        metrics.connectionRefused(GatewayMetrics.PREGREET);
        metrics.verdict(Action.REJECT, GatewayMetrics.STAGE_RCPT);
        metrics.verdict(Action.REJECT, "RCPT");
        metrics.verdict(Action.ACCEPT, GatewayMetrics.STAGE_DATA);
        metrics.checkResult(CheckResult.of("iprev", Result.FAIL, "no-ptr", "no PTR", Map.of()));
        metrics.checkResult(CheckResult.of("iprev", Result.FAIL, "unconfirmed", "not confirmed", Map.of()));
        metrics.checkResults(java.util.List.of(CheckResult.pass("helo", "resolves", Map.of()),
                CheckResult.none("reverse-mx:from", "no From:")));
        metrics.messageQueued();
        metrics.messageRejected();
        metrics.messageRejected();
        metrics.messageTempfailed();
        DnsObserver dns = metrics.dnsObserver();
        dns.answered(Duration.ofMillis(3), DnsObserver.RECORDS);
        dns.answered(Duration.ofMillis(40), DnsObserver.RECORDS);
        dns.answered(Duration.ofMillis(2_100), DnsObserver.TEMPFAIL);

        HttpResponse<String> response = get("/metrics");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
                type -> assertThat(type).startsWith("text/plain").contains("version=0.0.4"));
        String body = response.body();
        assertThat(body).contains(
                "# TYPE mxguard_smtp_connections_total counter",
                "# TYPE mxguard_smtp_connections_open gauge",
                "# TYPE mxguard_verdicts_total counter",
                "# TYPE mxguard_check_results_total counter",
                "# TYPE mxguard_dns_query_seconds histogram",
                "# TYPE mxguard_queue_messages gauge",
                "# TYPE mxguard_messages_total counter",
                "# HELP mxguard_smtp_connections_open ");
        Map<String, Double> samples = samples(body);
        assertThat(samples).containsEntry("mxguard_smtp_connections_total{outcome=\"accepted\"}", 2.0)
                .containsEntry("mxguard_smtp_connections_total{outcome=\"refused_limit\"}", 1.0)
                .containsEntry("mxguard_smtp_connections_total{outcome=\"pregreet\"}", 1.0)
                .containsEntry("mxguard_smtp_connections_open", 3.0)
                .containsEntry("mxguard_verdicts_total{action=\"reject\",stage=\"rcpt\"}", 2.0)
                .containsEntry("mxguard_verdicts_total{action=\"accept\",stage=\"data\"}", 1.0)
                .containsEntry("mxguard_verdicts_total{action=\"tempfail\",stage=\"mail\"}", 0.0)
                .containsEntry("mxguard_check_results_total{check=\"iprev\",result=\"fail\"}", 2.0)
                .containsEntry("mxguard_check_results_total{check=\"helo\",result=\"pass\"}", 1.0)
                .containsEntry("mxguard_check_results_total{check=\"reverse-mx:from\",result=\"none\"}", 1.0)
                .containsEntry("mxguard_queue_messages", 7.0)
                .containsEntry("mxguard_messages_total{outcome=\"queued\"}", 1.0)
                .containsEntry("mxguard_messages_total{outcome=\"rejected\"}", 2.0)
                .containsEntry("mxguard_messages_total{outcome=\"tempfailed\"}", 1.0)
                .containsEntry("mxguard_dns_query_seconds_bucket{outcome=\"records\",le=\"0.001\"}", 0.0)
                .containsEntry("mxguard_dns_query_seconds_bucket{outcome=\"records\",le=\"0.005\"}", 1.0)
                .containsEntry("mxguard_dns_query_seconds_bucket{outcome=\"records\",le=\"0.05\"}", 2.0)
                .containsEntry("mxguard_dns_query_seconds_bucket{outcome=\"records\",le=\"+Inf\"}", 2.0)
                .containsEntry("mxguard_dns_query_seconds_count{outcome=\"records\"}", 2.0)
                .containsEntry("mxguard_dns_query_seconds_bucket{outcome=\"tempfail\",le=\"2.5\"}", 1.0)
                .containsEntry("mxguard_dns_query_seconds_bucket{outcome=\"tempfail\",le=\"1.0\"}", 0.0)
                .containsEntry("mxguard_dns_query_seconds_count{outcome=\"tempfail\"}", 1.0);
        assertThat(samples.get("mxguard_dns_query_seconds_sum{outcome=\"records\"}")).isCloseTo(0.043, within(1e-9));

        // the gauges are read at each scrape
        open.set(1);
        metrics.connectionAccepted();
        Map<String, Double> later = samples(get("/metrics").body());
        assertThat(later).containsEntry("mxguard_smtp_connections_open", 1.0)
                .containsEntry("mxguard_smtp_connections_total{outcome=\"accepted\"}", 3.0);
    }

    @Test
    void everySeriesOfAFixedVocabularyIsThereFromTheStart() throws Exception {
        Map<String, Double> samples = samples(get("/metrics").body());

        assertThat(samples).containsEntry("mxguard_smtp_connections_total{outcome=\"accepted\"}", 0.0)
                .containsEntry("mxguard_messages_total{outcome=\"queued\"}", 0.0)
                .containsEntry("mxguard_verdicts_total{action=\"reject\",stage=\"helo\"}", 0.0)
                .containsEntry("mxguard_smtp_connections_open", 0.0)
                .containsEntry("mxguard_queue_messages", 0.0);
        assertThat(samples.keySet()).noneMatch(k -> k.startsWith("mxguard_check_results_total"));
    }

    @Test
    void labelsOutsideTheirVocabularyCountAsOther() throws Exception {
        metrics.verdict(Action.TEMPFAIL, "RCPT <someone@example.org>");
        metrics.verdict(Action.TEMPFAIL, null);
        metrics.connectionRefused("the client looked at me funny");
        metrics.dnsObserver().answered(Duration.ofMillis(1), "servfail");

        Map<String, Double> samples = samples(get("/metrics").body());

        assertThat(samples).containsEntry("mxguard_verdicts_total{action=\"tempfail\",stage=\"other\"}", 2.0)
                .containsEntry("mxguard_smtp_connections_total{outcome=\"other\"}", 1.0)
                .containsEntry("mxguard_dns_query_seconds_count{outcome=\"other\"}", 1.0);
        assertThat(samples.keySet()).noneMatch(k -> k.contains("someone") || k.contains("funny"));
    }

    @Test
    void aFailingSupplierLeavesItsGaugeOutAndTheRestIsServed() throws Exception {
        metrics.queueSizeFrom(() -> {
            throw new IllegalStateException("spool gone");
        });
        metrics.messageQueued();

        HttpResponse<String> response = get("/metrics");

        assertThat(response.statusCode()).isEqualTo(200);
        Map<String, Double> samples = samples(response.body());
        assertThat(samples).doesNotContainKey("mxguard_queue_messages")
                .containsEntry("mxguard_messages_total{outcome=\"queued\"}", 1.0);
    }

    @Test
    void onlyGetAndHeadOfMetrics() throws Exception {
        assertThat(get("/").statusCode()).isEqualTo(404);
        assertThat(get("/metricsx").statusCode()).isEqualTo(404);
        assertThat(get("/metrics/x").statusCode()).isEqualTo(404);
        HttpResponse<String> post = http.send(request("/metrics")
                .POST(HttpRequest.BodyPublishers.ofString("x")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(post.statusCode()).isEqualTo(405);
        assertThat(post.headers().firstValue("Allow")).hasValue("GET, HEAD");
        HttpResponse<String> head = http.send(request("/metrics")
                .method("HEAD", HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(head.statusCode()).isEqualTo(200);
        assertThat(head.body()).isEmpty();
        assertThat(get("/metrics?name[]=x").statusCode()).isEqualTo(200);
    }

    @Test
    void healthIs200WhileServingAnd503WhenTheProcessSaysItIsNot() throws Exception {
        HttpResponse<String> health = get("/health");
        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(health.body()).isEqualTo("serving\n");
        assertThat(health.headers().firstValue("Cache-Control")).hasValue("no-store");
        assertThat(http.send(request("/health").method("HEAD", HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
        assertThat(http.send(request("/health").POST(HttpRequest.BodyPublishers.ofString("x")).build(),
                HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(405);
        assertThat(get("/healthz").statusCode()).isEqualTo(404);

        AtomicBoolean serving = new AtomicBoolean(false);
        server.healthFrom(serving::get);
        HttpResponse<String> down = get("/health");
        assertThat(down.statusCode()).isEqualTo(503);
        assertThat(down.body()).isEqualTo("not serving\n");
        serving.set(true);
        assertThat(get("/health").statusCode()).isEqualTo(200);
        server.healthFrom(() -> {
            throw new IllegalStateException("broken");
        });
        assertThat(get("/health").statusCode()).isEqualTo(503);
        // the metrics do not depend on it
        assertThat(get("/metrics").statusCode()).isEqualTo(200);
    }

    @Test
    void addressIsTheBoundPortAndCloseStopsListening() throws Exception {
        InetSocketAddress address = server.address();
        assertThat(address.getAddress().isLoopbackAddress()).isTrue();
        assertThat(address.getPort()).isPositive();
        assertThatThrownBy(() -> server.start(address)).isInstanceOf(IllegalStateException.class);

        server.close();
        server.close();

        assertThatThrownBy(server::address).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> http.send(HttpRequest.newBuilder(URI.create(
                        "http://127.0.0.1:" + address.getPort() + "/metrics")).timeout(TIMEOUT).build(),
                HttpResponse.BodyHandlers.ofString())).isInstanceOf(ConnectException.class);
    }

    @Test
    void aBusyAddressIsReported() {
        InetSocketAddress taken = server.address();
        MetricsServer second = new MetricsServer(new GatewayMetrics());
        assertThatThrownBy(() -> second.start(taken)).isInstanceOf(IOException.class)
                .hasMessageContaining("cannot listen for metrics");
    }

    private HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return http.send(request(path).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpRequest.Builder request(String path) {
        assertThat(server.address().getAddress().getHostAddress()).isEqualTo("127.0.0.1");
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.address().getPort() + path))
                .timeout(TIMEOUT);
    }

    /** Sample lines of the text format: {@code name{labels}} to value. */
    static Map<String, Double> samples(String text) {
        Map<String, Double> samples = new LinkedHashMap<>();
        for (String line : text.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            int space = line.lastIndexOf(' ');
            samples.put(line.substring(0, space), Double.parseDouble(line.substring(space + 1)));
        }
        return samples;
    }
}
