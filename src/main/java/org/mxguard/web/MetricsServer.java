package org.mxguard.web;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.function.BooleanSupplier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves the gateway's metrics to Prometheus: {@code GET /metrics} answers the Prometheus text
 * format (version 0.0.4) of a {@link PrometheusRegistry}; {@code GET /health} answers 200 while the
 * process serves (503 when {@link #healthFrom} says it does not), so a load balancer such as HAProxy
 * can check a node over HTTP without opening SMTP sessions; every other path is 404, every other
 * method 405. It runs on the JDK's {@link HttpServer}, one virtual thread a request.
 *
 * <p>The metrics say nothing about any message or person, but they do tell how the gateway is
 * doing: listen on loopback or a management network, not on the address that takes mail.
 */
public final class MetricsServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(MetricsServer.class);

    /** The path Prometheus scrapes. */
    public static final String PATH = "/metrics";

    /** The path a load balancer checks. */
    public static final String HEALTH_PATH = "/health";

    private volatile BooleanSupplier serving = () -> true;

    private final PrometheusRegistry registry;
    private final PrometheusTextFormatWriter format = PrometheusTextFormatWriter.create();
    private HttpServer server;
    private ExecutorService executor;

    /** A server for these metrics; {@link #start} makes it listen. */
    public MetricsServer(GatewayMetrics metrics) {
        this(metrics.registry());
    }

    /** A server for any registry. */
    public MetricsServer(PrometheusRegistry registry) {
        this.registry = Objects.requireNonNull(registry, "registry");
    }

    /**
     * What {@code /health} reports: 200 while {@code serving} is true, 503 while it is false (e.g.
     * before the SMTP listener is bound, or once it is closing). Without it, 200 while this server
     * answers at all.
     *
     * @return this server
     */
    public MetricsServer healthFrom(BooleanSupplier serving) {
        this.serving = Objects.requireNonNull(serving, "serving");
        return this;
    }

    /**
     * Binds the address and starts answering.
     *
     * @param address where to listen; port 0 picks a free port ({@link #address()} tells which)
     * @return this server
     * @throws IOException the address cannot be bound, e.g. in use or not local
     * @throws IllegalStateException the server was started already
     */
    public synchronized MetricsServer start(InetSocketAddress address) throws IOException {
        if (server != null) {
            throw new IllegalStateException("the metrics server is started already");
        }
        HttpServer bound;
        try {
            bound = HttpServer.create(address, 16);
        } catch (IOException e) {
            throw new IOException("cannot listen for metrics on " + address + ": " + e.getMessage(), e);
        }
        bound.createContext("/", this::handle);
        executor = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("metrics-http-", 0).factory());
        bound.setExecutor(executor);
        bound.start();
        server = bound;
        return this;
    }

    /**
     * The address listened on, with the port actually bound.
     *
     * @throws IllegalStateException not started, or closed
     */
    public synchronized InetSocketAddress address() {
        if (server == null) {
            throw new IllegalStateException("the metrics server is not listening");
        }
        return server.getAddress();
    }

    /** Stops listening at once; a scrape under way is cut off. Closing twice does nothing. */
    @Override
    public synchronized void close() {
        if (server != null) {
            server.stop(0);
            executor.shutdownNow();
            server = null;
            executor = null;
        }
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String method = exchange.getRequestMethod();
            String path = exchange.getRequestURI().getPath();
            if (!PATH.equals(path) && !HEALTH_PATH.equals(path)) {
                plain(exchange, 404, "Not found: the metrics are at " + PATH + "\n");
                return;
            }
            boolean head = "HEAD".equals(method);
            if (!head && !"GET".equals(method)) {
                exchange.getResponseHeaders().set("Allow", "GET, HEAD");
                plain(exchange, 405, "Method not allowed: use GET\n");
                return;
            }
            if (HEALTH_PATH.equals(path)) {
                health(exchange);
                return;
            }
            byte[] body;
            try {
                ByteArrayOutputStream buffer = new ByteArrayOutputStream(8192);
                format.write(buffer, registry.scrape());
                body = buffer.toByteArray();
            } catch (IOException | RuntimeException e) {
                log.warn("collecting the metrics failed", e);
                plain(exchange, 500, "Collecting the metrics failed\n");
                return;
            }
            exchange.getResponseHeaders().set("Content-Type", format.getContentType());
            exchange.getResponseHeaders().set("Cache-Control", "no-store");
            if (head) {
                exchange.sendResponseHeaders(200, -1);
                return;
            }
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }

    private void health(HttpExchange exchange) throws IOException {
        boolean up;
        try {
            up = serving.getAsBoolean();
        } catch (RuntimeException e) {
            log.warn("the health check failed", e);
            up = false;
        }
        exchange.getResponseHeaders().set("Cache-Control", "no-store");
        plain(exchange, up ? 200 : 503, up ? "serving\n" : "not serving\n");
    }

    private static void plain(HttpExchange exchange, int status, String text) throws IOException {
        byte[] body = text.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
        if ("HEAD".equals(exchange.getRequestMethod())) {
            exchange.sendResponseHeaders(status, -1);
            return;
        }
        exchange.sendResponseHeaders(status, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }
}
