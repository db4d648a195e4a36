package org.mxguard.web;

import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Unit;
import java.time.Duration;
import java.util.Collection;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.LongSupplier;
import org.mxguard.check.CheckResult;
import org.mxguard.check.Result;
import org.mxguard.dns.DnsObserver;
import org.mxguard.policy.Action;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway's Prometheus metrics, with one method per thing that happens. Each instance has its
 * own {@link PrometheusRegistry}, which a {@link MetricsServer} exposes; {@link #noop()} counts
 * nothing, for tests and for a gateway run without a metrics listener.
 *
 * <p>Label values come from closed vocabularies (the constants here, {@link Action}, the check
 * names and results), so no client can make the number of series grow: a stage or refusal reason
 * outside its vocabulary is counted as {@value #OTHER}. Every method is thread-safe, cheap (a few
 * atomic additions) and throws nothing but a {@code NullPointerException} for a null argument.
 *
 * <table>
 * <caption>The metrics</caption>
 * <tr><th>name</th><th>type</th><th>labels</th><th>counts</th></tr>
 * <tr><td>{@code mxguard_smtp_connections_total}</td><td>counter</td><td>{@code outcome}=accepted|refused_limit|pregreet</td>
 *     <td>SMTP connections, by what became of them at the start</td></tr>
 * <tr><td>{@code mxguard_smtp_connections_open}</td><td>gauge</td><td></td><td>SMTP connections open now</td></tr>
 * <tr><td>{@code mxguard_verdicts_total}</td><td>counter</td><td>{@code action}, {@code stage}=helo|mail|rcpt|data</td>
 *     <td>final verdicts, by action and the stage at which they were taken</td></tr>
 * <tr><td>{@code mxguard_check_results_total}</td><td>counter</td><td>{@code check}, {@code result}</td>
 *     <td>check results of the final verdicts</td></tr>
 * <tr><td>{@code mxguard_dns_query_seconds}</td><td>histogram</td><td>{@code outcome}=records|nxdomain|nodata|tempfail</td>
 *     <td>DNS questions sent to the network, by how long their answer took</td></tr>
 * <tr><td>{@code mxguard_queue_messages}</td><td>gauge</td><td></td><td>messages in the spool now</td></tr>
 * <tr><td>{@code mxguard_messages_total}</td><td>counter</td><td>{@code outcome}=queued|rejected|tempfailed</td>
 *     <td>transactions that ended with the message queued or refused</td></tr>
 * <tr><td>{@code mxguard_policy_answers_total}</td><td>counter</td>
 *     <td>{@code answer}=dunno|prepend|reject|defer_if_permit</td>
 *     <td>answers of the Postfix policy service ({@code mxguard policy}); its series appear with its first answer</td></tr>
 * </table>
 */
public final class GatewayMetrics {
    private static final Logger log = LoggerFactory.getLogger(GatewayMetrics.class);

    /** {@link #connectionRefused}: over the total or the per-client connection limit. */
    public static final String REFUSED_LIMIT = "refused_limit";
    /** {@link #connectionRefused}: the client talked before the greeting was complete. */
    public static final String PREGREET = "pregreet";
    /** The label value for anything outside a label's vocabulary. */
    public static final String OTHER = "other";

    /** {@link #verdict} stages: the command at which the verdict was taken (connect: the policy service only). */
    public static final String STAGE_CONNECT = "connect";
    public static final String STAGE_HELO = "helo";
    public static final String STAGE_MAIL = "mail";
    public static final String STAGE_RCPT = "rcpt";
    public static final String STAGE_DATA = "data";
    private static final Set<String> STAGES = Set.of(STAGE_CONNECT, STAGE_HELO, STAGE_MAIL, STAGE_RCPT, STAGE_DATA);
    /** The stages by their index in the verdict series looked up once; "other" last. */
    private static final String[] STAGE_ORDER = {STAGE_CONNECT, STAGE_HELO, STAGE_MAIL, STAGE_RCPT, STAGE_DATA, OTHER};
    private static final Set<String> POLICY_ANSWERS = Set.of("dunno", "prepend", "reject", "defer_if_permit");

    /**
     * Upper bounds of the DNS latency buckets, in seconds: from a resolver's own cache (under a
     * millisecond) to a query that waited out its timeouts and retries.
     */
    static final double[] DNS_BUCKETS = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

    private static final GatewayMetrics NOOP = new GatewayMetrics(false);

    private final boolean enabled;
    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final Counter connections;
    private final Counter verdicts;
    private final Counter checkResults;
    private final Counter messages;
    private final Histogram dnsQueries;
    private final Counter policyAnswers;
    private final AtomicReference<LongSupplier> openConnections = new AtomicReference<>(() -> 0);
    private final AtomicReference<LongSupplier> queueSize = new AtomicReference<>(() -> 0);
    private final DnsObserver dnsObserver;
    /*
     * The series the policy service counts on every answer, looked up once (a label lookup builds a
     * key and validates the values each time): verdicts by [action][stage], check results by name
     * then result, policy answers by answer. Series are still created at their first count.
     */
    private final CounterDataPoint[][] verdictPoints = new CounterDataPoint[Action.values().length][];
    private final ConcurrentHashMap<String, AtomicReferenceArray<CounterDataPoint>> checkResultPoints =
            new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, CounterDataPoint> policyAnswerPoints = new ConcurrentHashMap<>();

    /** Metrics in a registry of their own, every series of a fixed vocabulary present from the start at 0. */
    public GatewayMetrics() {
        this(true);
    }

    private GatewayMetrics(boolean enabled) {
        this.enabled = enabled;
        connections = Counter.builder()
                .name("mxguard_smtp_connections_total")
                .help("SMTP connections by outcome: accepted (greeted), refused_limit (over a connection limit), "
                        + "pregreet (talked before the greeting)")
                .labelNames("outcome")
                .register(registry);
        GaugeWithCallback.builder()
                .name("mxguard_smtp_connections_open")
                .help("SMTP connections open now")
                .callback(callback -> report(callback, openConnections.get(), "mxguard_smtp_connections_open"))
                .register(registry);
        verdicts = Counter.builder()
                .name("mxguard_verdicts_total")
                .help("Final verdicts by action and by the SMTP stage (helo, mail, rcpt, data) at which they were taken")
                .labelNames("action", "stage")
                .register(registry);
        checkResults = Counter.builder()
                .name("mxguard_check_results_total")
                .help("Check results of the final verdicts, by check name and result")
                .labelNames("check", "result")
                .register(registry);
        dnsQueries = Histogram.builder()
                .name("mxguard_dns_query_seconds")
                .unit(Unit.SECONDS)
                .help("Time from sending a DNS question until its answer was known, retries included, "
                        + "by outcome (records, nxdomain, nodata, tempfail)")
                .labelNames("outcome")
                .classicOnly()
                .classicUpperBounds(DNS_BUCKETS)
                .withoutExemplars()
                .register(registry);
        GaugeWithCallback.builder()
                .name("mxguard_queue_messages")
                .help("Messages in the spool now")
                .callback(callback -> report(callback, queueSize.get(), "mxguard_queue_messages"))
                .register(registry);
        messages = Counter.builder()
                .name("mxguard_messages_total")
                .help("Transactions that ended with the message queued, rejected (5xx) or tempfailed (4xx)")
                .labelNames("outcome")
                .register(registry);

        policyAnswers = Counter.builder()
                .name("mxguard_policy_answers_total")
                .help("Answers of the Postfix policy service: dunno, prepend, reject, defer_if_permit")
                .labelNames("answer")
                .register(registry);

        for (String outcome : new String[] {"accepted", REFUSED_LIMIT, PREGREET}) {
            connections.initLabelValues(outcome);
        }
        for (String outcome : new String[] {"queued", "rejected", "tempfailed"}) {
            messages.initLabelValues(outcome);
        }
        for (Action action : Action.values()) {
            for (String stage : STAGES) {
                verdicts.initLabelValues(action.text(), stage);
            }
            CounterDataPoint[] byStage = new CounterDataPoint[STAGE_ORDER.length];
            for (int i = 0; i < STAGE_ORDER.length - 1; i++) { // "other" appears with its first count
                byStage[i] = verdicts.labelValues(action.text(), STAGE_ORDER[i]);
            }
            verdictPoints[action.ordinal()] = byStage;
        }
        dnsObserver = enabled ? this::dnsAnswered : DnsObserver.NONE;
    }

    /** Counts nothing and reads no supplier: for tests, and a gateway without a metrics listener. */
    public static GatewayMetrics noop() {
        return NOOP;
    }

    /** The registry that holds these metrics, for a {@link MetricsServer} or a test. */
    public PrometheusRegistry registry() {
        return registry;
    }

    /** A client was greeted: its session begins. */
    public void connectionAccepted() {
        if (enabled) {
            connections.labelValues("accepted").inc();
        }
    }

    /**
     * A connection was refused before its session began.
     *
     * @param why {@link #REFUSED_LIMIT} or {@link #PREGREET}; anything else counts as {@value #OTHER}
     */
    public void connectionRefused(String why) {
        if (enabled) {
            connections.labelValues(REFUSED_LIMIT.equals(why) || PREGREET.equals(why) ? why : OTHER).inc();
        }
    }

    /**
     * A final verdict: the one a transaction (or a session without one) ended with. Dry runs count
     * the verdict the policy gave, not what the client was told.
     *
     * @param stage {@link #STAGE_HELO}, {@link #STAGE_MAIL}, {@link #STAGE_RCPT} or {@link #STAGE_DATA}
     *              (any case); anything else counts as {@value #OTHER}
     */
    public void verdict(Action action, String stage) {
        if (enabled) {
            String label = stage == null ? OTHER : stage.toLowerCase(Locale.ROOT);
            int index = switch (label) {
                case STAGE_CONNECT -> 0;
                case STAGE_HELO -> 1;
                case STAGE_MAIL -> 2;
                case STAGE_RCPT -> 3;
                case STAGE_DATA -> 4;
                default -> 5;
            };
            CounterDataPoint[] byStage = verdictPoints[action.ordinal()];
            CounterDataPoint point = byStage[index];
            if (point == null) { // "other": a race looks it up twice, and labelValues gives the same series
                point = verdicts.labelValues(action.text(), STAGE_ORDER[index]);
                byStage[index] = point;
            }
            point.inc();
        }
    }

    /** One check's result in a final verdict. */
    public void checkResult(CheckResult result) {
        if (enabled) {
            AtomicReferenceArray<CounterDataPoint> byResult = checkResultPoints.get(result.name());
            if (byResult == null) {
                byResult = checkResultPoints.computeIfAbsent(result.name(),
                        name -> new AtomicReferenceArray<>(Result.values().length));
            }
            int index = result.result().ordinal();
            CounterDataPoint point = byResult.get(index);
            if (point == null) {
                point = checkResults.labelValues(result.name(), result.result().text());
                byResult.set(index, point);
            }
            point.inc();
        }
    }

    /** Every check result of a final verdict. */
    public void checkResults(Collection<CheckResult> results) {
        for (CheckResult result : results) {
            checkResult(result);
        }
    }

    /**
     * The policy service answered a request.
     *
     * @param answer dunno, prepend, reject or defer_if_permit; anything else counts as {@value #OTHER}
     */
    public void policyAnswer(String answer) {
        if (enabled) {
            String label = answer != null && POLICY_ANSWERS.contains(answer) ? answer : OTHER;
            CounterDataPoint point = policyAnswerPoints.get(label);
            if (point == null) {
                point = policyAnswerPoints.computeIfAbsent(label, policyAnswers::labelValues);
            }
            point.inc();
        }
    }

    /** A message was committed to the spool and acknowledged with 250. */
    public void messageQueued() {
        if (enabled) {
            messages.labelValues("queued").inc();
        }
    }

    /** A transaction ended refused with a 5xx (policy, size, syntax of the message). */
    public void messageRejected() {
        if (enabled) {
            messages.labelValues("rejected").inc();
        }
    }

    /** A transaction ended refused with a 4xx (policy tempfail, a full spool, checks that failed). */
    public void messageTempfailed() {
        if (enabled) {
            messages.labelValues("tempfailed").inc();
        }
    }

    /** The hook for {@code DnsClient}: feeds {@code mxguard_dns_query_seconds}. */
    public DnsObserver dnsObserver() {
        return dnsObserver;
    }

    /**
     * Where {@code mxguard_smtp_connections_open} reads its value at each scrape, e.g.
     * {@code server::openConnections} of the SMTP server; 0 until one is given.
     */
    public void openConnectionsFrom(LongSupplier supplier) {
        Objects.requireNonNull(supplier, "supplier");
        if (enabled) {
            openConnections.set(supplier);
        }
    }

    /**
     * Where {@code mxguard_queue_messages} reads its value at each scrape, e.g.
     * {@code () -> spool.list().size()}; 0 until one is given.
     */
    public void queueSizeFrom(LongSupplier supplier) {
        Objects.requireNonNull(supplier, "supplier");
        if (enabled) {
            queueSize.set(supplier);
        }
    }

    /**
     * The shared state's series, for a node that shares it in Redis: {@code mxguard_cluster_redis_up}
     * (whether the last command reached Redis), {@code mxguard_cluster_redis_commands_total} (commands
     * sent, each a round trip) and {@code mxguard_cluster_redis_fallbacks_total} (answers taken from
     * the node's own state because Redis could not be asked).
     */
    public void sharedStateFrom(java.util.function.BooleanSupplier up, LongSupplier commands, LongSupplier fallbacks) {
        if (!enabled) {
            return;
        }
        GaugeWithCallback.builder()
                .name("mxguard_cluster_redis_up")
                .help("1 while this node reaches the Redis it shares state in, 0 while it answers from its own state")
                .callback(callback -> report(callback, () -> up.getAsBoolean() ? 1 : 0, "mxguard_cluster_redis_up"))
                .register(registry);
        CounterWithCallback.builder()
                .name("mxguard_cluster_redis_commands_total")
                .help("Commands sent to Redis (each one round trip)")
                .callback(callback -> callback.call(commands.getAsLong()))
                .register(registry);
        CounterWithCallback.builder()
                .name("mxguard_cluster_redis_fallbacks_total")
                .help("Answers taken from this node's own state because Redis was unreachable or too slow")
                .callback(callback -> callback.call(fallbacks.getAsLong()))
                .register(registry);
    }

    private void dnsAnswered(Duration took, String outcome) {
        if (took == null) {
            return;
        }
        String label = switch (outcome == null ? "" : outcome) {
            case DnsObserver.RECORDS, DnsObserver.NXDOMAIN, DnsObserver.NODATA, DnsObserver.TEMPFAIL -> outcome;
            default -> OTHER;
        };
        dnsQueries.labelValues(label).observe(took.toNanos() / 1e9);
    }

    /** A gauge's value from its supplier; a supplier that fails leaves the gauge out of that scrape. */
    private void report(GaugeWithCallback.Callback callback, LongSupplier supplier, String name) {
        if (!enabled) {
            return;
        }
        long value;
        try {
            value = supplier.getAsLong();
        } catch (RuntimeException e) {
            log.warn("{}: reading the value failed: {}", name, e.toString());
            return;
        }
        callback.call(value);
    }
}
