package org.mxguard.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.Predicate;
import org.mxguard.dns.RecordType;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.Address;
import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.MXRecord;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.PTRRecord;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.ReverseMap;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;

/**
 * An in-process DNS server for unit tests, fault injection and benchmarks: UDP and TCP on one
 * ephemeral 127.0.0.1 port, answering from records configured per name and type, with a
 * {@link Behaviour} per question (name + type) to inject faults.
 *
 * <pre>{@code
 * try (FakeDnsServer server = FakeDnsServer.start()) {
 *     server.mx("example.org", 10, "mail.example.org")
 *           .a("mail.example.org", "192.0.2.1")
 *           .ptr("192.0.2.1", "mail.example.org")
 *           .behave("slow.example", RecordType.A, Behaviour.DROP)
 *           .delay(Duration.ofMillis(20));                  // every answer takes 20 ms
 *     DnsClient client = new DnsClient(List.of(server.address()), ...);
 *     ...
 *     assertThat(server.queries("example.org", RecordType.MX)).isEqualTo(1);
 * }
 * }</pre>
 *
 * Questions with neither records nor a behaviour get the {@linkplain #defaultBehaviour default
 * behaviour} (NXDOMAIN unless changed); a name that has records of other types gets NODATA.
 * Negative answers carry an SOA for the name's zone (its last two labels) whose TTL and MINIMUM
 * are set with {@link #soa}. Delayed answers are sent by one scheduler thread, so thousands of
 * slow answers in flight cost no threads.
 */
public final class FakeDnsServer implements AutoCloseable {
    /** TTL of records added without one. */
    public static final long DEFAULT_TTL = 300;

    record Key(String name, int type) {
        static Key of(String name, int type) {
            String n = name.toLowerCase(Locale.ROOT);
            while (n.endsWith(".")) {
                n = n.substring(0, n.length() - 1);
            }
            return new Key(n, type);
        }

        static Key of(Name name, int type) {
            return of(name.toString(), type);
        }
    }

    /** A behaviour, or an explicit rcode (when {@code rcode >= 0}), and an optional own delay. */
    record Rule(Behaviour behaviour, int rcode, Duration delay) {
    }

    final Map<Key, List<Record>> records = new ConcurrentHashMap<>();
    final Map<Key, Rule> rules = new ConcurrentHashMap<>();
    final Set<String> names = ConcurrentHashMap.newKeySet();
    volatile Behaviour defaultBehaviour = Behaviour.NXDOMAIN;
    volatile long soaTtl = 3600;
    volatile long soaMinimum = 300;
    private volatile Duration delay = Duration.ZERO;

    private final AtomicInteger total = new AtomicInteger();
    private final AtomicInteger tcpTotal = new AtomicInteger();
    private final Map<Key, AtomicInteger> perQuestion = new ConcurrentHashMap<>();

