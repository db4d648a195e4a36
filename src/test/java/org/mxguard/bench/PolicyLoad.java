package org.mxguard.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.mxguard.testbed.TestZones;

/**
 * Load generator for Postfix policy services ({@code bench/policy-vs-postfwd}): each connection is
 * one Postfix smtpd process, sending one request and waiting for its answer, then the next, as
 * Postfix does. Every request is a new mail transaction (its own {@code instance}) at RCPT, with the
 * attributes Postfix would send for one of the DNS test bed's clients ({@link TestZones}): the
 * service has to judge each one, from its DNS cache once warm.
 *
 * <pre>
 * PolicyLoad --server 127.0.0.1:PORT [--connections 16] [--warmup 2000] [--warmup-seconds 30]
 *            [--requests 200000] [--seconds 20] [--state RCPT] [--label NAME] [--service-pids PID,...]
 *            [--io selector|threads]
 * </pre>
 * The connections behave as Postfix's smtpd processes do either way: one request at a time each,
 * the next sent when the answer is in. {@code --io selector} (the default) serves them all from one
 * thread: the client then costs about half the CPU per request of a blocking thread per connection
 * ({@code --io threads}), CPU it would otherwise take from the service on a machine they share.
 * First {@code warmup} requests or {@code warmup-seconds}, whichever ends first (uncounted: every
 * profile many times, so every DNS answer is cached and a JIT has compiled the hot paths), then at
 * most {@code requests} requests or {@code seconds} seconds, whichever ends first. {@code --state
 * VRFY} sends requests that no service checks: the protocol's own cost. Prints one line: {@code policyload label= connections= requests=
 * elapsed_s= per_s= p50_us= p99_us= p999_us= max_us= answers=ACTION:COUNT,... service_cpu_us=
 * client_cpu_us=} (answers: the first word of each action, to check that the rules fired as meant;
 * the CPU time per request during the measurement of the service's processes, {@code --service-pids}
 * and their descendants, and of this load client: on a machine whose cores the two share, what the
 * service itself costs per request, whatever the client takes from it).
 */
public final class PolicyLoad {
    /** What Postfix sends about a client; client_name is "unknown" unless the PTR name resolves back. */
    record Profile(String ip, String clientName, String reverseName, String helo, String sender) {
    }

    static final List<Profile> PROFILES = List.of(
            new Profile(TestZones.GOOD_IP, TestZones.GOOD_HOST, TestZones.GOOD_HOST, TestZones.GOOD_HOST, "alice@good.test"),
            new Profile(TestZones.NO_PTR_IP, "unknown", "unknown", "client.example.net", "x@good.test"),
            new Profile(TestZones.OUTSOURCED_IP, TestZones.OUTSOURCED_HOST, TestZones.OUTSOURCED_HOST,
                    TestZones.OUTSOURCED_HOST, "news@outsourced.test"),
            new Profile(TestZones.UNCONFIRMED_IP, "unknown", TestZones.UNCONFIRMED_HOST, TestZones.UNCONFIRMED_HOST,
                    "x@good.test"),
            new Profile(TestZones.GOOD_IP, TestZones.GOOD_HOST, TestZones.GOOD_HOST, TestZones.GOOD_HOST,
                    "a@" + TestZones.NX_DOMAIN),
            new Profile(TestZones.GENERIC_CONFIRMED_IP, TestZones.GENERIC_CONFIRMED_HOST,
                    TestZones.GENERIC_CONFIRMED_HOST, TestZones.GENERIC_CONFIRMED_HOST, "x@good.test"));

    /** Instances unique to each run (warm-up, measurement): a service must not take one for another. */
    private static final AtomicLong RUNS = new AtomicLong();
    private static volatile String RUN;
    private static volatile String STATE = "RCPT";
    /** One thread and a selector for every connection (the default), or a blocking thread per connection. */
    private static volatile boolean SELECTOR = true;

