package org.mxguard.testbed;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.IntFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.Type;

/**
 * Integration test bed: a real authoritative server (NSD) serving {@link TestZones}, and a real
 * recursive resolver (Unbound) in front of it, both child processes on free 127.0.0.1 ports,
 * plus two misbehaving endpoints ({@link SilentDnsEndpoint}, {@link GarbageDnsEndpoint}).
 *
 * <h2>Use</h2>
 * <pre>{@code
 * @ExtendWith(DnsTestBed.class)
 * class IprevIT {
 *     @Test void confirmed(DnsTestBed bed) throws Exception {
 *         Resolver r = new SimpleResolver(bed.resolver());          // Unbound, 127.0.0.1:PORT
 *         // ... point mxguard at bed.resolverHostPort() and check TestZones.GOOD_IP
 *     }
 * }
 * }</pre>
 * <ul>
 * <li>{@code @ExtendWith(DnsTestBed.class)} starts the shared bed before the class's tests and
 * resolves test/lifecycle-method parameters of type {@code DnsTestBed}.</li>
 * <li>{@code @RegisterExtension static final DnsTestBed BED = new DnsTestBed();} does the same
 * and also lets fields/static code call {@code BED.resolver()} etc.</li>
 * <li>{@link #shared()} returns the shared bed from anywhere (starting it on first use).</li>
 * <li>{@link #startPrivate()} starts an independent bed that the caller must {@link #close()}
 * (only needed for lifecycle tests).</li>
 * </ul>
 * The shared bed is started once per JVM, kept in JUnit's root {@code ExtensionContext} store
 * (closed when the engine finishes) and also stopped by a JVM shutdown hook; many test classes
 * share it. Accessors on a {@code new DnsTestBed()} (the extension object) delegate to the
 * shared bed and {@link #close()} on it does nothing.
 *
 * <h2>What a bed exposes</h2>
 * {@link #resolver()} / {@link #resolverHostPort()} (Unbound), {@link #authoritative()} /
 * {@link #authoritativeHostPort()} (NSD), {@link #silent()} / {@link #garbage()} (the fake
 * endpoints, for tests that point mxguard straight at them), {@link #deadPort()} (a loopback port
 * nothing listens on), {@link #resolverClient(Duration)} (a dnsjava client for Unbound).
 *
 * <h2>Requirements</h2>
 * The {@code nsd} and {@code unbound} binaries (Debian packages nsd, unbound), found in
 * /usr/sbin, /usr/local/sbin, PATH, or the system properties {@code mxguard.nsd} /
 * {@code mxguard.unbound}. If missing the bed fails with a message to run {@code ./test} (which
 * installs them); it does not skip. Config, zone files, logs and pid files live in a temporary
 * directory ({@link #workDir()}) deleted on close. Servers left behind by a JVM that was killed
 * are reaped on the next start.
 */
public final class DnsTestBed implements BeforeAllCallback, ParameterResolver, AutoCloseable {

    /** Prefix of every bed's temporary directory; followed by the owning JVM's pid and '-'. */
    static final String WORKDIR_PREFIX = "mxguard-dnsbed-";
    private static final Duration START_TIMEOUT = Duration.ofSeconds(20);
    private static final Duration STOP_GRACE = Duration.ofSeconds(5);
    private static final int START_ATTEMPTS = 5;

    private static final Object LOCK = new Object();
    private static Servers sharedServers;
    private static Throwable sharedFailure;

    /** Non-null for a private bed; null for the extension/shared facade. */
    private final Servers own;

    /** The extension object: a facade over the shared bed (JUnit calls this constructor). */
    public DnsTestBed() {
        this.own = null;
    }

    private DnsTestBed(Servers own) {
        this.own = own;
    }

    /** The shared bed, started on first use. */
    public static DnsTestBed shared() {
        sharedServers();
        return new DnsTestBed();
    }

