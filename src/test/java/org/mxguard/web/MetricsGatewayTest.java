package org.mxguard.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.mxguard.check.CheckResult;
import org.mxguard.dns.DnsAnswer;
import org.mxguard.dns.DnsObserver;
import org.mxguard.dns.DnsQuestion;
import org.mxguard.dns.RecordType;
import org.mxguard.policy.Action;

/** GatewayMetrics without HTTP: the no-op instance, the DNS hook's outcome labels, separate registries. */
class MetricsGatewayTest {

    @Test
    void theNoopInstanceCountsNothingAndReadsNoSupplier() throws Exception {
        GatewayMetrics noop = GatewayMetrics.noop();
        noop.openConnectionsFrom(() -> {
            throw new AssertionError("read");
        });
        noop.queueSizeFrom(() -> {
            throw new AssertionError("read");
        });
        noop.connectionAccepted();
        noop.connectionRefused(GatewayMetrics.PREGREET);
        noop.verdict(Action.REJECT, GatewayMetrics.STAGE_DATA);
        noop.checkResult(CheckResult.pass("iprev", "ok", Map.of()));
        noop.messageQueued();
        noop.messageRejected();
        noop.messageTempfailed();
        noop.dnsObserver().answered(Duration.ofMillis(5), DnsObserver.RECORDS);

        Map<String, Double> samples = MetricsServerTest.samples(text(noop));

        assertThat(samples.values()).allMatch(v -> v == 0.0);
        assertThat(samples.keySet()).noneMatch(k -> k.startsWith("mxguard_check_results_total")
                || k.startsWith("mxguard_dns_query_seconds") || k.startsWith("mxguard_queue_messages"));
        assertThat(noop.dnsObserver()).isSameAs(DnsObserver.NONE);
    }

    @Test
    void eachInstanceHasItsOwnRegistry() throws Exception {
        GatewayMetrics one = new GatewayMetrics();
        GatewayMetrics two = new GatewayMetrics();
        one.messageQueued();

        assertThat(MetricsServerTest.samples(text(one))).containsEntry("mxguard_messages_total{outcome=\"queued\"}", 1.0);
        assertThat(MetricsServerTest.samples(text(two))).containsEntry("mxguard_messages_total{outcome=\"queued\"}", 0.0);
    }

    @Test
    void dnsOutcomesComeFromTheAnswer() {
        DnsQuestion q = DnsQuestion.of("example.org", RecordType.MX);
        assertThat(DnsObserver.outcome(new DnsAnswer.Records<>(q, List.of(), 300, List.of()))).isEqualTo("records");
        assertThat(DnsObserver.outcome(new DnsAnswer.NxDomain<>(q, 300))).isEqualTo("nxdomain");
        assertThat(DnsObserver.outcome(new DnsAnswer.NoData<>(q, 300, List.of()))).isEqualTo("nodata");
        assertThat(DnsObserver.outcome(new DnsAnswer.TempFail<>(q, "timeout"))).isEqualTo("tempfail");
        assertThat(DnsObserver.outcome(null)).isEqualTo("tempfail");
    }

    @Test
    void dnsLatencyIsInSeconds() throws Exception {
        GatewayMetrics metrics = new GatewayMetrics();
        metrics.dnsObserver().answered(Duration.ofMillis(250), DnsObserver.NXDOMAIN);
        metrics.dnsObserver().answered(null, DnsObserver.NXDOMAIN); // ignored, not thrown

        Map<String, Double> samples = MetricsServerTest.samples(text(metrics));

        assertThat(samples).containsEntry("mxguard_dns_query_seconds_sum{outcome=\"nxdomain\"}", 0.25)
                .containsEntry("mxguard_dns_query_seconds_count{outcome=\"nxdomain\"}", 1.0)
                .containsEntry("mxguard_dns_query_seconds_bucket{outcome=\"nxdomain\",le=\"0.1\"}", 0.0)
                .containsEntry("mxguard_dns_query_seconds_bucket{outcome=\"nxdomain\",le=\"0.25\"}", 1.0);
    }

    private static String text(GatewayMetrics metrics) throws Exception {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        PrometheusTextFormatWriter.create().write(out, metrics.registry().scrape());
        return out.toString(java.nio.charset.StandardCharsets.UTF_8);
    }
}
