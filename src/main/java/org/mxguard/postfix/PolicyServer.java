package org.mxguard.postfix;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.mxguard.dns.DnsNames;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Postfix's SMTPD access policy delegation protocol on TCP addresses and a UNIX-domain socket: one
 * virtual thread accepts on each, one virtual thread per connection reads requests, one after
 * another, and writes each answer. Postfix keeps a connection per smtpd process and reuses it, so a
 * connection carries many requests; a request that breaks the protocol or a limit gets no answer
 * and the connection is closed, as SMTPD_POLICY_README asks of a server in trouble (Postfix retries,
 * then applies its {@code smtpd_policy_service_default_action}).
 */
public final class PolicyServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(PolicyServer.class);
    private static final int BACKLOG = 1024;
    private static final int S_IFMT = 0170000;
    private static final int S_IFSOCK = 0140000;

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
    private final List<Thread> threads = new ArrayList<>();
    private final Set<Connection> connections = ConcurrentHashMap.newKeySet();
    private final AtomicInteger open = new AtomicInteger();
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
        } catch (IOException | RuntimeException e) {
            server.close();
            throw e;
        }
        for (ServerSocketChannel listener : server.listeners) {
            server.threads.add(Thread.ofVirtual().name("policy-accept").start(() -> server.accept(listener)));
        }
        server.threads.add(Thread.ofVirtual().name("policy-idle").start(server::closeIdleConnections));
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
            Connection connection = new Connection(channel);
            connections.add(connection);
            Thread.ofVirtual().name("policy-connection").start(connection);
        }
    }

    /** Closes connections silent past the idle timeout; a blocked read then ends. */
    private void closeIdleConnections() {
        long idle = limits.idleTimeout().toNanos();
        long pause = Math.max(1, Math.min(1000, limits.idleTimeout().toMillis() / 4));
        while (!closing) {
            try {
                Thread.sleep(pause);
            } catch (InterruptedException e) {
                return;
            }
            long now = System.nanoTime();
            for (Connection c : connections) {
                if (c.idleSince != 0 && now - c.idleSince > idle) {
                    log.debug("policy connection idle for {} s: closed", limits.idleTimeout().toSeconds());
                    closeQuietly(c.channel);
                }
            }
        }
    }

    /** One client's connection: requests read and answered in turn. */
    private final class Connection implements Runnable {
        private final SocketChannel channel;
        /** When it began to wait for a request (System.nanoTime()); 0 while a request is being answered. */
        private volatile long idleSince = System.nanoTime();

        Connection(SocketChannel channel) {
            this.channel = channel;
        }

        @Override
        public void run() {
            String peer = peer();
            try {
                InputStream in = Channels.newInputStream(channel); // the reader buffers
                PolicyRequestReader reader = new PolicyRequestReader(in, limits.maxLineBytes(), limits.maxRequestBytes());
                while (true) {
                    PolicyRequest request = reader.next();
                    if (request == null) {
                        return;
                    }
                    idleSince = 0;
                    write(service.answer(request).wire());
                    idleSince = System.nanoTime();
                }
            } catch (PolicyProtocolException e) {
                if (e.kind() == PolicyProtocolException.Kind.TRUNCATED) {
                    log.debug("policy client {} went away: {}", peer, e.getMessage());
                } else {
                    log.warn("policy client {}: {}; connection closed without an answer", peer, e.getMessage());
                }
            } catch (ClosedChannelException | EOFException e) {
                log.debug("policy connection {} closed", peer);
            } catch (IOException e) {
                log.debug("policy connection {} ended: {}", peer, e.toString());
            } catch (RuntimeException e) {
                log.error("policy connection {} failed", peer, e);
            } finally {
                connections.remove(this);
                closeQuietly(channel);
                open.decrementAndGet();
            }
        }

        private void write(byte[] bytes) throws IOException {
            ByteBuffer buffer = ByteBuffer.wrap(bytes);
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
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
        for (Connection c : connections) {
            closeQuietly(c.channel);
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
