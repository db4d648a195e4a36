package org.mxguard.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.mxguard.cli.DeliveryWiring;
import org.mxguard.config.DeliverySettings;
import org.mxguard.config.MxguardConfig;
import org.mxguard.config.QueueSettings;
import org.mxguard.delivery.NextHop;
import org.mxguard.delivery.Transports;
import org.mxguard.dns.DnsClient;
import org.mxguard.dns.Resolver;
import org.mxguard.queue.Backoff;
import org.mxguard.queue.DestinationLimiter;

/**
 * Queue → sink throughput: N messages accepted into a real spool (fsync on: each
 * {@code Spool.accept} is durable before it returns, i.e. the 250) by parallel injectors on virtual
 * threads, while the real queue runner ({@link DeliveryWiring}) delivers them over SMTP to an
 * external {@code smtp-sink -c} on 127.0.0.1. The clock runs from the first accept until the
 * sink's own counter ({@code mesg=}) has seen all N. Run by {@code bench/queue-vs-postfix}, next to
 * Postfix relaying the same kind of messages to the same kind of sink.
 *
 * <pre>
 * QueueDrainBench --sink-port PORT --sink-output FILE [--messages 2000] [--size 2048]
 *                 [--injectors 16] [--warmup 200] [--spool DIR] [--concurrency 20]
 * </pre>
 * FILE is where the sink's stdout goes ({@code smtp-sink -c ... > FILE}); without it the clock
 * stops when the spool is empty again (every message 250'd by the sink and removed).
 */
public final class QueueDrainBench {
    private static final String DOMAIN = "bench.test";
    private static final String SENDER = "sender@" + DOMAIN;
    private static final String RECIPIENT = "rcpt@" + DOMAIN;
    private static final Pattern MESG = Pattern.compile("mesg=(\\d+)");

    private QueueDrainBench() {
    }