    /** Starts an independent bed (own processes, own ports); the caller must close it. */
    public static DnsTestBed startPrivate() {
        return startPrivate(Options.DEFAULT);
    }

    /** Starts an independent bed with {@code options}; the caller must close it. */
    public static DnsTestBed startPrivate(Options options) {
        return new DnsTestBed(Servers.start(options));
    }

    /**
     * What a private bed adds to the shared one's setup (the benchmarks use it).
     *
     * @param extraResolverAddresses further IPv4 loopback addresses Unbound listens on, port 53 (for
     *                               resolvers that cannot be given a port, such as libc's: a private
     *                               resolv.conf names one of them); binding port 53 needs root
     * @param control                NSD and Unbound accept nsd-control / unbound-control on a unix socket
     *                               in {@link #workDir()} ({@code nsd.ctl}, {@code unbound.ctl}; use
     *                               {@code -c workDir/nsd.conf} or {@code -c workDir/unbound.conf})
     */
    public record Options(List<String> extraResolverAddresses, boolean control) {
        public static final Options DEFAULT = new Options(List.of(), false);

        public Options {
            extraResolverAddresses = List.copyOf(extraResolverAddresses);
            for (String a : extraResolverAddresses) {
                if (!a.startsWith("127.")) {
                    throw new IllegalArgumentException("not an IPv4 loopback address: " + a);
                }
            }
        }
    }

    private static Servers sharedServers() {
        synchronized (LOCK) {
            if (sharedFailure != null) {
                // Don't pay the start-up timeout again in every test class.
                throw new IllegalStateException("the shared DNS test bed failed to start earlier in this JVM: "
                        + sharedFailure.getMessage(), sharedFailure);
            }
            if (sharedServers == null || sharedServers.closed) {
                try {
                    sharedServers = Servers.start(Options.DEFAULT);
                } catch (RuntimeException | Error e) {
                    sharedFailure = e;
                    throw e;
                }
            }
            return sharedServers;
        }
    }

    private Servers servers() {
        Servers s = own != null ? own : sharedServers();
        if (s.closed) {
            throw new IllegalStateException("this DnsTestBed is closed");
        }
        return s;
    }

    // ------------------------------------------------------------------ JUnit extension

    @Override
    public void beforeAll(ExtensionContext context) {
        if (own != null) {
            return; // a private bed registered as an extension: its owner manages it
        }
        Servers s = sharedServers();
        context.getRoot().getStore(ExtensionContext.Namespace.create(DnsTestBed.class))
                .getOrComputeIfAbsent(Servers.class, k -> new SharedCloser(s), SharedCloser.class);
    }

