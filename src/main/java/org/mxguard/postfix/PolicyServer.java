package org.mxguard.postfix;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.mxguard.dns.DnsNames;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Postfix's SMTPD access policy delegation protocol on TCP addresses and a UNIX-domain socket. A
 * virtual thread accepts on each; the connections are shared among a few event loops (one thread
 * and a selector each), which read requests, answer the ones whose verdict is ready at once (the
 * checks' DNS answers are cached, or the verdict is remembered) and write the answers. An answer that
 * waits for DNS is made elsewhere and handed back to the loop: a loop never waits. Each answer costs
 * a read and a write, with no thread handed a connection and no wake-up per request.
 *
 * <p>Postfix keeps a connection per smtpd process and reuses it, so a connection carries many
 * requests, one at a time (a client that sends the next before its answer gets the answers in
 * order); a request that breaks the protocol or a limit gets no answer and the connection is closed,
 * as SMTPD_POLICY_README asks of a server in trouble (Postfix retries, then applies its
 * {@code smtpd_policy_service_default_action}).
 */
public final class PolicyServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(PolicyServer.class);
    private static final int BACKLOG = 1024;
    private static final int S_IFMT = 0170000;
    private static final int S_IFSOCK = 0140000;
    /** Event loops: one a core, as the answers that are ready at once keep a loop's core busy. */
    private static final int LOOPS = Math.max(1, Runtime.getRuntime().availableProcessors());
    private static final int READ_BUFFER = 8192;

    /**
     * @param maxConnections  connections at once; one more is closed at once
     * @param idleTimeout     a connection silent this long (not waiting for a verdict) is closed
     * @param maxLineBytes    the longest attribute line, newline included
     * @param maxRequestBytes the largest request
     */
    public record Limits(int maxConnections, Duration idleTimeout, int maxLineBytes, int maxRequestBytes) {
        public Limits {
            Objects.requireNonNull(idleTimeout, "idleTimeout");
            if (maxConnections < 1 || maxLineBytes < 2 || maxRequestBytes < maxLineBytes || idleTimeout.isNegative()
                    || idleTimeout.isZero()) {
                throw new IllegalArgumentException("bad limits: " + maxConnections + ", " + idleTimeout + ", "
                        + maxLineBytes + ", " + maxRequestBytes);
            }
        }
    }

    private final Limits limits;
    private final PolicyService service;
    private final List<ServerSocketChannel> listeners = new ArrayList<>();
    private final List<Thread> acceptors = new ArrayList<>();
    private final List<EventLoop> loops = new ArrayList<>();
    private final AtomicInteger open = new AtomicInteger();
    private int nextLoop;
    private Path socket;
    private volatile boolean closing;

    private PolicyServer(Limits limits, PolicyService service) {
        this.limits = Objects.requireNonNull(limits, "limits");
        this.service = Objects.requireNonNull(service, "service");
    }

    /**
     * Binds every address and the socket (all or none) and starts answering.
     *
     * @param socket a UNIX-domain socket path; a stale socket file there (nobody answering) is replaced
     * @throws IOException an address or the socket cannot be bound
     */
    public static PolicyServer start(List<InetSocketAddress> addresses, Optional<Path> socket, Limits limits,
            PolicyService service) throws IOException {
        if (addresses.isEmpty() && socket.isEmpty()) {
            throw new IllegalArgumentException("no address or socket to listen on");
        }
        PolicyServer server = new PolicyServer(limits, service);
        try {
            for (InetSocketAddress address : addresses) {
                ServerSocketChannel channel = ServerSocketChannel.open();
                server.listeners.add(channel);
                channel.setOption(StandardSocketOptions.SO_REUSEADDR, true);
                try {
                    channel.bind(address, BACKLOG);
                } catch (IOException e) {
                    throw new IOException("the policy service cannot listen on " + DnsNames.text(address) + ": "
                            + e.getMessage(), e);
                }
            }
            if (socket.isPresent()) {
                server.listeners.add(bindUnix(socket.get()));
                server.socket = socket.get();
            }
            for (int i = 0; i < LOOPS; i++) {
                server.loops.add(server.new EventLoop(i));
            }
        } catch (IOException | RuntimeException e) {
            server.close();
            throw e;
        }
        for (ServerSocketChannel listener : server.listeners) {
            server.acceptors.add(Thread.ofVirtual().name("policy-accept").start(() -> server.accept(listener)));
        }
        return server;
    }

    /** The TCP addresses actually bound (a port 0 asked for is the chosen port here). */
    public List<InetSocketAddress> addresses() {
        List<InetSocketAddress> bound = new ArrayList<>();
        for (ServerSocketChannel listener : listeners) {
            try {
                if (listener.getLocalAddress() instanceof InetSocketAddress inet) {
                    bound.add(inet);
                }
            } catch (IOException e) {
                // closed
            }
        }
        return bound;
    }

    /** The UNIX-domain socket, when there is one. */
    public Optional<Path> socket() {
        return Optional.ofNullable(socket);
    }

    /** Connections open now. */
    public int openConnections() {
        return open.get();
    }

    private static ServerSocketChannel bindUnix(Path path) throws IOException {
        if (Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            int mode = (Integer) Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS);
            if ((mode & S_IFMT) != S_IFSOCK) {
                throw new IOException("the policy service cannot listen on " + path + ": it exists and is not a socket");
            }
            boolean answered;
            try (SocketChannel probe = SocketChannel.open(UnixDomainSocketAddress.of(path))) {
                answered = true;
            } catch (IOException e) {
                answered = false;
            }
            if (answered) {
                throw new IOException("the policy service cannot listen on " + path + ": another process answers there");
            }
            Files.delete(path); // left by a process that is gone
        }
        ServerSocketChannel channel = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            channel.bind(UnixDomainSocketAddress.of(path), BACKLOG);
            // Postfix's smtpd runs as another user; the directory (Postfix's private/) guards who reaches it
            Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-rw-rw-"));
        } catch (IOException e) {
            channel.close();
            throw new IOException("the policy service cannot listen on " + path + ": " + e.getMessage(), e);
        }
        return channel;
    }

    private void accept(ServerSocketChannel listener) {
        while (!closing) {
            SocketChannel channel;
            try {
                channel = listener.accept();
            } catch (IOException e) {
                if (!closing) {
                    log.error("accepting policy connections failed: {}", e.toString());
                }
                return;
            }
            if (open.incrementAndGet() > limits.maxConnections()) {
                open.decrementAndGet();
                log.warn("policy connection refused: {} open already (policy-service.max-connections)",
                        limits.maxConnections());
                closeQuietly(channel);
                continue;
            }
            try {
                channel.configureBlocking(false);
            } catch (IOException e) {
                open.decrementAndGet();
                closeQuietly(channel);
                continue;
            }
            EventLoop loop;
            synchronized (loops) {
                loop = loops.get(nextLoop++ % loops.size());
            }
            loop.adopt(channel);
        }
    }

    /**
     * One thread with a selector, serving its share of the connections; everything else (a new
     * connection, an answer that waited for DNS) reaches it as a task.
     */
    private final class EventLoop {
        private final Selector selector;
        private final Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();
        private final Set<Connection> connections = new HashSet<>(); // the loop's thread only
        private final Thread thread;
        /** Guards {@link #ended} and the selector's wake-ups: a closed selector cannot be woken. */
        private final Object lifecycle = new Object();
        private boolean ended;

        EventLoop(int number) throws IOException {
            selector = Selector.open();
            thread = Thread.ofPlatform().daemon().name("policy-loop-" + number).start(this::run);
        }

        /** Serves the connection from now on; closes it when the loop has ended. */
        void adopt(SocketChannel channel) {
            if (!execute(() -> register(channel))) {
                closeQuietly(channel);
                open.decrementAndGet();
            }
        }

        private void register(SocketChannel channel) {
            Connection connection = new Connection(this, channel);
            if (ended) {
                connection.close(); // adopted as the loop ended
                return;
            }
            try {
                connection.key = channel.register(selector, SelectionKey.OP_READ, connection);
                connections.add(connection);
            } catch (IOException | RuntimeException e) {
                connection.close();
            }
        }

        /** Runs the task in the loop's thread, soon; false (and nothing runs) once the loop has ended. */
        boolean execute(Runnable task) {
            synchronized (lifecycle) {
                if (ended) {
                    return false;
                }
                tasks.add(task);
                selector.wakeup();
                return true;
            }
        }

        /** Wakes the loop to see that the server is closing. */
        void stop() {
            synchronized (lifecycle) {
                if (!ended) {
                    selector.wakeup();
                }
            }
        }

        private void run() {
            long idle = limits.idleTimeout().toNanos();
            long pause = Math.max(1, Math.min(1000, limits.idleTimeout().toMillis() / 4));
            long lastIdleCheck = System.nanoTime();
            try {
                while (!closing) {
                    selector.select(this::ready, pause);
                    runTasks();
                    long now = System.nanoTime();
                    if (now - lastIdleCheck >= pause * 1_000_000) {
                        lastIdleCheck = now;
                        closeIdle(now, idle);
                    }
                }
            } catch (IOException | RuntimeException e) {
                if (!closing) {
                    log.error("a policy event loop failed; its connections are closed", e);
                }
            } finally {
                synchronized (lifecycle) {
                    ended = true;
                }
                runTasks(); // connections adopted meanwhile are closed, answers made meanwhile dropped
                for (Connection c : List.copyOf(connections)) {
                    c.close();
                }
                closeQuietly(selector);
            }
        }

        private void runTasks() {
            for (Runnable task; (task = tasks.poll()) != null; ) {
                try {
                    task.run();
                } catch (RuntimeException e) {
                    log.error("a policy event loop's task failed", e);
                }
            }
        }

        private void ready(SelectionKey key) {
            Connection connection = (Connection) key.attachment();
            try {
                if (key.isWritable()) {
                    connection.flush();
                } else if (key.isReadable()) {
                    connection.read();
                }
            } catch (IOException | RuntimeException e) {
                connection.failed(e);
            }
        }

        /** Closes connections silent past the idle timeout (none waiting for an answer is). */
        private void closeIdle(long now, long idle) {
            for (Connection c : List.copyOf(connections)) {
                if (c.idleSince != 0 && now - c.idleSince > idle) {
                    log.debug("policy connection idle for {} s: closed", limits.idleTimeout().toSeconds());
                    c.close();
                }
            }
        }
    }

    /** One client's connection: its requests read and answered in turn, in its loop's thread only. */
    private final class Connection {
        private final EventLoop loop;
        private final SocketChannel channel;
        private final PolicyRequestReader reader = new PolicyRequestReader(limits.maxLineBytes(), limits.maxRequestBytes());
        /** Bytes read and not yet taken by the reader (a request sent before the last one's answer). */
        private final ByteBuffer in = ByteBuffer.allocate(READ_BUFFER).flip();
        private SelectionKey key;
        /** The part of an answer the socket did not take yet, or null. */
        private ByteBuffer out;
        /** An answer is being made elsewhere (it waits for DNS): nothing is read meanwhile. */
        private boolean waiting;
        private boolean closed;
        /** When it began to wait for a request (System.nanoTime()); 0 while a request is being answered. */
        private long idleSince = System.nanoTime();

        Connection(EventLoop loop, SocketChannel channel) {
            this.loop = loop;
            this.channel = channel;
        }

        void read() throws IOException {
            in.compact();
            int n;
            try {
                n = channel.read(in);
            } finally {
                in.flip();
            }
            if (n < 0) {
                reader.endOfStream(); // a request cut off is TRUNCATED
                log.debug("policy connection {} closed", peer());
                close();
                return;
            }
            serve();
        }

        /** Answers the requests read so far, one after another, while each answer is ready and written. */
        private void serve() {
            while (!closed && !waiting && out == null) {
                PolicyRequest request;
                try {
                    request = reader.next(in);
                } catch (PolicyProtocolException e) {
                    failed(e);
                    return;
                }
                if (request == null) {
                    return;
                }
                idleSince = 0;
                CompletableFuture<PolicyAnswer> answer = service.answer(request);
                if (answer.isDone()) {
                    send(answer.join());
                } else {
                    waiting = true;
                    key.interestOps(0);
                    answer.whenComplete((made, error) -> loop.execute(() -> answered(made, error)));
                }
            }
        }

        private void answered(PolicyAnswer answer, Throwable error) {
            waiting = false;
            if (closed) {
                return;
            }
            if (error != null) {
                failed(error);
                return;
            }
            key.interestOps(SelectionKey.OP_READ);
            send(answer);
            serve();
        }

        private void send(PolicyAnswer answer) {
            ByteBuffer bytes = ByteBuffer.wrap(answer.wire());
            try {
                channel.write(bytes);
            } catch (IOException e) {
                failed(e);
                return;
            }
            if (bytes.hasRemaining()) {
                out = bytes; // the rest when the socket takes it; no request is read meanwhile
                key.interestOps(SelectionKey.OP_WRITE);
            } else {
                idleSince = System.nanoTime();
            }
        }

        void flush() throws IOException {
            channel.write(out);
            if (!out.hasRemaining()) {
                out = null;
                idleSince = System.nanoTime();
                key.interestOps(SelectionKey.OP_READ);
                serve();
            }
        }

        void failed(Throwable e) {
            if (e instanceof PolicyProtocolException p) {
                if (p.kind() == PolicyProtocolException.Kind.TRUNCATED) {
                    log.debug("policy client {} went away: {}", peer(), p.getMessage());
                } else {
                    log.warn("policy client {}: {}; connection closed without an answer", peer(), p.getMessage());
                }
            } else if (e instanceof IOException) {
                log.debug("policy connection {} ended: {}", peer(), e.toString());
            } else {
                log.error("policy connection {} failed", peer(), e);
            }
            close();
        }

        void close() {
            if (closed) {
                return;
            }
            closed = true;
            loop.connections.remove(this);
            closeQuietly(channel); // cancels the key too
            open.decrementAndGet();
        }

        private String peer() {
            try {
                SocketAddress remote = channel.getRemoteAddress();
                return remote instanceof InetSocketAddress inet ? DnsNames.text(inet) : "on " + socket;
            } catch (IOException e) {
                return "(gone)";
            }
        }
    }

    /** Stops accepting, closes every connection, and removes the socket file. */
    @Override
    public void close() {
        closing = true;
        for (ServerSocketChannel listener : listeners) {
            closeQuietly(listener);
        }
        List<Thread> threads = new ArrayList<>(acceptors);
        for (EventLoop loop : loops) {
            loop.stop(); // it closes its connections as it ends
            threads.add(loop.thread);
        }
        for (Thread thread : threads) {
            thread.interrupt();
            try {
                thread.join(Duration.ofSeconds(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        if (socket != null) {
            try {
                Files.deleteIfExists(socket);
            } catch (IOException e) {
                log.warn("cannot remove the socket {}: {}", socket, e.toString());
            }
        }
    }

    private static void closeQuietly(AutoCloseable closeable) {
        try {
            closeable.close();
        } catch (Exception e) {
            log.debug("close failed: {}", e.toString());
        }
    }
}