    public static void main(String[] args) throws Exception {
        int messages = 2000;
        int size = 2048;
        int injectors = 16;
        int warmup = 200;
        int concurrency = DestinationLimiter.DEFAULT_LIMIT;
        int sinkPort = -1;
        Path sinkOutput = null;
        Path spoolDir = null;
        for (int i = 0; i < args.length; i++) {
            String value = i + 1 < args.length ? args[i + 1] : null;
            switch (args[i]) {
                case "--messages" -> messages = Integer.parseInt(value);
                case "--size" -> size = Integer.parseInt(value);
                case "--injectors" -> injectors = Integer.parseInt(value);
                case "--warmup" -> warmup = Integer.parseInt(value);
                case "--concurrency" -> concurrency = Integer.parseInt(value);
                case "--sink-port" -> sinkPort = Integer.parseInt(value);
                case "--sink-output" -> sinkOutput = Path.of(value);
                case "--spool" -> spoolDir = Path.of(value);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
            i++;
        }
        if (sinkPort < 1) {
            throw new IllegalArgumentException("--sink-port PORT is required");
        }
        boolean ownSpool = spoolDir == null;
        Path spool = ownSpool ? Files.createTempDirectory("mxguard-bench-spool") : spoolDir;

        Clock clock = Clock.systemUTC();
        AtomicLong dnsQuestions = new AtomicLong();
        DnsClient nowhere = new DnsClient(List.of(new InetSocketAddress("127.0.0.1", 9)), Duration.ofMillis(200), 0,
                Runnable::run);
        Resolver resolver = question -> {
            dnsQuestions.incrementAndGet(); // never expected: the relay domain has a literal next hop
            return nowhere.lookup(question);
        };
        MxguardConfig defaults = MxguardConfig.defaults();
        Transports transports = Transports.mxOnly().withRelayDomain(DOMAIN, NextHop.parse("[127.0.0.1]:" + sinkPort));
        QueueSettings q = QueueSettings.defaults();
        MxguardConfig config = defaults
                .withDelivery(new DeliverySettings(transports, Optional.of("bench.mxguard.test"),
                        DeliverySettings.DEFAULT_CONNECT_TIMEOUT))
                .withQueue(new QueueSettings(spool, 0, Backoff.DEFAULT_MINIMUM, Backoff.DEFAULT_MAXIMUM,
                        Backoff.DEFAULT_LIFETIME, concurrency));

        Counter counter = sinkOutput == null ? null : new Counter(sinkOutput);
        try (DeliveryWiring wiring = DeliveryWiring.start(config, resolver, clock, new SplittableRandom(42))) {
            AtomicInteger serial = new AtomicInteger();
            if (warmup > 0) {
                Run w = run(wiring, counter, warmup, size, injectors, serial);
                System.err.printf(Locale.ROOT, "mxguard warm-up: %d messages in %.3f s%n", warmup, w.seconds());
            }
            Run r = run(wiring, counter, messages, size, injectors, serial);
            System.out.printf(Locale.ROOT, "mxguard: %d messages in %.3f s = %.0f msg/s"
                            + " (all accepted after %.3f s = %.0f msg/s; spool empty after %.3f s;"
                            + " %d injectors, %d-byte bodies, destination concurrency %d, DNS questions %d)%n",
                    messages, r.seconds(), messages / r.seconds(), r.acceptedSeconds(),
                    messages / r.acceptedSeconds(), r.emptySeconds(), injectors, size, concurrency,
                    dnsQuestions.get());
        } finally {
            if (ownSpool) {
                deleteTree(spool);
            }
        }
    }

    record Run(double seconds, double acceptedSeconds, double emptySeconds) {
    }

    /** Accepts {@code n} messages and waits for the sink to have them all (and the spool to be empty). */
    private static Run run(DeliveryWiring wiring, Counter counter, int n, int size, int injectors,
            AtomicInteger serial) throws Exception {
        long before = counter == null ? 0 : counter.count();
        AtomicInteger next = new AtomicInteger();
        long start = System.nanoTime();
        long accepted;
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<Void>> running = new java.util.ArrayList<>();
            for (int i = 0; i < injectors; i++) {
                running.add(pool.submit(() -> {
                    while (next.getAndIncrement() < n) {
                        byte[] body = message(serial.incrementAndGet(), size);
                        // durable when it returns: the "250"
                        wiring.runner().offer(wiring.spool().accept(SENDER, List.of(RECIPIENT), body).id());
                    }
                    return null;
                }));
            }
            for (Future<Void> f : running) {
                f.get();
            }
            accepted = System.nanoTime();
        }
        long delivered = -1;
        long empty = -1;
        long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
        while (delivered < 0 || empty < 0) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("timed out: sink count " + (counter == null ? "?" : counter.count() - before)
                        + " of " + n + ", spool holds " + wiring.spool().list().size());
            }
            if (delivered < 0 && counter != null && counter.count() - before >= n) {
                delivered = System.nanoTime();
            }
            if (empty < 0 && wiring.spool().list().isEmpty()) {
                empty = System.nanoTime();
                if (counter == null) {
                    delivered = empty;
                }
            }
            Thread.sleep(2);
        }
        return new Run((delivered - start) / 1e9, (accepted - start) / 1e9, (empty - start) / 1e9);
    }

    /** About {@code size} bytes: headers like smtp-source's, a unique Message-ID, 76-column lines. */
    static byte[] message(int serial, int size) {
        StringBuilder m = new StringBuilder(size + 128);
        m.append("From: <").append(SENDER).append(">\r\n")
                .append("To: <").append(RECIPIENT).append(">\r\n")
                .append("Date: Thu, 26 Nov 2026 12:00:00 +0000\r\n")
                .append("Message-ID: <").append(serial).append('.').append(System.nanoTime())
                .append("@bench.mxguard.test>\r\n")
                .append("Subject: queue drain ").append(serial).append("\r\n\r\n");
        String line = "X".repeat(74) + "\r\n";
        while (m.length() + line.length() <= size) {
            m.append(line);
        }
        return m.toString().getBytes(StandardCharsets.US_ASCII);
    }

    /** The last {@code mesg=N} that {@code smtp-sink -c} wrote (it rewrites one line with \r). */
    static final class Counter {
        private final Path file;

        Counter(Path file) {
            this.file = file;
        }

        long count() throws IOException {
            long size = Files.size(file);
            byte[] tail;
            try (var channel = Files.newByteChannel(file)) {
                long from = Math.max(0, size - 256);
                channel.position(from);
                var buffer = java.nio.ByteBuffer.allocate((int) (size - from));
                while (buffer.hasRemaining() && channel.read(buffer) > 0) {
                    // read the tail
                }
                tail = java.util.Arrays.copyOf(buffer.array(), buffer.position());
            }
            Matcher m = MESG.matcher(new String(tail, StandardCharsets.US_ASCII));
            long last = 0;
            while (m.find()) {
                last = Long.parseLong(m.group(1));
            }
            return last;
        }
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