    @Override
    public boolean supportsParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        return parameterContext.getParameter().getType() == DnsTestBed.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        if (own != null) {
            return this;
        }
        beforeAll(extensionContext);
        return shared();
    }

    /** Stored in the root context store; JUnit closes it when the engine is done. */
    private record SharedCloser(Servers servers) implements AutoCloseable {
        @Override
        public void close() {
            synchronized (LOCK) {
                servers.close();
                if (sharedServers == servers) {
                    sharedServers = null;
                }
            }
        }
    }

    // ------------------------------------------------------------------ accessors

    /** Unbound, the recursive resolver: 127.0.0.1 and its port (UDP and TCP). */
    public InetSocketAddress resolver() {
        return servers().unboundAddress;
    }

    /** Unbound as {@code "127.0.0.1:PORT"}. */
    public String resolverHostPort() {
        return hostPort(resolver());
    }

    /** NSD, the authoritative server for every zone of {@link TestZones}. */
    public InetSocketAddress authoritative() {
        return servers().nsdAddress;
    }

    /** NSD as {@code "127.0.0.1:PORT"}. */
    public String authoritativeHostPort() {
        return hostPort(authoritative());
    }

    /** The endpoint that never answers (UDP and TCP). */
    public InetSocketAddress silent() {
        return servers().silent.address();
    }

    /** The silent endpoint as {@code "127.0.0.1:PORT"}. */
    public String silentHostPort() {
        return hostPort(silent());
    }

    /** The endpoint that answers garbage (UDP and TCP). */
    public InetSocketAddress garbage() {
        return servers().garbage.address();
    }

    /** The garbage endpoint as {@code "127.0.0.1:PORT"}. */
    public String garbageHostPort() {
        return hostPort(garbage());
    }

    /** The loopback port servfail.test is stubbed to; nothing listens there. */
    public InetSocketAddress deadPort() {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), servers().deadPort);
    }

    /** The silent endpoint object (counters). */
    public SilentDnsEndpoint silentEndpoint() {
        return servers().silent;
    }

    /** The garbage endpoint object (counters). */
    public GarbageDnsEndpoint garbageEndpoint() {
        return servers().garbage;
    }

    /** A new dnsjava client for Unbound with the given timeout. */
    public SimpleResolver resolverClient(Duration timeout) {
        SimpleResolver r = new SimpleResolver(resolver());
        r.setTimeout(timeout);
        return r;
    }

    /** The temporary directory with configs, zone files and logs ({@code nsd.log}, {@code unbound.log}). */
    public Path workDir() {
        return servers().dir;
    }

    /** The server processes (nsd and unbound mains and their children) that are alive now. */
    public List<ProcessHandle> serverProcesses() {
        Servers s = own != null ? own : sharedServers();
        return s.liveProcesses();
    }

    /** Whether the bed's servers are running. */
    public boolean isRunning() {
        Servers s = own != null ? own : sharedServers;
        return s != null && !s.closed && s.nsd.isAlive() && s.unbound.isAlive();
    }

    /** Stops a private bed (and waits for its processes); a no-op on the shared facade. */
    @Override
    public void close() {
        if (own != null) {
            own.close();
        }
    }

    @Override
    public String toString() {
        Servers s = own != null ? own : sharedServers;
        return "DnsTestBed[" + (s == null ? "not started" : s) + "]";
    }

    private static String hostPort(InetSocketAddress a) {
        return a.getAddress().getHostAddress() + ":" + a.getPort();
    }

    // ------------------------------------------------------------------ the servers

    private static final class Servers implements AutoCloseable {
        final Path dir;
        final SilentDnsEndpoint silent;
        final GarbageDnsEndpoint garbage;
        final int deadPort;
        final Options options;
        Process nsd;
        Process unbound;
        InetSocketAddress nsdAddress;
        InetSocketAddress unboundAddress;
        final List<ProcessHandle> known = new ArrayList<>();
        final Thread hook;
        Path unboundBin;
        List<String> unboundExtras = List.of();
        volatile boolean closed;

        private Servers(Path dir, SilentDnsEndpoint silent, GarbageDnsEndpoint garbage, int deadPort,
                Options options) {
            this.dir = dir;
            this.options = options;
            this.silent = silent;
            this.garbage = garbage;
            this.deadPort = deadPort;
            this.hook = new Thread(this::close, "dnsbed-shutdown");
        }

        static Servers start(Options options) {
            Path nsdBin = binary("nsd");
            Path unboundBin = binary("unbound");
            reapOrphans();
            Path dir;
            SilentDnsEndpoint silent = null;
            GarbageDnsEndpoint garbage = null;
            try {
                dir = Files.createTempDirectory(WORKDIR_PREFIX + ProcessHandle.current().pid() + "-");
                silent = SilentDnsEndpoint.start();
                garbage = GarbageDnsEndpoint.start();
                Servers s = new Servers(dir, silent, garbage, Endpoints.freePort(), options);
                Runtime.getRuntime().addShutdownHook(s.hook);
                try {
                    s.startNsd(nsdBin);
                    s.startUnbound(unboundBin);
                } catch (IOException | RuntimeException | Error e) {
                    s.close();
                    throw e;
                }
                return s;
            } catch (IOException e) {
                if (silent != null) {
                    silent.close();
                }
                if (garbage != null) {
                    garbage.close();
                }
                throw new UncheckedIOException("could not set up the DNS test bed", e);
            }
        }

        // ---------------------------------------------------------- NSD

        private void startNsd(Path bin) throws IOException {
            Path zonesDir = Files.createDirectories(dir.resolve("zones"));
            List<Zone> zones = TestZones.authoritativeZones();
            for (Zone z : zones) {
                Files.writeString(zonesDir.resolve(z.fileName()), z.render(), StandardCharsets.UTF_8);
            }
            nsdAddress = launch("nsd", "NSD", bin, port -> nsdConf(port, zonesDir, zones),
                    zones.stream().map(Zone::origin).toList(), true, p -> nsd = p);
        }

        private String nsdConf(int port, Path zonesDir, List<Zone> zones) {
            StringBuilder sb = new StringBuilder("""
                    # generated by org.mxguard.testbed.DnsTestBed
                    server:
                      ip-address: 127.0.0.1@%s
                      port: %s
                      do-ip4: yes
                      do-ip6: no
                      username: ""
                      chroot: ""
                      server-count: 1
                      reuseport: no
                      tcp-count: 64
                      verbosity: 1
                      hide-version: yes
                      database: ""
                      zonesdir: "%s"
                      zonelistfile: "%s"
                      xfrdfile: "%s"
                      xfrdir: "%s"
                      pidfile: "%s"
                      logfile: "%s"
                      zonefiles-write: 0
                    remote-control:
                      control-enable: %s
                    """.formatted(port, port, zonesDir, dir.resolve("zone.list"), dir.resolve("xfrd.state"), dir,
                            dir.resolve("nsd.pid"), dir.resolve("nsd.log"), options.control() ? "yes" : "no"));
            if (options.control()) {
                sb.append("  control-interface: \"").append(dir.resolve("nsd.ctl")).append("\"\n");
            }
            for (Zone z : zones) {
                sb.append("zone:\n");
                sb.append("  name: \"").append(z.origin()).append("\"\n");
                sb.append("  zonefile: \"").append(zonesDir.resolve(z.fileName())).append("\"\n");
            }
            return sb.toString();
        }

        // ---------------------------------------------------------- Unbound

        private void startUnbound(Path bin) throws IOException {
            unboundBin = bin;
            unboundExtras = new ArrayList<>();
            for (String opt : List.of("discard-timeout: 0", "wait-limit: 0")) {
                if (unboundSupports(opt)) {
                    unboundExtras.add(opt);
                }
            }
            unboundAddress = launch("unbound", "Unbound", bin, this::unboundConf,
                    List.of(Zone.absolute(TestZones.TEST_ZONE)), false, p -> unbound = p);
        }

        private String unboundConf(int port) {
            String nsdAt = "127.0.0.1@" + nsdAddress.getPort();
            StringBuilder sb = new StringBuilder();
            sb.append("# generated by org.mxguard.testbed.DnsTestBed\n");
            sb.append("server:\n");
            sb.append("  interface: 127.0.0.1@").append(port).append('\n');
            sb.append("  port: ").append(port).append('\n');
            for (String extra : options.extraResolverAddresses()) {
                sb.append("  interface: ").append(extra).append("@53\n");
            }
            sb.append("  outgoing-interface: 127.0.0.1\n"); // nothing can leave loopback
            sb.append("  do-ip4: yes\n");
            sb.append("  do-ip6: no\n");
            sb.append("  do-udp: yes\n");
            sb.append("  do-tcp: yes\n");
            sb.append("  access-control: 127.0.0.0/8 allow\n");
            sb.append("  username: \"\"\n");
            sb.append("  chroot: \"\"\n");
            sb.append("  directory: \"").append(dir).append("\"\n");
            sb.append("  pidfile: \"").append(dir.resolve("unbound.pid")).append("\"\n");
            sb.append("  logfile: \"").append(dir.resolve("unbound.log")).append("\"\n");
            sb.append("  use-syslog: no\n");
            sb.append("  log-time-ascii: yes\n");
            sb.append("  log-servfail: yes\n");
            sb.append("  verbosity: 1\n");
            sb.append("  do-daemonize: no\n");
            sb.append("  num-threads: 1\n");
            sb.append("  so-reuseport: no\n");
            sb.append("  outgoing-range: 256\n");
            sb.append("  num-queries-per-thread: 512\n");
            sb.append("  msg-cache-size: 1m\n");
            sb.append("  rrset-cache-size: 2m\n");
            sb.append("  key-cache-size: 1m\n");
            sb.append("  neg-cache-size: 1m\n");
            sb.append("  infra-cache-numhosts: 100\n");
            sb.append("  infra-host-ttl: 30\n");
            // A server that does not answer is given up after ~2.3 s (376+376+752+752 ms) and then
            // marked down for infra-host-ttl; Unbound's default max RTO (120 s) means 17 s or more.
            sb.append("  infra-cache-max-rtt: 1000\n");
            sb.append("  infra-cache-min-rtt: 100\n");
            sb.append("  cache-max-negative-ttl: ").append(Zone.SOA_MINIMUM).append('\n');
            sb.append("  module-config: \"iterator\"\n"); // no validator, no trust anchor
            sb.append("  do-not-query-localhost: no\n"); // default refuses to query 127.0.0.0/8
            sb.append("  qname-minimisation: no\n");
            sb.append("  harden-referral-path: no\n");
            sb.append("  target-fetch-policy: \"0 0 0 0 0\"\n");
            sb.append("  prefetch: no\n");
            sb.append("  serve-expired: no\n");
            sb.append("  rrset-roundrobin: no\n"); // answers in zone-file order: deterministic
            sb.append("  minimal-responses: yes\n");
            sb.append("  hide-identity: yes\n");
            sb.append("  hide-version: yes\n");
            sb.append("  edns-buffer-size: 1232\n");
            // Debian's 1.17.1-2+deb12u4 backports these (CVE fixes): replies that took longer than
            // discard-timeout (1.9 s) are silently dropped, so a SERVFAIL after the silent
            // server's timeouts would never reach the client; wait-limit caps queries per client.
            for (String opt : unboundExtras) {
                sb.append("  ").append(opt).append('\n');
            }
            // Unbound answers these itself (RFC 6761/6303 local zones) unless told not to.
            sb.append("  local-zone: \"").append(Zone.absolute(TestZones.TEST_ZONE)).append("\" nodefault\n");
            sb.append("  local-zone: \"").append(Zone.absolute(TestZones.REVERSE4_ZONE)).append("\" nodefault\n");
            sb.append("  local-zone: \"").append(Zone.absolute(TestZones.REVERSE6_ZONE)).append("\" nodefault\n");
            sb.append("remote-control:\n");
            if (options.control()) {
                sb.append("  control-enable: yes\n");
                sb.append("  control-interface: \"").append(dir.resolve("unbound.ctl")).append("\"\n");
            } else {
                sb.append("  control-enable: no\n");
            }
            // The root too: no root hints, no priming, nothing ever sent beyond loopback.
            for (String zone : List.of(".", Zone.absolute(TestZones.TEST_ZONE),
                    Zone.absolute(TestZones.REVERSE4_ZONE), Zone.absolute(TestZones.REVERSE6_ZONE))) {
                stub(sb, zone, nsdAt);
            }
            for (Map.Entry<String, TestZones.Fault> f : TestZones.FAULT_ZONES.entrySet()) {
                int target = switch (f.getValue()) {
                    case SILENT -> silent.port();
                    case DEAD_PORT -> deadPort;
                    case GARBAGE -> garbage.port();
                };
                stub(sb, f.getKey(), "127.0.0.1@" + target);
                if (f.getValue() == TestZones.Fault.DEAD_PORT) {
                    // Over UDP Unbound ignores ICMP port-unreachable and waits for timeouts
                    // (~2.3 s); a refused TCP connect makes the SERVFAIL immediate.
                    sb.append("  stub-tcp-upstream: yes\n");
                }
            }
            return sb.toString();
        }

        private static void stub(StringBuilder sb, String zone, String addr) {
            sb.append("stub-zone:\n");
            sb.append("  name: \"").append(zone).append("\"\n");
            sb.append("  stub-addr: ").append(addr).append('\n');
            sb.append("  stub-prime: no\n");
            sb.append("  stub-first: no\n");
        }

        /** Whether this Unbound accepts {@code option} (checked with unbound-checkconf when present). */
        private boolean unboundSupports(String option) {
            Path checkconf = unboundBin.resolveSibling("unbound-checkconf");
            if (!Files.isExecutable(checkconf)) {
                return false;
            }
            try {
                Path probe = dir.resolve("probe.conf");
                Files.writeString(probe, "server:\n  " + option + "\n  chroot: \"\"\n  username: \"\"\n"
                        + "  directory: \"" + dir + "\"\n", StandardCharsets.UTF_8);
                Process p = new ProcessBuilder(checkconf.toString(), probe.toString())
                        .redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                        .start();
                boolean done = p.waitFor(10, TimeUnit.SECONDS);
                if (!done) {
                    p.destroyForcibly();
                    return false;
                }
                Files.deleteIfExists(probe);
                return p.exitValue() == 0;
            } catch (IOException e) {
                return false;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }

        // ---------------------------------------------------------- starting a daemon

        /**
         * Runs {@code bin -d -c <daemon>.conf} in the work dir on a free port until SOA queries for
         * {@code readyZones} are answered, and returns its address. {@code daemon} ("nsd" or
         * "unbound") also names its log and output files; {@code started} learns each process as
         * soon as it exists, so that {@link #close()} stops it even if starting fails. A process
         * that dies is retried on another port (the port may have been taken meanwhile).
         */
        private InetSocketAddress launch(String daemon, String displayName, Path bin, IntFunction<String> confForPort,
                List<String> readyZones, boolean authoritative, Consumer<Process> started) throws IOException {
            String failure = null;
            for (int attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
                int port = Endpoints.freePort();
                Path conf = dir.resolve(daemon + ".conf");
                Files.writeString(conf, confForPort.apply(port), StandardCharsets.UTF_8);
                Files.deleteIfExists(dir.resolve(daemon + ".log"));
                Process p = new ProcessBuilder(bin.toString(), "-d", "-c", conf.toString())
                        .directory(dir.toFile())
                        .redirectErrorStream(true)
                        .redirectOutput(dir.resolve(daemon + ".out").toFile())
                        .start();
                started.accept(p);
                known.add(p.toHandle());
                InetSocketAddress addr = new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
                failure = awaitReady(p, addr, readyZones, authoritative);
                if (failure == null) {
                    rememberChildren(p);
                    return addr;
                }
                boolean died = !p.isAlive();
                stopProcess(p);
                if (!died) {
                    break; // alive but not answering: another port will not help
                }
            }
            throw new IllegalStateException(displayName + " did not start: " + failure + "\n"
                    + logs(daemon + ".out", daemon + ".log"));
        }

        // ---------------------------------------------------------- readiness

        /** Polls SOA of each zone until it answers NOERROR (and AA when authoritative); null = ready. */
        private String awaitReady(Process p, InetSocketAddress addr, List<String> zones, boolean authoritative) {
            long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
            SimpleResolver r = new SimpleResolver(addr);
            r.setTimeout(Duration.ofMillis(300));
            String last = "no answer";
            int next = 0;
            while (System.nanoTime() < deadline) {
                if (!p.isAlive()) {
                    return "process exited with status " + p.exitValue();
                }
                try {
                    Message q = Message.newQuery(Record.newRecord(Name.fromString(zones.get(next)), Type.SOA, DClass.IN));
                    Message resp = r.send(q);
                    boolean ok = resp.getRcode() == Rcode.NOERROR
                            && !resp.getSection(org.xbill.DNS.Section.ANSWER).isEmpty()
                            && (!authoritative || resp.getHeader().getFlag(Flags.AA));
                    if (ok) {
                        next++;
                        if (next == zones.size()) {
                            return null;
                        }
                        continue;
                    }
                    last = "SOA " + zones.get(next) + " answered " + Rcode.string(resp.getRcode());
                } catch (IOException e) {
                    last = "SOA " + zones.get(next) + ": " + e;
                }
                sleep(50);
            }
            return "not ready after " + START_TIMEOUT.toSeconds() + "s (" + last + ")";
        }

        // ---------------------------------------------------------- processes

        private void rememberChildren(Process p) {
            p.descendants().forEach(known::add);
        }

        List<ProcessHandle> liveProcesses() {
            List<ProcessHandle> all = new ArrayList<>(known);
            for (Process p : new Process[] {nsd, unbound}) {
                if (p != null) {
                    p.descendants().forEach(all::add);
                }
            }
            return all.stream().filter(h -> !hasExited(h)).distinct().toList();
        }

        @Override
        public void close() {
            synchronized (this) {
                if (closed) {
                    return;
                }
                closed = true;
            }
            if (unbound != null) {
                stopProcess(unbound);
            }
            if (nsd != null) {
                stopProcess(nsd);
            }
            for (ProcessHandle h : known) {
                stopHandle(h);
            }
            silent.close();
            garbage.close();
            deleteTree(dir);
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException ignored) {
                // already shutting down: this is the hook
            }
        }

        private String logs(String... names) {
            StringBuilder sb = new StringBuilder();
            for (String n : names) {
                Path f = dir.resolve(n);
                try {
                    if (Files.exists(f)) {
                        sb.append("---- ").append(f).append('\n').append(Files.readString(f)).append('\n');
                    }
                } catch (IOException e) {
                    sb.append("---- ").append(f).append(": ").append(e).append('\n');
                }
            }
            return sb.toString();
        }

        @Override
        public String toString() {
            return "nsd=" + (nsdAddress == null ? "-" : hostPort(nsdAddress))
                    + " unbound=" + (unboundAddress == null ? "-" : hostPort(unboundAddress))
                    + " silent=" + silent.port() + " garbage=" + garbage.port() + " dead=" + deadPort
                    + (closed ? " (closed)" : "");
        }
    }

    // ------------------------------------------------------------------ process helpers

    /**
     * SIGTERM the process and wait for it (SIGKILL after a grace period), then SIGKILL whatever
     * of its descendants is still alive: nsd's forked server child lingers ~1.5 s after a
     * SIGTERM, and once the main process is gone those orphans hold no state worth keeping.
     */
    static void stopProcess(Process p) {
        List<ProcessHandle> children = p.descendants().toList();
        p.destroy();
        try {
            if (!p.waitFor(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                p.waitFor(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        for (ProcessHandle c : children) {
            if (!hasExited(c)) {
                c.destroyForcibly();
            }
        }
        for (ProcessHandle c : children) {
            awaitExit(c, STOP_GRACE);
        }
    }

    static void stopHandle(ProcessHandle h) {
        if (hasExited(h)) {
            return;
        }
        h.destroy();
        if (!awaitExit(h, STOP_GRACE)) {
            h.destroyForcibly();
            awaitExit(h, STOP_GRACE);
        }
    }

    /**
     * Polls {@link ProcessHandle#isAlive()}: {@code onExit()} of a process that is not our child
     * (nsd's forked workers) polls with a 300 ms+ back-off, which made every stop take ~2 s.
     */
    private static boolean awaitExit(ProcessHandle h, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!hasExited(h)) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return hasExited(h);
            }
        }
        return true;
    }

    /**
     * Whether the process has terminated: gone, or a zombie. nsd's forked children are orphaned
     * when the main process exits and wait as zombies until PID 1 reaps them (which in
     * containers can take seconds), and {@link ProcessHandle#isAlive()} counts zombies as alive.
     */
    public static boolean hasExited(ProcessHandle h) {
        if (!h.isAlive()) {
            return true;
        }
        try {
            String stat = Files.readString(Paths.get("/proc", Long.toString(h.pid()), "stat"));
            int close = stat.lastIndexOf(')');
            return close > 0 && close + 2 < stat.length() && stat.charAt(close + 2) == 'Z';
        } catch (IOException | RuntimeException e) {
            return !h.isAlive();
        }
    }

    private static final Pattern OWNER = Pattern.compile(Pattern.quote(WORKDIR_PREFIX) + "(\\d+)-");

    /**
     * Kills nsd/unbound processes started by a bed whose JVM no longer exists (e.g. a test JVM
     * killed by a timeout): their command line names a work dir whose owner pid is dead.
     */
    static void reapOrphans() {
        List<ProcessHandle> orphans = new ArrayList<>();
        ProcessHandle.allProcesses().forEach(h -> {
            ProcessHandle.Info info = h.info();
            Optional<String> cmd = info.command();
            if (cmd.isEmpty()) {
                return;
            }
            String c = cmd.get();
            if (!(c.endsWith("/nsd") || c.endsWith("/unbound"))) {
                return;
            }
            String args = String.join(" ", info.arguments().orElse(new String[0]));
            Matcher m = OWNER.matcher(args);
            if (m.find()) {
                long owner = Long.parseLong(m.group(1));
                if (owner != ProcessHandle.current().pid() && ProcessHandle.of(owner).isEmpty()) {
                    orphans.add(h);
                }
            }
        });
        orphans.forEach(DnsTestBed::stopHandle);
        // and their work directories
        Path tmp = Paths.get(System.getProperty("java.io.tmpdir"));
        try (Stream<Path> dirs = Files.list(tmp)) {
            dirs.filter(d -> d.getFileName().toString().startsWith(WORKDIR_PREFIX)).forEach(d -> {
                Matcher m = OWNER.matcher(d.getFileName().toString());
                if (m.lookingAt() && ProcessHandle.of(Long.parseLong(m.group(1))).isEmpty()) {
                    deleteTree(d);
                }
            });
        } catch (IOException | RuntimeException ignored) {
            // best effort
        }
    }

    static Path binary(String name) {
        String prop = System.getProperty("mxguard." + name);
        List<Path> candidates = new ArrayList<>();
        if (prop != null && !prop.isBlank()) {
            candidates.add(Paths.get(prop));
        }
        candidates.add(Paths.get("/usr/sbin", name));
        candidates.add(Paths.get("/usr/local/sbin", name));
        String path = System.getenv("PATH");
        if (path != null) {
            for (String d : path.split(java.io.File.pathSeparator)) {
                if (!d.isEmpty()) {
                    candidates.add(Paths.get(d, name));
                }
            }
        }
        for (Path c : candidates) {
            if (Files.isRegularFile(c) && Files.isExecutable(c)) {
                return c;
            }
        }
        throw new IllegalStateException("The DNS test bed needs the '" + name + "' binary, which was not found "
                + "(looked in /usr/sbin, /usr/local/sbin and PATH). Run ./test from the repository root: it "
                + "installs the Debian packages nsd, unbound and dnsutils (or run: apt-get install nsd unbound "
                + "dnsutils). A different location can be given with -Dmxguard." + name + "=/path/to/" + name + ".");
    }

    static void deleteTree(Path root) {
        if (root == null || !Files.exists(root)) {
            return;
        }
        try (Stream<Path> s = Files.walk(root)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException ignored) {
                    // best effort
                }
            });
        } catch (IOException ignored) {
            // best effort
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting the DNS test bed", e);
        }
    }
}
