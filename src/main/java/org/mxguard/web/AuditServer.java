package org.mxguard.web;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.Javalin;
import io.javalin.http.Context;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.mxguard.audit.AuditReport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code mxguard web}: the audit as web pages, on Javalin (Jetty), one virtual thread a request.
 * <ul>
 *   <li>{@code GET /}: the form;</li>
 *   <li>{@code GET /audit?domain=D&egress=IP&egress=IP&helo=NAME}: the report page; its URL is the one to share;</li>
 *   <li>{@code GET /audit.json?...}: the same report as {@code mxguard audit --json} prints it.</li>
 * </ul>
 * Bad input is a 400 that says what is wrong. The work is bounded: at most {@link Limits#concurrentAudits}
 * audits run at once (a request beyond that is a 503 at once), and a request waits at most
 * {@link Limits#deadline} for its report (then a 503). An audit given up on still holds its place
 * until its lookups end (they have their own timeouts), so impatient reloads cannot pile up work.
 */
public final class AuditServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AuditServer.class);
    private static final ObjectMapper MAPPER = new ObjectMapper();

    /** Runs one audit; the command wires the real {@link org.mxguard.audit.Auditor}, tests a fake. */
    @FunctionalInterface
    public interface Auditing {
        /** @throws IllegalArgumentException the query cannot be audited as given (e.g. HELO names that do not pair up) */
        CompletableFuture<AuditReport> audit(AuditQuery query);
    }

    /** The report's texts the command line also prints, passed in so that the web shows exactly those. */
    public interface ReportText {
        /** As {@code mxguard audit --json}. */
        String json(AuditReport report);

        /** As {@code mxguard audit --zone-snippet}. */
        String zoneSnippet(AuditReport report);
    }

    /**
     * @param deadline how long one request waits for its report
     * @param concurrentAudits how many audits may run at once
     */
    public record Limits(Duration deadline, int concurrentAudits) {
        public static final Limits DEFAULT = new Limits(Duration.ofSeconds(30), 4);

        public Limits {
            if (deadline.isNegative() || deadline.isZero() || concurrentAudits < 1) {
                throw new IllegalArgumentException("the deadline and the number of concurrent audits must be positive");
            }
        }
    }

    private final Auditing auditing;
    private final ReportText text;
    private final Limits limits;
    private final Semaphore running;
    private Javalin app;
    private InetSocketAddress requested;

    public AuditServer(Auditing auditing, ReportText text, Limits limits) {
        this.auditing = Objects.requireNonNull(auditing, "auditing");
        this.text = Objects.requireNonNull(text, "text");
        this.limits = Objects.requireNonNull(limits, "limits");
        this.running = new Semaphore(limits.concurrentAudits());
    }

    /**
     * Binds the address and starts answering.
     *
     * @param address where to listen; port 0 picks a free port ({@link #address()} tells which)
     * @throws IllegalStateException started already, or the address cannot be bound
     */
    public synchronized AuditServer start(InetSocketAddress address) {
        if (app != null) {
            throw new IllegalStateException("the web server is started already");
        }
        Javalin created = Javalin.create(cfg -> {
            cfg.startup.showJavalinBanner = false;
            cfg.startup.showOldJavalinVersionWarning = false;
            cfg.concurrency.useVirtualThreads = true;
            cfg.jetty.host = address.getAddress().getHostAddress();
            cfg.jetty.port = address.getPort();
            cfg.routes.get("/", ctx -> html(ctx, 200, AuditPage.form()));
            cfg.routes.get("/audit", this::page);
            cfg.routes.get("/audit.json", this::json);
        });
        created.start();
        app = created;
        requested = address;
        return this;
    }

    /** The address listened on, with the port actually bound. */
    public synchronized InetSocketAddress address() {
        if (app == null) {
            throw new IllegalStateException("the web server is not listening");
        }
        return new InetSocketAddress(requested.getAddress(), app.port());
    }

    /** Stops listening; closing twice does nothing. */
    @Override
    public synchronized void close() {
        if (app != null) {
            app.stop();
            app = null;
        }
    }

    /** What became of one request's audit: a report, or the status and message to answer instead. */
    private sealed interface Outcome {
        record Done(AuditQuery query, AuditReport report) implements Outcome {
        }

        record Refused(int status, String title, String message) implements Outcome {
        }
    }

    private void page(Context ctx) {
        switch (run(ctx)) {
            case Outcome.Done d -> {
                String query = d.query().queryString();
                AuditPage.Links links = new AuditPage.Links("/audit?" + query, "/audit.json?" + query);
                html(ctx, 200, AuditPage.report(d.report(), text.zoneSnippet(d.report()), Optional.of(links), Optional.of(d.query())));
            }
            case Outcome.Refused r when r.status() == 400 -> html(ctx, 400, AuditPage.badInput(r.message()));
            case Outcome.Refused r -> html(ctx, r.status(), AuditPage.message(r.title(), r.message()));
        }
    }

    private void json(Context ctx) throws JsonProcessingException {
        Outcome outcome = run(ctx);
        headers(ctx);
        ctx.contentType("application/json; charset=utf-8");
        switch (outcome) {
            case Outcome.Done d -> ctx.status(200).result(text.json(d.report()));
            case Outcome.Refused r -> ctx.status(r.status()).result(MAPPER.writeValueAsString(Map.of("error", r.message())));
        }
    }

    private Outcome run(Context ctx) {
        AuditQuery query;
        try {
            query = AuditQuery.parse(ctx.queryParamMap());
        } catch (AuditQuery.BadQuery e) {
            return new Outcome.Refused(400, "bad input", e.getMessage());
        }
        if (!running.tryAcquire()) {
            ctx.header("Retry-After", "10");
            return new Outcome.Refused(503, "busy", "too many audits are running; try again in a few seconds");
        }
        CompletableFuture<AuditReport> audit;
        try {
            audit = auditing.audit(query);
        } catch (IllegalArgumentException e) {
            running.release();
            return new Outcome.Refused(400, "bad input", e.getMessage());
        } catch (RuntimeException e) {
            running.release();
            throw e;
        }
        // the place is given back when the lookups end, not when this request stops waiting
        audit.whenComplete((report, error) -> running.release());
        try {
            return new Outcome.Done(query, audit.get(limits.deadline().toMillis(), TimeUnit.MILLISECONDS));
        } catch (TimeoutException e) {
            return new Outcome.Refused(503, "too slow", "the audit of " + query.domain() + " took longer than "
                    + limits.deadline().toSeconds() + " s (slow DNS servers?); try again");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Outcome.Refused(503, "stopped", "the server is stopping");
        } catch (ExecutionException e) {
            log.warn("the audit of {} failed", query.domain(), e.getCause());
            return new Outcome.Refused(500, "audit failed", "the audit failed: " + e.getCause());
        }
    }

    private static void html(Context ctx, int status, String page) {
        headers(ctx);
        ctx.status(status).contentType("text/html; charset=utf-8").result(page);
    }

    private static void headers(Context ctx) {
        ctx.header("Content-Security-Policy", AuditPage.CONTENT_SECURITY_POLICY);
        ctx.header("X-Content-Type-Options", "nosniff");
        ctx.header("Referrer-Policy", "no-referrer");
        ctx.header("Cache-Control", "no-store");
    }
}
