package org.mxguard.cli;

import org.mxguard.delivery.Router;
import org.mxguard.delivery.Myself;
import org.mxguard.delivery.SmtpConnectionCache;
import org.mxguard.delivery.SmtpDeliverer;
import org.mxguard.delivery.SmtpClient;
import org.mxguard.delivery.EgressPool;
import org.mxguard.delivery.Egress;
import org.mxguard.delivery.DsnBuilder;
import org.mxguard.delivery.DsnBounceSink;
import org.mxguard.delivery.SmtpTimeouts;
import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.random.RandomGenerator;
import java.util.regex.Pattern;
import org.mxguard.config.EgressSettings;
import org.mxguard.config.MxguardConfig;
import org.mxguard.config.QueueSettings;
import org.mxguard.dns.DnsAnswer;
import org.mxguard.dns.DnsNames;
import org.mxguard.dns.Resolver;
import org.mxguard.queue.Backoff;
import org.mxguard.queue.DestinationLimiter;
import org.mxguard.queue.NioSpoolFiles;
import org.mxguard.queue.QueueIds;
import org.mxguard.queue.QueueRunner;
import org.mxguard.queue.Recovery;
import org.mxguard.queue.Spool;
import org.mxguard.queue.SpoolLock;
import org.mxguard.queue.SpoolRequests;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The outbound side put together from the configuration: the spool (recovered), the queue runner
 * and everything it delivers and bounces through (router, SMTP client and connection cache,
 * egress addresses, DSNs). The one place that knows how these parts fit, so that a command can
 * say {@code try (var delivery = DeliveryWiring.start(config, dns, clock, random)) { ... }} and
 * accept mail into {@link #spool()}, calling {@link QueueRunner#offer} after each message.
 *
 * <p>It is the composition root of the outbound path, and the one class in {@code delivery} that
 * reads {@code config}.
 */
public final class DeliveryWiring implements AutoCloseable {
    /** Postfix's {@code smtp_connection_cache_time_limit}: a session waits this long for more mail. */
    static final Duration CACHED_SESSION_IDLE = Duration.ofSeconds(2);
    static final int CACHED_SESSION_TRANSACTIONS = 100;
    /** How long start-up waits for the PTR names of the egress addresses. */
    static final Duration PTR_TIMEOUT = Duration.ofSeconds(10);

    private static final Pattern HOST_NAME = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?");

    private static final Logger log = LoggerFactory.getLogger(DeliveryWiring.class);

    private final SpoolLock lock;
    private final Spool spool;
    private final SpoolRequests requests;
    private final Recovery recovery;
    private final QueueRunner runner;
    private final SmtpConnectionCache cache;
    private final String heloName;
    private final List<Egress> egresses;
    private Thread sweeper;

    private DeliveryWiring(SpoolLock lock, Spool spool, SpoolRequests requests, Recovery recovery, QueueRunner runner,
            SmtpConnectionCache cache, String heloName, List<Egress> egresses) {
        this.lock = lock;
        this.spool = spool;
        this.requests = requests;
        this.recovery = recovery;
        this.runner = runner;
        this.cache = cache;
        this.heloName = heloName;
        this.egresses = List.copyOf(egresses);
    }

    /**
     * Builds everything and recovers the spool, but delivers nothing until {@link #start()}; tests
     * drive {@link #runner()} with {@link QueueRunner#runOnce} instead.
     *
     * @param dns    a long-lived, caching resolver (routing, the egress addresses' PTR names)
     * @param random shared by every part that needs one; only used under its own lock here
     * @throws IOException the spool directory cannot be created or read, or another server delivers it
     */
    public static DeliveryWiring open(MxguardConfig config, Resolver dns, Clock clock, RandomGenerator random)
            throws IOException {
        RandomGenerator locked = locked(random);
        String heloName = config.delivery().heloName().orElseGet(DeliveryWiring::defaultHeloName);
        List<Egress> egresses = egresses(config.egress(), heloName, dns);

        Router router = new Router(config.delivery().transports(), dns,
                new Myself(config.identity().hostNames(), config.identity().addresses()), locked);
        SmtpConnectionCache cache = new SmtpConnectionCache(CACHED_SESSION_IDLE, CACHED_SESSION_TRANSACTIONS, clock);
        SmtpDeliverer deliverer = new SmtpDeliverer(router, new SmtpClient(timeouts(config.delivery().connectTimeout())),
                cache, egresses.isEmpty() ? Optional.empty() : Optional.of(new EgressPool(egresses, clock)),
                heloName, clock, SmtpDeliverer.Settings.DEFAULT);

        QueueSettings q = config.queue();
        Path directory = q.spool().toAbsolutePath();
        // before recovery, so that the index is read after the last queue command that edited the spool itself
        SpoolLock lock = SpoolLock.forServer(directory).orElseThrow(() -> new IOException("the spool " + directory
                + " is being delivered by another mxguard serve (it holds " + directory.resolve(SpoolLock.DIRECTORY)
                + "/.lock); one server per spool"));
        Spool spool = new Spool(directory, new NioSpoolFiles(), new QueueIds(clock, locked), clock, q.reserveBytes());
        Recovery recovery;
        try {
            recovery = spool.recover();
        } catch (IOException | RuntimeException e) {
            closeQuietly(lock, e);
            throw e;
        }
        Backoff backoff = new Backoff(q.minimalBackoff(), q.maximalBackoff(), q.lifetime(), Backoff.DEFAULT_JITTER, locked);
        DsnBuilder dsns = new DsnBuilder(heloName, q.lifetime(), clock,
                () -> Long.toString(clock.millis(), 36) + "." + hex(locked), () -> "=_mxguard_" + hex(locked));
        QueueRunner runner = new QueueRunner(spool, backoff, new DestinationLimiter(q.destinationConcurrency(), Map.of()),
                clock, deliverer, new DsnBounceSink(spool, dsns, clock), QueueRunner.Settings.DEFAULT);
        return new DeliveryWiring(lock, spool, new SpoolRequests(directory, new NioSpoolFiles(), clock), recovery, runner,
                cache, heloName, egresses);
    }

    /** {@link #open} and {@link #start()}: the queue is being delivered when this returns. */
    public static DeliveryWiring start(MxguardConfig config, Resolver dns, Clock clock, RandomGenerator random)
            throws IOException {
        DeliveryWiring wiring = open(config, dns, clock, random);
        wiring.start();
        return wiring;
    }

    /**
     * How often the spool is re-read for mail that {@code mxguard sendmail} queued from another
     * process, and the queue commands' requests applied (they promise it within this time).
     */
    static final Duration RESCAN_INTERVAL = Duration.ofSeconds(2);

    /**
     * Starts the queue runner; closes idle SMTP sessions once their time is up, picks up mail
     * other processes put in the spool and applies the queue commands' requests.
     */
    public synchronized void start() {
        runner.start();
        sweeper = Thread.ofVirtual().name("spool-rescan-and-smtp-sweeper").start(() -> {
            long lastSweep = System.nanoTime();
            try {
                while (!Thread.currentThread().isInterrupted()) {
                    Thread.sleep(RESCAN_INTERVAL.toMillis());
                    rescan();
                    applyRequests();
                    if (System.nanoTime() - lastSweep >= CACHED_SESSION_IDLE.toNanos()) {
                        cache.closeExpired();
                        lastSweep = System.nanoTime();
                    }
                }
            } catch (InterruptedException e) {
                // closing
            }
        });
    }

    private void rescan() {
        try {
            if (!spool.rescan().isEmpty()) {
                runner.wakeUp();
            }
        } catch (IOException | RuntimeException e) {
            log.warn("spool rescan failed: {}", e.toString());
        }
    }

    /** The queue commands' requests, made through the runner; public for tests, which call it instead of waiting. */
    public void applyRequests() {
        try {
            requests.applyTo(runner);
        } catch (IOException | RuntimeException e) {
            log.warn("applying queue requests failed (tried again in {}): {}", RESCAN_INTERVAL, e.toString());
        }
    }

    public Spool spool() {
        return spool;
    }

    /** What the spool held at start-up. */
    public Recovery recovery() {
        return recovery;
    }

    public QueueRunner runner() {
        return runner;
    }

    /** The EHLO name where no egress address has its own, and the DSNs' reporting host. */
    public String heloName() {
        return heloName;
    }

    /** The egress addresses with the EHLO names chosen for them; empty: the system chooses. */
    public List<Egress> egresses() {
        return egresses;
    }

    /**
     * Stops making queue passes and closes the idle sessions; deliveries under way finish on their
     * own. Gives up the spool lock, so that a server can be started again in the same JVM (tests):
     * the outcomes of those deliveries can then race it, which process exit rules out for serve.
     */
    @Override
    public synchronized void close() {
        runner.close();
        if (sweeper != null) {
            sweeper.interrupt();
            sweeper = null;
        }
        cache.close();
        try {
            lock.close();
        } catch (IOException e) {
            log.warn("cannot release the spool lock: {}", e.toString());
        }
    }

    private static void closeQuietly(SpoolLock lock, Exception failure) {
        try {
            lock.close();
        } catch (IOException e) {
            failure.addSuppressed(e);
        }
    }

    /** Each egress with its configured EHLO name, else its PTR name, else {@code fallback}. */
    private static List<Egress> egresses(List<EgressSettings> configured, String fallback, Resolver dns) {
        List<CompletableFuture<DnsAnswer<String>>> ptrs = configured.stream()
                .map(e -> e.heloName().isPresent() ? null : dns.ptr(e.address())).toList();
        List<Egress> egresses = new ArrayList<>();
        for (int i = 0; i < configured.size(); i++) {
            EgressSettings e = configured.get(i);
            String name = e.heloName().isPresent() ? e.heloName().get()
                    : ptrName(ptrs.get(i), e.address()).orElse(fallback);
            egresses.add(new Egress(e.address(), name));
            log.info("egress {}: EHLO {}", e.address().getHostAddress(), name);
        }
        return egresses;
    }

    /** The first PTR name of {@code address}, if DNS gives one in time; receivers compare it with EHLO. */
    private static Optional<String> ptrName(CompletableFuture<DnsAnswer<String>> ptr, InetAddress address) {
        try {
            DnsAnswer<String> answer = ptr.get(PTR_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            Optional<String> name = answer.values().stream().map(DnsNames::normalize).filter(n -> !n.isEmpty())
                    .findFirst();
            if (name.isEmpty()) {
                log.warn("egress {} has no PTR name ({}); using the default EHLO name", address.getHostAddress(), answer);
            }
            return name;
        } catch (ExecutionException | TimeoutException e) {
            log.warn("egress {}: PTR lookup failed ({}); using the default EHLO name", address.getHostAddress(), e.toString());
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    /** RFC 5321's timeouts, with the configured connect timeout. */
    private static SmtpTimeouts timeouts(Duration connect) {
        SmtpTimeouts t = SmtpTimeouts.rfc5321();
        return new SmtpTimeouts(connect, t.greeting(), t.hello(), t.startTls(), t.mail(), t.rcpt(), t.dataInitiation(),
                t.dataBlock(), t.dataTermination(), t.rset(), t.quit());
    }

    /** The machine's host name, when it can be an EHLO name and a DSN's reporting host. */
    private static String defaultHeloName() {
        String name = machineHostName();
        if (!HOST_NAME.matcher(name).matches()) {
            throw new IllegalStateException("this machine's host name " + name + " cannot be an EHLO name; "
                    + "set helo in [delivery]");
        }
        return name;
    }

    /** This machine's name as the kernel knows it (no DNS lookup), as Postfix's {@code myhostname} defaults. */
    static String machineHostName() {
        try {
            String name = Files.readString(Path.of("/proc/sys/kernel/hostname")).strip();
            if (!name.isEmpty()) {
                return name;
            }
        } catch (IOException | RuntimeException e) {
            // not Linux: ask Java, which may ask DNS
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            throw new IllegalStateException("cannot tell this machine's host name; set [delivery].helo", e);
        }
    }

    private static String hex(RandomGenerator random) {
        return HexFormat.of().toHexDigits(random.nextLong());
    }

    /** One generator for several threads: Backoff, QueueIds and DSN ids draw from it concurrently. */
    private static RandomGenerator locked(RandomGenerator random) {
        return new RandomGenerator() {
            @Override
            public synchronized long nextLong() {
                return random.nextLong();
            }
        };
    }
}