    private PolicyLoad() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> o = new TreeMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            o.put(args[i].replaceFirst("^--", ""), args[i + 1]);
        }
        String[] server = o.getOrDefault("server", "127.0.0.1:10045").split(":");
        InetSocketAddress address = new InetSocketAddress(server[0], Integer.parseInt(server[1]));
        int connections = Integer.parseInt(o.getOrDefault("connections", "16"));
        int warmup = Integer.parseInt(o.getOrDefault("warmup", "2000"));
        long requests = Long.parseLong(o.getOrDefault("requests", "200000"));
        long seconds = Long.parseLong(o.getOrDefault("seconds", "20"));
        long warmupSeconds = Long.parseLong(o.getOrDefault("warmup-seconds", "30"));
        String label = o.getOrDefault("label", address.toString());
        STATE = o.getOrDefault("state", "RCPT"); // VRFY: requests no service checks, the protocol alone
        SELECTOR = !o.getOrDefault("io", "selector").equals("threads");

        List<Long> servicePids = o.containsKey("service-pids")
                ? Arrays.stream(o.get("service-pids").split(",")).filter(p -> !p.isBlank()).map(Long::parseLong).toList()
                : List.of();

        run(address, connections, warmup, Long.MAX_VALUE, warmupSeconds, null); // warm-up, uncounted
        Map<String, LongAdder> answers = new ConcurrentHashMap<>();
        long serviceCpu = cpuMillis(servicePids);
        long clientCpu = cpuMillis(List.of(ProcessHandle.current().pid()));
        long start = System.nanoTime();
        long[][] latencies = run(address, connections, 0, requests, seconds, answers);
        double elapsed = (System.nanoTime() - start) / 1e9;
        serviceCpu = cpuMillis(servicePids) - serviceCpu;
        clientCpu = cpuMillis(List.of(ProcessHandle.current().pid())) - clientCpu;
        long[] all = Arrays.stream(latencies).flatMapToLong(Arrays::stream).sorted().toArray();
        StringBuilder counts = new StringBuilder();
        new TreeMap<>(answers).forEach((k, v) -> counts.append(counts.isEmpty() ? "" : ",").append(k).append(':').append(v));
        System.out.printf(Locale.ROOT, "policyload label=%s connections=%d requests=%d elapsed_s=%.2f per_s=%.0f "
                + "p50_us=%d p99_us=%d p999_us=%d max_us=%d answers=%s service_cpu_us=%s client_cpu_us=%.1f%n", label,
                connections, all.length, elapsed, all.length / elapsed, pct(all, 0.50), pct(all, 0.99), pct(all, 0.999),
                all.length == 0 ? 0 : all[all.length - 1] / 1000, counts,
                servicePids.isEmpty() ? "?" : String.format(Locale.ROOT, "%.1f", perRequestMicros(serviceCpu, all.length)),
                perRequestMicros(clientCpu, all.length));
    }

    private static double perRequestMicros(long millis, long requests) {
        return requests == 0 ? 0 : millis * 1000.0 / requests;
    }

    /**
     * User + system CPU milliseconds of these processes and their live descendants, reaped children
     * included (a reaped child's time moves into its parent's cutime/cstime), from /proc.
     */
    static long cpuMillis(List<Long> pids) {
        Set<Long> all = new LinkedHashSet<>();
        for (long pid : pids) {
            all.add(pid);
            ProcessHandle.of(pid).ifPresent(h -> h.descendants().forEach(d -> all.add(d.pid())));
        }
        long ticks = 0;
        for (long pid : all) {
            try {
                String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
                String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                // utime stime cutime cstime: fields 14-17 of proc(5), 11-14 after the state
                for (int i = 11; i <= 14; i++) {
                    ticks += Long.parseLong(fields[i]);
                }
            } catch (IOException | RuntimeException e) {
                // ended between the listing and the read: its time is in its parent's cutime now
            }
        }
        return ticks * 1000 / CLOCK_TICKS_PER_SECOND;
    }

    /** Linux's USER_HZ, the unit of /proc/PID/stat's times: 100 on every common architecture. */
    private static final long CLOCK_TICKS_PER_SECOND = 100;

    private static long pct(long[] sorted, double p) {
        return sorted.length == 0 ? 0 : sorted[Math.min(sorted.length - 1, (int) Math.ceil(p * sorted.length) - 1)] / 1000;
    }

    /**
     * {@code connections} clients, each sending requests in turn: {@code count} in all if positive,
     * else up to {@code limit} or until the deadline. Latencies in nanoseconds per connection.
     */
    private static long[][] run(InetSocketAddress address, int connections, int count, long limit, long seconds,
            Map<String, LongAdder> answers) throws Exception {
        RUN = "bench" + RUNS.incrementAndGet() + "." + Long.toHexString(System.nanoTime());
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        if (SELECTOR) {
            return selectorRun(address, connections, count > 0 ? count : limit, deadline, answers);
        }
        AtomicLong budget = new AtomicLong(count > 0 ? count : limit);
        long[][] latencies = new long[connections][];
        List<Thread> threads = new ArrayList<>();
        List<Throwable> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
        for (int c = 0; c < connections; c++) {
            int id = c;
            threads.add(Thread.ofPlatform().start(() -> {
                try {
                    latencies[id] = client(address, id, budget, deadline, answers);
                } catch (Throwable t) {
                    failures.add(t);
                    latencies[id] = new long[0];
                }
            }));
        }
        for (Thread t : threads) {
            t.join();
        }
        if (!failures.isEmpty()) {
            throw new IOException("a client failed: " + failures.getFirst(), failures.getFirst());
        }
        return latencies;
    }

    private static long[] client(InetSocketAddress address, int id, AtomicLong budget, long deadline,
            Map<String, LongAdder> answers) throws IOException {
        long[] times = new long[1 << 16];
        int n = 0;
        Requests requests = new Requests(id);
        try (Socket socket = new Socket()) {
            socket.setTcpNoDelay(true);
            socket.connect(address, 5000);
            // no SO_TIMEOUT: with one, every read is a non-blocking read, a poll and a read again; a
            // watchdog closes a connection whose answer takes longer than the timeout instead
            Watchdog.watch(socket);
            try {
                OutputStream out = socket.getOutputStream();
                InputStream in = socket.getInputStream();
                AnswerReader reader = new AnswerReader(in);
                long seq = 0;
                while (budget.getAndDecrement() > 0 && System.nanoTime() < deadline) {
                    int length = requests.next(seq++);
                    long t0 = System.nanoTime();
                    Watchdog.started(socket, t0);
                    out.write(requests.bytes, 0, length);
                    int answerLength = reader.readAnswer();
                    long took = System.nanoTime() - t0;
                    Watchdog.started(socket, 0);
                    if (n == times.length) {
                        times = Arrays.copyOf(times, n * 2);
                    }
                    times[n++] = took;
                    if (answers != null) {
                        answers.computeIfAbsent(reader.firstWord(answerLength), k -> new LongAdder()).increment();
                    }
                }
            } finally {
                Watchdog.forget(socket);
            }
        }
        return Arrays.copyOf(times, n);
    }

    /** One connection's requests, as bytes: profile after profile, each a new transaction (its own instance). */
    private static final class Requests {
        private static final byte[][] BEFORE = new byte[PROFILES.size()][];
        private static final byte[][] AFTER = new byte[PROFILES.size()][];
        private final int id;
        private final byte[] prefix;
        /** The request {@link #next} put together; the same bytes as {@link #request}. */
        final byte[] bytes = new byte[8192];

        Requests(int id) {
            this.id = id;
            this.prefix = (RUN + "." + id + ".").getBytes(StandardCharsets.US_ASCII);
        }

        static {
            for (int i = 0; i < PROFILES.size(); i++) {
                String text = request(PROFILES.get(i), "\u0000");
                int at = text.indexOf('\u0000');
                BEFORE[i] = text.substring(0, at).getBytes(StandardCharsets.UTF_8);
                AFTER[i] = text.substring(at + 1).getBytes(StandardCharsets.UTF_8);
            }
        }

        /** Puts request number {@code seq} into {@link #bytes}; its length. */
        int next(long seq) {
            int profile = (int) ((id + seq) % PROFILES.size());
            int length = put(bytes, 0, BEFORE[profile]);
            length = put(bytes, length, prefix);
            length = putDecimal(bytes, length, seq);
            return put(bytes, length, AFTER[profile]);
        }
    }

    /** A connection of {@link #selectorRun}: its requests, what it has read, its latencies. */
    private static final class Connection {
        final SocketChannel channel;
        final Requests requests;
        final ByteBuffer in = ByteBuffer.allocate(8192);
        long[] times = new long[1 << 16];
        int n;
        long seq;
        long sentAt;

        Connection(SocketChannel channel, int id) {
            this.channel = channel;
            this.requests = new Requests(id);
        }

        void send() throws IOException {
            ByteBuffer out = ByteBuffer.wrap(requests.bytes, 0, requests.next(seq++));
            sentAt = System.nanoTime();
            while (out.hasRemaining()) {
                channel.write(out); // a few hundred bytes into an empty socket buffer: at once
            }
        }
    }

    /**
     * {@link #run} with one thread: every connection non-blocking under one selector, each sending its
     * next request when its answer is in, until {@code budget} requests are sent or the deadline.
     */
    private static long[][] selectorRun(InetSocketAddress address, int connections, long budget, long deadline,
            Map<String, LongAdder> answers) throws IOException {
        List<Connection> all = new ArrayList<>();
        try (Selector selector = Selector.open()) {
            try {
                int waiting = 0;
                for (int c = 0; c < connections; c++) {
                    SocketChannel channel = SocketChannel.open(address);
                    channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
                    channel.configureBlocking(false);
                    Connection connection = new Connection(channel, c);
                    all.add(connection);
                    channel.register(selector, SelectionKey.OP_READ, connection);
                    if (budget-- > 0) {
                        connection.send();
                        waiting++;
                    }
                }
                long lastProgress = System.nanoTime();
                while (waiting > 0) {
                    if (selector.select(1000) == 0) {
                        if (System.nanoTime() - lastProgress > Watchdog.TIMEOUT_NANOS) {
                            throw new IOException("no answer for " + Watchdog.TIMEOUT_NANOS / 1_000_000_000L + " s");
                        }
                        continue;
                    }
                    lastProgress = System.nanoTime();
                    for (SelectionKey key : selector.selectedKeys()) {
                        Connection connection = (Connection) key.attachment();
                        if (connection.channel.read(connection.in) < 0) {
                            throw new IOException("the server closed the connection");
                        }
                        int end = answerEnd(connection.in);
                        if (end < 0) {
                            continue; // the rest of the answer is still on its way
                        }
                        long took = System.nanoTime() - connection.sentAt;
                        if (connection.n == connection.times.length) {
                            connection.times = Arrays.copyOf(connection.times, connection.n * 2);
                        }
                        connection.times[connection.n++] = took;
                        if (answers != null) {
                            answers.computeIfAbsent(firstWord(connection.in.array(), end), k -> new LongAdder()).increment();
                        }
                        // keep what follows the answer (nothing: the next request is sent only now)
                        int read = connection.in.position();
                        connection.in.limit(read).position(end + 2);
                        connection.in.compact();
                        if (budget-- > 0 && System.nanoTime() < deadline) {
                            connection.send();
                        } else {
                            waiting--;
                        }
                    }
                    selector.selectedKeys().clear();
                }
            } finally {
                for (Connection connection : all) {
                    connection.channel.close();
                }
            }
        }
        long[][] latencies = new long[connections][];
        for (int c = 0; c < connections; c++) {
            latencies[c] = Arrays.copyOf(all.get(c).times, all.get(c).n);
        }
        return latencies;
    }

    /** Where the empty line that ends an answer starts in what was read (the "\n\n"'s first byte), or -1. */
    private static int answerEnd(ByteBuffer read) {
        byte[] bytes = read.array();
        for (int i = 1; i < read.position(); i++) {
            if (bytes[i] == '\n' && bytes[i - 1] == '\n') {
                return i - 1;
            }
        }
        return -1;
    }

    private static int put(byte[] to, int at, byte[] bytes) {
        System.arraycopy(bytes, 0, to, at, bytes.length);
        return at + bytes.length;
    }

    private static int putDecimal(byte[] to, int at, long value) {
        String text = Long.toString(value);
        for (int i = 0; i < text.length(); i++) {
            to[at++] = (byte) text.charAt(i);
        }
        return at;
    }

    /**
     * Closes a connection whose answer has been awaited longer than {@link #TIMEOUT_NANOS} (the
     * client's read then fails), checking once a second: what SO_TIMEOUT did, without its cost per read.
     */
    private static final class Watchdog {
        static final long TIMEOUT_NANOS = 120_000_000_000L;
        private static final Map<Socket, AtomicLong> WAITING = new ConcurrentHashMap<>();

        static {
            Thread.ofPlatform().daemon().name("policyload-watchdog").start(() -> {
                while (true) {
                    try {
                        Thread.sleep(1000);
                    } catch (InterruptedException e) {
                        return;
                    }
                    long now = System.nanoTime();
                    WAITING.forEach((socket, since) -> {
                        long t = since.get();
                        if (t != 0 && now - t > TIMEOUT_NANOS) {
                            try {
                                socket.close();
                            } catch (IOException e) {
                                // closed already
                            }
                        }
                    });
                }
            });
        }

        static void watch(Socket socket) {
            WAITING.put(socket, new AtomicLong());
        }

        /** @param since when the request was sent (System.nanoTime()), or 0: not waiting */
        static void started(Socket socket, long since) {
            WAITING.get(socket).lazySet(since);
        }

        static void forget(Socket socket) {
            WAITING.remove(socket);
        }
    }

    /** Reads answers from its own buffer (BufferedInputStream's read() takes a lock per byte). */
    private static final class AnswerReader {
        private final InputStream in;
        private final byte[] buffer = new byte[8192];
        private final byte[] answer = new byte[4096];
        private int position;
        private int limit;

        AnswerReader(InputStream in) {
            this.in = in;
        }

        /** Reads up to the empty line that ends an answer; its length without it. */
        int readAnswer() throws IOException {
            int n = 0;
            while (true) {
                if (position == limit) {
                    int got = in.read(buffer, 0, buffer.length);
                    if (got < 0) {
                        throw new IOException("the server closed the connection");
                    }
                    position = 0;
                    limit = got;
                }
                byte b = buffer[position++];
                if (b == '\n' && n > 0 && answer[n - 1] == '\n') {
                    return n - 1;
                }
                if (n < answer.length) {
                    answer[n++] = b;
                }
            }
        }

        String firstWord(int length) {
            return PolicyLoad.firstWord(answer, length);
        }
    }

    static String request(Profile p, String instance) {
        return "request=smtpd_access_policy\nprotocol_state=" + STATE + "\nprotocol_name=ESMTP\n"
                + "client_address=" + p.ip() + "\nclient_name=" + p.clientName() + "\nreverse_client_name="
                + p.reverseName() + "\nhelo_name=" + p.helo() + "\nsender=" + p.sender()
                + "\nrecipient=bob@protected.test\nrecipient_count=0\nqueue_id=\ninstance=" + instance
                + "\nsize=0\netrn_domain=\nstress=\nsasl_method=\nsasl_username=\nsasl_sender=\nccert_subject=\n"
                + "ccert_issuer=\nccert_fingerprint=\nencryption_protocol=\nencryption_cipher=\nencryption_keysize=0\n"
                + "server_address=127.0.0.1\nserver_port=25\npolicy_context=\n\n";
    }

    private static String firstWord(byte[] answer, int length) {
        String text = new String(answer, 0, length, StandardCharsets.US_ASCII);
        text = text.startsWith("action=") ? text.substring(7) : text;
        int space = text.indexOf(' ');
        return (space < 0 ? text : text.substring(0, space)).strip().toUpperCase(Locale.ROOT);
    }
}