    private final FakeResponses responses = new FakeResponses(this);
    private final DatagramChannel udp;
    private final ServerSocketChannel tcp;
    private final ScheduledExecutorService scheduler;
    private final List<Thread> threads = new ArrayList<>();
    private final Set<SocketChannel> connections = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    private FakeDnsServer(DatagramChannel udp, ServerSocketChannel tcp) {
        this.udp = udp;
        this.tcp = tcp;
        this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "fake-dns-scheduler-" + port());
            t.setDaemon(true);
            return t;
        });
        threads.add(Thread.ofPlatform().daemon().name("fake-dns-udp-" + port()).start(this::udpLoop));
        threads.add(Thread.ofPlatform().daemon().name("fake-dns-tcp-" + port()).start(this::tcpLoop));
    }

    /** Binds UDP and TCP on one free 127.0.0.1 port and starts serving. */
    public static FakeDnsServer start() {
        InetAddress loopback = InetAddress.getLoopbackAddress();
        IOException last = null;
        for (int i = 0; i < 20; i++) {
            DatagramChannel udp = null;
            try {
                udp = DatagramChannel.open(StandardProtocolFamily.INET).bind(new InetSocketAddress(loopback, 0));
                int port = ((InetSocketAddress) udp.getLocalAddress()).getPort();
                ServerSocketChannel tcp = ServerSocketChannel.open(StandardProtocolFamily.INET)
                        .bind(new InetSocketAddress(loopback, port), 128);
                return new FakeDnsServer(udp, tcp);
            } catch (IOException e) { // the TCP port was taken: try another UDP port
                last = e;
                closeQuietly(udp);
            }
        }
        throw new UncheckedIOException("no free loopback port for UDP and TCP", last);
    }

    /** 127.0.0.1 and the port (the same for UDP and TCP). */
    public InetSocketAddress address() {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), port());
    }

    public int port() {
        return udp.socket().getLocalPort();
    }

    // ---------------------------------------------------------------- records

    /** Adds records as they are (absolute owner names, class IN). */
    public FakeDnsServer add(Record... rs) {
        for (Record r : rs) {
            records.merge(Key.of(r.getName(), r.getType()), List.of(r), FakeDnsServer::concat);
            names.add(Key.of(r.getName(), 0).name());
        }
        return this;
    }

    public FakeDnsServer a(String name, String... addresses) {
        return a(name, DEFAULT_TTL, addresses);
    }

    public FakeDnsServer a(String name, long ttl, String... addresses) {
        return addAddresses(addresses, Address.IPv4, ip -> new ARecord(name(name), DClass.IN, ttl, ip));
    }

    public FakeDnsServer aaaa(String name, String... addresses) {
        return aaaa(name, DEFAULT_TTL, addresses);
    }

    public FakeDnsServer aaaa(String name, long ttl, String... addresses) {
        return addAddresses(addresses, Address.IPv6, ip -> new AAAARecord(name(name), DClass.IN, ttl, ip));
    }

    /** One record per address literal (which must be of {@code family}), made by {@code record}. */
    private FakeDnsServer addAddresses(String[] literals, int family, Function<InetAddress, Record> record) {
        for (String literal : literals) {
            add(record.apply(parse(literal, family)));
        }
        return this;
    }

    /** One MX record; a target of "." or "" is the root (with preference 0: a null MX). */
    public FakeDnsServer mx(String domain, int preference, String target) {
        return mx(domain, DEFAULT_TTL, preference, target);
    }

    public FakeDnsServer mx(String domain, long ttl, int preference, String target) {
        return add(new MXRecord(name(domain), DClass.IN, ttl, preference, name(target)));
    }

    /** RFC 7505 null MX: {@code domain MX 0 .}. */
    public FakeDnsServer nullMx(String domain) {
        return mx(domain, 0, ".");
    }

    /** A PTR record for an IPv4 or IPv6 address (owner built with dnsjava's {@link ReverseMap}). */
    public FakeDnsServer ptr(String address, String... hosts) {
        return ptr(address, DEFAULT_TTL, hosts);
    }

    public FakeDnsServer ptr(String address, long ttl, String... hosts) {
        InetAddress ip = parse(address);
        for (String host : hosts) {
            add(new PTRRecord(ReverseMap.fromAddress(ip), DClass.IN, ttl, name(host)));
        }
        return this;
    }

    public FakeDnsServer cname(String alias, String target) {
        return cname(alias, DEFAULT_TTL, target);
    }

    public FakeDnsServer cname(String alias, long ttl, String target) {
        return add(new CNAMERecord(name(alias), DClass.IN, ttl, name(target)));
    }

    /** TTL and MINIMUM of the SOA sent with negative answers (RFC 2308 negative TTL = the smaller). */
    public FakeDnsServer soa(long ttl, long minimum) {
        this.soaTtl = ttl;
        this.soaMinimum = minimum;
        return this;
    }

    // ---------------------------------------------------------------- behaviours

    /** How to treat one question from now on. */
    public FakeDnsServer behave(String name, RecordType type, Behaviour behaviour) {
        rules.compute(Key.of(name, type.wireType()), (k, old) -> new Rule(behaviour, -1, old == null ? null : old.delay()));
        return this;
    }

    /** Answer one question with this rcode (e.g. {@link Rcode#NOTIMP}) and nothing else. */
    public FakeDnsServer rcode(String name, RecordType type, int rcode) {
        rules.compute(Key.of(name, type.wireType()), (k, old) -> new Rule(Behaviour.ANSWER, rcode, old == null ? null : old.delay()));
        return this;
    }

    /** Back to {@link Behaviour#ANSWER} (and the global delay) for this question. */
    public FakeDnsServer reset(String name, RecordType type) {
        rules.remove(Key.of(name, type.wireType()));
        return this;
    }

    /** What questions about names without records or rules get (initially NXDOMAIN). */
    public FakeDnsServer defaultBehaviour(Behaviour behaviour) {
        this.defaultBehaviour = behaviour;
        return this;
    }

    /** Every answer is sent this long after the query arrived. */
    public FakeDnsServer delay(Duration delay) {
        this.delay = delay;
        return this;
    }

    /** Answers to this question are sent this long after the query arrived (overrides the global delay). */
    public FakeDnsServer delay(String name, RecordType type, Duration delay) {
        rules.compute(Key.of(name, type.wireType()),
                (k, old) -> old == null ? new Rule(Behaviour.ANSWER, -1, delay) : new Rule(old.behaviour(), old.rcode(), delay));
        return this;
    }

    // ---------------------------------------------------------------- counters

    /** Queries received (UDP and TCP, parseable ones). */
    public int queries() {
        return total.get();
    }

    /** Queries received for one question (UDP and TCP). */
    public int queries(String name, RecordType type) {
        AtomicInteger n = perQuestion.get(Key.of(name, type.wireType()));
        return n == null ? 0 : n.get();
    }

    /** Queries received over TCP. */
    public int tcpQueries() {
        return tcpTotal.get();
    }

    /**
     * The distinct questions received (UDP and TCP) whose name satisfies {@code name}, as
     * "name TYPE" (lower case, no trailing dot): what one verdict's query budget limits.
     */
    public Set<String> questions(Predicate<String> name) {
        Set<String> found = new TreeSet<>();
        perQuestion.keySet().forEach(k -> {
            if (name.test(k.name())) {
                found.add(k.name() + " " + Type.string(k.type()));
            }
        });
        return found;
    }

    /** Queries received (UDP and TCP, retries included) for names that satisfy {@code name}. */
    public int queries(Predicate<String> name) {
        int n = 0;
        for (Map.Entry<Key, AtomicInteger> e : perQuestion.entrySet()) {
            if (name.test(e.getKey().name())) {
                n += e.getValue().get();
            }
        }
        return n;
    }

    public FakeDnsServer resetCounts() {
        total.set(0);
        tcpTotal.set(0);
        perQuestion.clear();
        return this;
    }

    // ---------------------------------------------------------------- serving

    private void udpLoop() {
        ByteBuffer in = ByteBuffer.allocate(65_535);
        while (!closed) {
            try {
                in.clear();
                InetSocketAddress from = (InetSocketAddress) udp.receive(in);
                byte[] query = new byte[in.flip().remaining()];
                in.get(query);
                FakeResponses.Reply reply = handle(query, false);
                if (reply != null) {
                    later(reply.delay(), () -> udp.send(ByteBuffer.wrap(reply.bytes()), from));
                }
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException | RuntimeException e) {
                if (closed) {
                    return;
                }
            }
        }
    }

    private void tcpLoop() {
        while (!closed) {
            try {
                SocketChannel connection = tcp.accept();
                connections.add(connection);
                Thread.ofVirtual().name("fake-dns-tcp-connection").start(() -> serve(connection));
            } catch (IOException e) {
                if (closed) {
                    return;
                }
            }
        }
    }

    private void serve(SocketChannel connection) {
        try (connection) {
            ByteBuffer length = ByteBuffer.allocate(2);
            while (!closed) {
                length.clear();
                if (!readFully(connection, length)) {
                    return;
                }
                ByteBuffer query = ByteBuffer.allocate(length.flip().getShort() & 0xffff);
                if (!readFully(connection, query)) {
                    return;
                }
                FakeResponses.Reply reply = handle(query.array(), true);
                if (reply != null && reply.bytes().length == 0) {
                    return; // FakeResponses.CLOSE: hang up on the client
                }
                if (reply != null) {
                    ByteBuffer out = ByteBuffer.allocate(2 + reply.bytes().length);
                    out.putShort((short) reply.bytes().length).put(reply.bytes()).flip();
                    later(reply.delay(), () -> {
                        synchronized (connection) {
                            while (out.hasRemaining()) {
                                connection.write(out);
                            }
                        }
                    });
                }
            }
        } catch (IOException e) {
            // client went away
        } finally {
            connections.remove(connection);
        }
    }

    private static boolean readFully(SocketChannel channel, ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            if (channel.read(buffer) < 0) {
                return false;
            }
        }
        return true;
    }

    /** Counts the query and builds the reply (null: send nothing). */
    private FakeResponses.Reply handle(byte[] wire, boolean overTcp) {
        Message query;
        try {
            query = new Message(wire);
        } catch (IOException e) {
            return null;
        }
        Record question = query.getQuestion();
        if (question == null) {
            return null;
        }
        Key key = Key.of(question.getName(), question.getType());
        total.incrementAndGet();
        if (overTcp) {
            tcpTotal.incrementAndGet();
        }
        perQuestion.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
        Rule rule = rules.get(key);
        byte[] bytes = responses.reply(query, key, rule, overTcp);
        if (bytes == null) {
            return null;
        }
        Duration d = rule != null && rule.delay() != null ? rule.delay() : delay;
        return new FakeResponses.Reply(bytes, d);
    }

    private interface IoAction {
        void run() throws IOException;
    }

    private void later(Duration after, IoAction send) {
        Runnable task = () -> {
            try {
                send.run();
            } catch (IOException e) {
                // client gone or server closed: nothing to do
            }
        };
        if (after.isZero() || after.isNegative()) {
            task.run();
        } else if (!closed) {
            try {
                scheduler.schedule(task, after.toNanos(), TimeUnit.NANOSECONDS);
            } catch (java.util.concurrent.RejectedExecutionException e) {
                // closing
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        scheduler.shutdownNow();
        closeQuietly(udp);
        closeQuietly(tcp);
        connections.forEach(FakeDnsServer::closeQuietly);
        for (Thread t : threads) {
            try {
                t.join(1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    @Override
    public String toString() {
        return "FakeDnsServer[" + address() + "]";
    }

    // ---------------------------------------------------------------- helpers

    static Name name(String text) {
        try {
            return text.isEmpty() || text.equals(".") ? Name.root : Name.fromString(text.endsWith(".") ? text : text + ".");
        } catch (TextParseException e) {
            throw new IllegalArgumentException("bad name: " + text, e);
        }
    }

    private static InetAddress parse(String address, int family) {
        try {
            return Address.getByAddress(address, family);
        } catch (java.net.UnknownHostException e) {
            throw new IllegalArgumentException("not an IPv" + (family == Address.IPv4 ? 4 : 6) + " literal: " + address, e);
        }
    }

    private static InetAddress parse(String address) {
        try {
            return Address.getByAddress(address);
        } catch (java.net.UnknownHostException e) {
            throw new IllegalArgumentException("not an IP literal: " + address, e);
        }
    }

    private static <T> List<T> concat(List<T> a, List<T> b) {
        List<T> all = new ArrayList<>(a);
        all.addAll(b);
        return List.copyOf(all);
    }

    private static void closeQuietly(java.io.Closeable c) {
        if (c != null) {
            try {
                c.close();
            } catch (IOException e) {
                // ignore
            }
        }
    }
}
