package org.mxguard.bench;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.mxguard.testbed.TestZones;

/**
 * SMTP load generator for the gateway benchmarks ({@code bench/gateway-vs-postfix}): real SMTP over
 * loopback, one virtual thread per connection, each connection bound to a source address of the
 * DNS test bed ({@link TestZones}) so that the server's DNS checks give different verdicts.
 *
 * <h2>Load mode</h2>
 * <pre>
 * SmtpLoad --server 127.0.0.1:PORT [--messages 2000] [--concurrency 50] [--mix mixed|accept|reject]
 *          [--rcpt bob@protected.test] [--size 2048] [--label NAME] [--timeout-s 60]
 * </pre>
 * {@code messages} connections, at most {@code concurrency} at once; each connects from its
 * profile's source address and runs one transaction: EHLO, MAIL, RCPT, DATA (or is refused, which
 * with the default delayed rejection happens at RCPT), then QUIT. Profiles (connection i uses
 * profile i mod count):
 * <ul>
 * <li>accepted: 127.0.1.1 mail.good.test (confirmed PTR); 127.0.1.4 (generic-looking but confirmed
 * PTR); 127.0.1.10 relay.outsourced.test (its domain's MX); 127.0.1.9 (PTR through a CNAME);</li>
 * <li>refused: 127.0.1.3 (no PTR); 127.0.1.2 (PTR that does not resolve back); 127.0.1.1 with a
 * MAIL FROM domain that does not exist; 127.0.1.1 with a HELO name that does not exist.</li>
 * </ul>
 * Latency is from the start of connect to the final reply of the transaction (the 250 after the
 * data, or the refusal); QUIT is not in it. Prints one line: {@code smtpload mode=load label=...
 * messages= concurrency= elapsed_s= accepted= accepted_per_s= rejected= rejected_per_s=
 * tempfailed= errors= unexpected= p50_ms= p99_ms= ...} (unexpected: a profile's outcome other than
 * its expected one, e.g. an accepted client refused).
 *
 * <h2>Idle mode</h2>
 * <pre>
 * SmtpLoad --server 127.0.0.1:PORT --idle 10000 [--idle-network 127.100.0.0] [--per-source 100]
 *          [--probes 200] [--hold-s 10] [--connect-concurrency 200]
 * </pre>
 * First {@code probes} transactions one after another from 127.0.1.1 (the baseline), then
 * {@code idle} connections that greet (EHLO) and then say nothing, {@code per-source} from each of
 * the addresses counted up from {@code idle-network} (127.100.0.1, 127.100.0.2, ...). While they
 * are held, the same probes again; then a line {@code smtpload holding N} and {@code hold-s}
 * seconds more (for the script to measure the server meanwhile), then how many of the idle
 * connections are still open, and one summary line.
 */
public final class SmtpLoad {
    /** One kind of client: where it connects from, what it says, and what it should get. */
    record Profile(String source, String helo, String from, boolean accept) {
    }

    static final List<Profile> ACCEPTED = List.of(
            new Profile(TestZones.GOOD_IP, TestZones.GOOD_HOST, "alice@" + TestZones.GOOD_DOMAIN, true),
            new Profile(TestZones.GENERIC_CONFIRMED_IP, TestZones.GENERIC_CONFIRMED_HOST, "carol@" + TestZones.GOOD_DOMAIN, true),
            new Profile(TestZones.OUTSOURCED_IP, TestZones.OUTSOURCED_HOST, "olga@" + TestZones.OUTSOURCED_DOMAIN, true),
            new Profile(TestZones.CNAME_PTR_IP, TestZones.CNAME_PTR_HOST, "cora@" + TestZones.GOOD_DOMAIN, true));
    static final List<Profile> REFUSED = List.of(
            new Profile(TestZones.NO_PTR_IP, TestZones.GOOD_HOST, "dave@" + TestZones.GOOD_DOMAIN, false),
            new Profile(TestZones.UNCONFIRMED_IP, TestZones.UNCONFIRMED_HOST, "erin@" + TestZones.GOOD_DOMAIN, false),
            new Profile(TestZones.GOOD_IP, TestZones.GOOD_HOST, "frank@" + TestZones.NX_DOMAIN, false),
            new Profile(TestZones.GOOD_IP, TestZones.HELO_NX, "grace@" + TestZones.GOOD_DOMAIN, false));

