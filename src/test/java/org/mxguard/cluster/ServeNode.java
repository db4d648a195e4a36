package org.mxguard.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.mxguard.delivery.DeliveryTestSink;
import org.mxguard.dns.InetAddresses;
import org.mxguard.testkit.Haproxy;

/**
 * One node of the test cluster: {@code mxguard serve} as its own process with its own config file,
 * spool, SMTP listener (behind HAProxy, PROXY protocol from 127.0.0.1), trap MX listener and
 * metrics listener, each on a free 127.0.0.1 port that stays the same across restarts. Each run's
 * stdout (the transaction log) and stderr go to files of their own.
 */
final class ServeNode implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    final String name;
    final int smtpPort = DeliveryTestSink.freePortOn("127.0.0.1");
    final int metricsPort = DeliveryTestSink.freePortOn("127.0.0.1");
    final int trapPort = DeliveryTestSink.freePortOn("127.0.0.1");
    final Path spool;
    private final Path dir;
    private final Path config;
    private Process process;
    private int runs;

    /**
     * @param connectionRate {@code smtp.max-connection-rate-per-client}
     * @param configTail the tables after {@code [smtp]}, {@code [queue]}, {@code [metrics]} and
     *                   {@code [trap]}: {@code [dns]}, {@code [delivery]}, {@code [cluster]}
     */
    ServeNode(Path dir, String name, int connectionRate, String configTail) throws IOException {
        this.name = name;
        this.dir = Files.createDirectories(dir.resolve(name));
        this.spool = this.dir.resolve("spool");
        this.config = Files.writeString(this.dir.resolve("mxguard.toml"), """
                [smtp]
                listen = ["127.0.0.1:%d"]
                hostname = "%s.mxguard.test"
                proxy-protocol-from = ["127.0.0.1/32"]
                greet-wait-ms = 0
                max-connections-per-client = 10000
                max-connection-rate-per-client = %d

                [queue]
                spool = "%s"
                reserve-mb = 0
                minimal-backoff-s = 1
                maximal-backoff-s = 2

                [metrics]
                serve = "127.0.0.1:%d"

                [trap]
                listen = ["127.0.0.1:%d"]

                %s""".formatted(smtpPort, name, connectionRate, spool, metricsPort, trapPort, configTail));
    }

    /** HAProxy's view of it. */
    Haproxy.Node backend() {
        return new Haproxy.Node(name, smtpPort, metricsPort);
    }

    /** The name its banner and Received: fields give, {@code NAME.mxguard.test}. */
    String hostname() {
        return name + ".mxguard.test";
    }

    InetSocketAddress smtp() {
        return new InetSocketAddress(InetAddresses.require("127.0.0.1"), smtpPort);
    }

    InetSocketAddress trap() {
        return new InetSocketAddress(InetAddresses.require("127.0.0.1"), trapPort);
    }

    /** Starts a run (the first, or again on the same spool); {@link #awaitListening} waits for it. */
    synchronized void start() throws IOException {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException(name + " is running");
        }
        runs++;
        process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "org.mxguard.cli.Main",
                "serve", "--config", config.toString())
                .redirectOutput(out(runs).toFile()).redirectError(err(runs).toFile()).start();
    }

    /** Waits until this run says it listens on its SMTP port. */
    void awaitListening() throws Exception {
        awaitLog("listening on 127.0.0.1:" + smtpPort, Duration.ofSeconds(60));
    }

    /** Waits until this run's stderr has a line with {@code text}; that line. Fails if the process ends first. */
    String awaitLog(String text, Duration timeout) throws Exception {
        return awaitLog(text, 0, timeout);
    }

    /** Lines of this run's stderr with {@code text} so far. */
    long logCount(String text) throws IOException {
        return Files.readAllLines(err(runs), StandardCharsets.UTF_8).stream().filter(l -> l.contains(text)).count();
    }

    /** Waits for a line with {@code text} after the first {@code seen} such lines of this run; that line. */
    String awaitLog(String text, long seen, Duration timeout) throws Exception {
        long end = System.nanoTime() + timeout.toNanos();
        while (true) {
            Optional<String> line = Files.readAllLines(err(runs), StandardCharsets.UTF_8).stream()
                    .filter(l -> l.contains(text)).skip(seen).findFirst();
            if (line.isPresent()) {
                return line.get();
            }
            if (!process.isAlive()) {
                throw new AssertionError(name + " exited (" + process.exitValue() + ") before '" + text + "':\n" + log());
            }
            if (System.nanoTime() > end) {
                throw new AssertionError(name + " did not say '" + text + "' within " + timeout + ":\n" + log());
            }
            Thread.sleep(20);
        }
    }

    /** SIGKILL, and waits until it is gone. */
    synchronized void kill() throws InterruptedException {
        process.destroyForcibly();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            throw new AssertionError(name + " did not die on SIGKILL");
        }
    }

    boolean running() {
        return process != null && process.isAlive();
    }

    /** Every run's stderr, one after the other. */
    String log() {
        StringBuilder all = new StringBuilder();
        for (int run = 1; run <= runs; run++) {
            try {
                all.append("--- ").append(name).append(" run ").append(run).append('\n')
                        .append(Files.readString(err(run), StandardCharsets.UTF_8));
            } catch (IOException e) {
                all.append("(no log: ").append(e).append(")\n");
            }
        }
        return all.toString();
    }

    /** The transaction log lines of every run so far (each appears within 0.1 s of its reply). */
    List<JsonNode> transactions() throws IOException {
        List<JsonNode> lines = new ArrayList<>();
        for (int run = 1; run <= runs; run++) {
            for (String line : Files.readAllLines(out(run), StandardCharsets.UTF_8)) {
                if (line.startsWith("{")) {
                    lines.add(JSON.readTree(line));
                }
            }
        }
        return lines;
    }

    /** A sample of its {@code /metrics} without labels, e.g. {@code mxguard_cluster_redis_up}. */
    OptionalDouble metric(String name) throws IOException, InterruptedException {
        return metrics().lines().filter(line -> line.startsWith(name + " "))
                .mapToDouble(line -> Double.parseDouble(line.substring(name.length() + 1))).findFirst();
    }

    /** The sum of every sample of {@code name} in its {@code /metrics}, whatever their labels (0 when none). */
    double metricTotal(String name) throws IOException, InterruptedException {
        return metrics().lines().filter(line -> line.startsWith(name + " ") || line.startsWith(name + "{"))
                .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1))).sum();
    }

    private String metrics() throws IOException, InterruptedException {
        try (HttpClient http = HttpClient.newHttpClient()) {
            return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + metricsPort + "/metrics"))
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString()).body();
        }
    }

    /** The envelopes ({@code ID.env}) in its spool: the messages it holds. */
    int queued() throws IOException {
        while (true) {
            try (Stream<Path> files = Files.walk(spool, 2)) {
                return (int) files.filter(f -> f.getFileName().toString().endsWith(".env"))
                        .filter(f -> f.getParent().getFileName().toString().length() == 1).count();
            } catch (UncheckedIOException e) {
                // serve removed a delivered message while the walk passed it: look again
            }
        }
    }

    /** Waits until its spool is empty: everything it took is delivered. */
    void awaitEmptySpool(Duration timeout) throws Exception {
        long end = System.nanoTime() + timeout.toNanos();
        for (int left = queued(); left > 0; left = queued()) {
            if (System.nanoTime() > end) {
                throw new AssertionError(name + " still holds " + left + " messages after " + timeout + ":\n" + log());
            }
            Thread.sleep(50);
        }
    }

    /** SIGTERM, SIGKILL if it lingers. */
    @Override
    public synchronized void close() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroy();
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                kill();
            }
        }
    }

    private Path out(int run) {
        return dir.resolve("stdout-" + run + ".log");
    }

    private Path err(int run) {
        return dir.resolve("stderr-" + run + ".log");
    }
}