    private enum Outcome { ACCEPTED, REJECTED, TEMPFAILED, ERROR }

    private record Result(Outcome outcome, long nanos, boolean unexpected, String detail) {
    }

    private SmtpLoad() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 1 && args[0].equals("--commands")) {
            commands();
        } else {
            run(args);
        }
        System.exit(0);
    }

    /**
     * One run per line of standard input (the same options, separated by spaces), each answered
     * with its result line: one generator, warmed up by the first runs, for all of a benchmark's
     * runs. A new JVM per run spent its first seconds compiling, on the cores the server under
     * test needs.
     */
    private static void commands() throws Exception {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String line; (line = in.readLine()) != null; ) {
            if (!line.isBlank()) {
                run(line.strip().split("\\s+"));
                System.out.flush();
            }
        }
    }

    private static void run(String[] args) throws Exception {
        Map<String, String> o = options(args);
        InetSocketAddress server = hostPort(required(o, "server"));
        int timeoutMs = Integer.parseInt(o.getOrDefault("timeout-s", "60")) * 1000;
        String rcpt = o.getOrDefault("rcpt", "bob@protected.test");
        int size = Integer.parseInt(o.getOrDefault("size", "2048"));
        Client client = new Client(server, timeoutMs, rcpt, size);
        if (o.containsKey("idle")) {
            idle(client, o);
        } else {
            load(client, o);
        }
    }

    // ------------------------------------------------------------------ load

    private static void load(Client client, Map<String, String> o) throws InterruptedException {
        int messages = Integer.parseInt(o.getOrDefault("messages", "2000"));
        int concurrency = Integer.parseInt(o.getOrDefault("concurrency", "50"));
        List<Profile> profiles = switch (o.getOrDefault("mix", "mixed")) {
            case "mixed" -> interleave(ACCEPTED, REFUSED);
            case "accept" -> ACCEPTED;
            case "reject" -> REFUSED;
            default -> throw new IllegalArgumentException("--mix mixed|accept|reject");
        };
        Result[] results = new Result[messages];
        AtomicInteger next = new AtomicInteger();
        CountDownLatch done = new CountDownLatch(concurrency);
        long cpuStart = ownCpuNanos();
        long start = System.nanoTime();
        for (int w = 0; w < concurrency; w++) {
            Thread.ofVirtual().name("load-" + w).start(() -> {
                try {
                    for (int i = next.getAndIncrement(); i < messages; i = next.getAndIncrement()) {
                        results[i] = client.transaction(profiles.get(i % profiles.size()), i);
                    }
                } finally {
                    done.countDown();
                }
            });
        }
        done.await();
        double elapsed = (System.nanoTime() - start) / 1e9;
        StringBuilder line = new StringBuilder("smtpload mode=load");
        line.append(" label=").append(o.getOrDefault("label", "-"));
        line.append(" messages=").append(messages).append(" concurrency=").append(concurrency);
        line.append(String.format(Locale.ROOT, " elapsed_s=%.3f", elapsed));
        long accepted = count(results, Outcome.ACCEPTED);
        long rejected = count(results, Outcome.REJECTED);
        line.append(" accepted=").append(accepted).append(String.format(Locale.ROOT, " accepted_per_s=%.1f", accepted / elapsed));
        line.append(" rejected=").append(rejected).append(String.format(Locale.ROOT, " rejected_per_s=%.1f", rejected / elapsed));
        line.append(" tempfailed=").append(count(results, Outcome.TEMPFAILED));
        line.append(" errors=").append(count(results, Outcome.ERROR));
        line.append(" unexpected=").append(Arrays.stream(results).filter(Result::unexpected).count());
        line.append(String.format(Locale.ROOT, " total_per_s=%.1f", messages / elapsed));
        percentiles(line, "", results, null);
        percentiles(line, "_accepted", results, Outcome.ACCEPTED);
        percentiles(line, "_rejected", results, Outcome.REJECTED);
        // the generator shares the machine with the server: its own cost per message says how much
        // of the machine's CPU was left to the server under test
        line.append(String.format(Locale.ROOT, " load_cpu_ms_per_msg=%.2f", (ownCpuNanos() - cpuStart) / 1e6 / messages));
        System.out.println(line);
        reportProblems(results);
    }

    private static long ownCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
                .getOperatingSystemMXBean()).getProcessCpuTime();
    }

    private static List<Profile> interleave(List<Profile> a, List<Profile> b) {
        List<Profile> all = new ArrayList<>();
        for (int i = 0; i < Math.max(a.size(), b.size()); i++) {
            if (i < a.size()) {
                all.add(a.get(i));
            }
            if (i < b.size()) {
                all.add(b.get(i));
            }
        }
        return all;
    }

    // ------------------------------------------------------------------ idle

    private static void idle(Client client, Map<String, String> o) throws Exception {
        int idle = Integer.parseInt(o.get("idle"));
        int perSource = Integer.parseInt(o.getOrDefault("per-source", "100"));
        int probes = Integer.parseInt(o.getOrDefault("probes", "200"));
        int holdS = Integer.parseInt(o.getOrDefault("hold-s", "10"));
        int connectConcurrency = Integer.parseInt(o.getOrDefault("connect-concurrency", "200"));
        byte[] network = InetAddress.getByName(o.getOrDefault("idle-network", "127.100.0.0")).getAddress();
        Profile probe = ACCEPTED.getFirst();

        Result[] before = probes(client, probe, probes);

        List<Socket> held = new ArrayList<>();
        ConcurrentLinkedQueue<Socket> open = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
        AtomicInteger closedByServer = new AtomicInteger();
        Semaphore connecting = new Semaphore(connectConcurrency);
        CountDownLatch greeted = new CountDownLatch(idle);
        long openStart = System.nanoTime();
        for (int i = 0; i < idle; i++) {
            InetAddress source = offset(network, 1 + i / perSource);
            connecting.acquire();
            Thread.ofVirtual().name("idle-" + i).start(() -> {
                Socket socket = null;
                try {
                    Conn c = Conn.open(client.server, source, client.timeoutMs);
                    socket = c.socket;
                    Reply banner = c.read();
                    String helo = "idle-" + source.getHostAddress().replace('.', '-') + ".example.test"; // one per address
                    Reply ehlo = banner.code() / 100 == 2 ? c.command("EHLO " + helo) : banner;
                    if (ehlo.code() / 100 != 2) {
                        failures.add(source.getHostAddress() + ": " + ehlo);
                        c.close();
                        return;
                    }
                    socket.setSoTimeout(0);
                    open.add(socket);
                } catch (IOException e) {
                    failures.add(source.getHostAddress() + ": " + e);
                    closeQuietly(socket);
                    return;
                } finally {
                    connecting.release();
                    greeted.countDown();
                }
                // hold: a read that returns means the server closed the connection
                try {
                    if (socket.getInputStream().read() >= -1) {
                        if (open.remove(socket)) {
                            closedByServer.incrementAndGet();
                        }
                    }
                } catch (IOException e) {
                    if (open.remove(socket)) {
                        closedByServer.incrementAndGet();
                    }
                }
            });
        }
        greeted.await();
        double openSeconds = (System.nanoTime() - openStart) / 1e9;
        held.addAll(open);
        Result[] during = probes(client, probe, probes);
        System.out.println("smtpload holding " + open.size());
        System.out.flush();
        Thread.sleep(TimeUnit.SECONDS.toMillis(holdS));
        int stillOpen = open.size();

        StringBuilder line = new StringBuilder("smtpload mode=idle");
        line.append(" label=").append(o.getOrDefault("label", "-"));
        line.append(" idle=").append(idle).append(" sources=").append((idle + perSource - 1) / perSource);
        line.append(" greeted=").append(held.size()).append(" failed=").append(failures.size());
        line.append(String.format(Locale.ROOT, " open_s=%.1f", openSeconds));
        line.append(" still_open_after_hold=").append(stillOpen).append(" closed_by_server=").append(closedByServer.get());
        line.append(" probes=").append(probes);
        line.append(" probe_ok_before=").append(count(before, Outcome.ACCEPTED));
        percentiles(line, "_before", before, null);
        line.append(" probe_ok_during=").append(count(during, Outcome.ACCEPTED));
        percentiles(line, "_during", during, null);
        System.out.println(line);
        failures.stream().limit(5).forEach(f -> System.err.println("idle connection failed: " + f));
        reportProblems(during);
        for (Socket s : held) {
            closeQuietly(s);
        }
    }

    private static Result[] probes(Client client, Profile probe, int n) {
        Result[] results = new Result[n];
        for (int i = 0; i < n; i++) {
            results[i] = client.transaction(probe, i);
        }
        return results;
    }

    private static InetAddress offset(byte[] network, int n) {
        byte[] a = network.clone();
        long v = ((a[0] & 0xffL) << 24 | (a[1] & 0xffL) << 16 | (a[2] & 0xffL) << 8 | (a[3] & 0xffL)) + n;
        a[0] = (byte) (v >>> 24);
        a[1] = (byte) (v >>> 16);
        a[2] = (byte) (v >>> 8);
        a[3] = (byte) v;
        if ((a[0] & 0xff) != 127) {
            throw new IllegalArgumentException("source addresses ran out of 127.0.0.0/8");
        }
        try {
            return InetAddress.getByAddress(a);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    // ------------------------------------------------------------------ results

    private static long count(Result[] results, Outcome outcome) {
        return Arrays.stream(results).filter(r -> r.outcome() == outcome).count();
    }

    private static void percentiles(StringBuilder line, String suffix, Result[] results, Outcome only) {
        long[] nanos = Arrays.stream(results).filter(r -> only == null || r.outcome() == only)
                .mapToLong(Result::nanos).sorted().toArray();
        line.append(" p50").append(suffix).append("_ms=").append(format(percentile(nanos, 0.50)));
        line.append(" p99").append(suffix).append("_ms=").append(format(percentile(nanos, 0.99)));
    }

    private static double percentile(long[] sorted, double p) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        int index = (int) Math.ceil(p * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, index))] / 1e6;
    }

    private static String format(double ms) {
        return Double.isNaN(ms) ? "-" : String.format(Locale.ROOT, "%.1f", ms);
    }

    private static void reportProblems(Result[] results) {
        Map<String, Integer> kinds = new TreeMap<>();
        for (Result r : results) {
            if (r.outcome() == Outcome.ERROR || r.outcome() == Outcome.TEMPFAILED || r.unexpected()) {
                kinds.merge(r.outcome() + (r.unexpected() ? " (unexpected)" : "") + ": " + r.detail(), 1, Integer::sum);
            }
        }
        kinds.entrySet().stream().limit(10).forEach(e -> System.err.println(e.getValue() + " x " + e.getKey()));
    }

    // ------------------------------------------------------------------ SMTP

    /** The client side: where to connect and what to send. */
    private record Client(InetSocketAddress server, int timeoutMs, String rcpt, int size) {
        Result transaction(Profile p, int n) {
            long start = System.nanoTime();
            try (Conn c = Conn.open(server, InetAddress.getByName(p.source()), timeoutMs)) {
                Reply last = c.read();
                if (last.code() / 100 == 2) {
                    last = c.command("EHLO " + p.helo());
                }
                if (last.code() / 100 == 2) {
                    last = c.command("MAIL FROM:<" + p.from() + ">");
                }
                if (last.code() / 100 == 2) {
                    last = c.command("RCPT TO:<" + rcpt + ">");
                }
                if (last.code() / 100 == 2) {
                    last = c.command("DATA");
                    if (last.code() == 354) {
                        c.send(message(p, n));
                        last = c.read();
                    }
                }
                long nanos = System.nanoTime() - start;
                try {
                    c.command("QUIT");
                } catch (IOException ignored) {
                    // a server that closed after a refusal
                }
                Outcome outcome = switch (last.code() / 100) {
                    case 2 -> Outcome.ACCEPTED;
                    case 4 -> Outcome.TEMPFAILED;
                    case 5 -> Outcome.REJECTED;
                    default -> Outcome.ERROR;
                };
                boolean unexpected = (outcome == Outcome.ACCEPTED) != p.accept();
                return new Result(outcome, nanos, unexpected, p.source() + " " + p.from() + ": " + last);
            } catch (IOException | RuntimeException e) {
                return new Result(Outcome.ERROR, System.nanoTime() - start, true, p.source() + ": " + e);
            }
        }

        private byte[] message(Profile p, int n) {
            StringBuilder m = new StringBuilder();
            m.append("From: <").append(p.from()).append(">\r\n");
            m.append("To: <").append(rcpt).append(">\r\n");
            m.append("Subject: load ").append(n).append("\r\n");
            m.append("Message-ID: <load-").append(n).append('-').append(System.nanoTime()).append("@smtpload.test>\r\n");
            m.append("Date: Mon, 23 Nov 2026 00:00:00 +0000\r\n\r\n");
            String filler = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789ab\r\n";
            while (m.length() + filler.length() <= size) {
                m.append(filler);
            }
            m.append("end\r\n.\r\n");
            return m.toString().getBytes(StandardCharsets.US_ASCII);
        }
    }

    record Reply(int code, String text) {
        @Override
        public String toString() {
            return code + " " + text;
        }
    }

    /** One SMTP connection, lock-step (no pipelining). */
    private static final class Conn implements Closeable {
        final Socket socket;
        private final InputStream in;
        private final OutputStream out;

        private Conn(Socket socket) throws IOException {
            this.socket = socket;
            this.in = new BufferedInputStream(socket.getInputStream(), 4096);
            this.out = new BufferedOutputStream(socket.getOutputStream(), 8192);
        }

        static Conn open(InetSocketAddress server, InetAddress source, int timeoutMs) throws IOException {
            Socket s = new Socket();
            try {
                s.setReuseAddress(true);
                s.bind(new InetSocketAddress(source, 0));
                s.connect(server, timeoutMs);
                s.setSoTimeout(timeoutMs);
                s.setTcpNoDelay(true);
                return new Conn(s);
            } catch (IOException | RuntimeException e) {
                s.close();
                throw e;
            }
        }

        Reply command(String line) throws IOException {
            send((line + "\r\n").getBytes(StandardCharsets.US_ASCII));
            return read();
        }

        void send(byte[] bytes) throws IOException {
            out.write(bytes);
            out.flush();
        }

        /** A whole (possibly multi-line) reply. */
        Reply read() throws IOException {
            StringBuilder text = new StringBuilder();
            while (true) {
                String line = line();
                if (line.length() < 3) {
                    throw new IOException("bad reply line: " + line);
                }
                int code;
                try {
                    code = Integer.parseInt(line.substring(0, 3));
                } catch (NumberFormatException e) {
                    throw new IOException("bad reply line: " + line);
                }
                text.append(line.length() > 4 ? line.substring(4) : "");
                if (line.length() == 3 || line.charAt(3) == ' ') {
                    return new Reply(code, text.toString());
                }
                text.append(" / ");
            }
        }

        private String line() throws IOException {
            ByteArrayOutputStream b = new ByteArrayOutputStream(128);
            while (true) {
                int c = in.read();
                if (c < 0) {
                    throw new IOException("connection closed by the server" + (b.size() > 0 ? " after " + b : ""));
                }
                if (c == '\n') {
                    String s = b.toString(StandardCharsets.UTF_8);
                    return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
                }
                b.write(c);
            }
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    private static void closeQuietly(Socket s) {
        if (s != null) {
            try {
                s.close();
            } catch (IOException ignored) {
                // already closed
            }
        }
    }

    // ------------------------------------------------------------------ arguments

    private static Map<String, String> options(String[] args) {
        Map<String, String> o = new TreeMap<>();
        for (int i = 0; i < args.length; i++) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                throw new IllegalArgumentException("expected --name value, got " + args[i]);
            }
            o.put(args[i].substring(2), args[++i]);
        }
        return o;
    }

    private static String required(Map<String, String> o, String key) {
        String v = o.get(key);
        if (v == null) {
            throw new IllegalArgumentException("--" + key + " is required");
        }
        return v;
    }

    private static InetSocketAddress hostPort(String s) {
        int colon = s.lastIndexOf(':');
        return new InetSocketAddress(s.substring(0, colon), Integer.parseInt(s.substring(colon + 1)));
    }
}
