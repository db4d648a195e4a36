package org.mxguard.smtp;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.mxguard.dns.DnsNames;
import org.mxguard.policy.AllowlistEntry.Cidr;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway's SMTP listeners: one virtual thread accepts on each address, and one virtual thread
 * per connection runs its {@link SmtpSession}. A client that waits, or dribbles, holds only its own
 * thread, so thousands of slow clients cost memory, not service to the others. Connections beyond
 * the total or the per-client limit are told so ({@code 421}) and closed before any work is done.
 */
public final class SmtpServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SmtpServer.class);

    /**
     * How the listener behaves; the defaults are Postfix's where Postfix has one.
     *
     * @param maxConnections          connections at once, all clients together
     * @param maxConnectionsPerClient connections at once from one IP address (smtpd_client_connection_count_limit)
     */
    public record Limits(int maxConnections, int maxConnectionsPerClient) {
        public static final Limits DEFAULT = new Limits(10_000, 50);

        public Limits {
            if (maxConnections < 1 || maxConnectionsPerClient < 1) {
                throw new IllegalArgumentException("connection limits must be at least 1");
            }
        }
    }

    /** postfix's smtpd_upstream_proxy_timeout: how long a load balancer may take to send its PROXY header. */
    static final Duration PROXY_TIMEOUT = Duration.ofSeconds(5);

    private final Limits limits;
    private final List<Cidr> proxyFrom;
    private final SessionFactory sessions;
    private ListenSockets listening; // set by start, before anyone else sees the server
    private final AtomicInteger open = new AtomicInteger();
    private final ConcurrentHashMap<InetAddress, AtomicInteger> perClient = new ConcurrentHashMap<>();
    private final java.util.Set<Socket> connections = ConcurrentHashMap.newKeySet();

    /** Makes the session that serves one accepted connection, for its client (after any PROXY header). */
    @FunctionalInterface
    public interface SessionFactory {
        Runnable session(Socket socket, InetAddress client);

        /** A connection refused by a limit before any session, with the reply it got (for logs and metrics). */
        default void refused(InetAddress client, String reply) {
        }
    }

    private SmtpServer(Limits limits, List<Cidr> proxyFrom, SessionFactory sessions) {
        this.limits = Objects.requireNonNull(limits, "limits");
        this.proxyFrom = List.copyOf(proxyFrom);
        this.sessions = Objects.requireNonNull(sessions, "sessions");
    }

    /**
     * Binds every address (all or none: a failure closes the ones already bound) and starts
     * accepting.
     *
     * @throws IOException an address could not be bound, e.g. in use or not local
     */
    public static SmtpServer start(List<InetSocketAddress> addresses, Limits limits, SessionFactory sessions)
            throws IOException {
        return start(addresses, limits, List.of(), sessions);
    }

    /**
     * @param proxyFrom load balancers whose connections begin with a PROXY protocol header (v1 or
     *                  v2) naming the real client; limits, checks and logs then apply to that client
     */
    public static SmtpServer start(List<InetSocketAddress> addresses, Limits limits, List<Cidr> proxyFrom,
            SessionFactory sessions) throws IOException {
        if (addresses.isEmpty()) {
            throw new IllegalArgumentException("no address to listen on");
        }
        SmtpServer server = new SmtpServer(limits, proxyFrom, sessions);
        server.listening = ListenSockets.open(addresses, "the SMTP listener", "smtp", server::serve);
        return server;
    }

    /** The addresses actually bound (a port 0 in the request is the chosen port here). */
    public List<InetSocketAddress> addresses() {
        return listening.addresses();
    }

    /** Connections open right now. */
    public int openConnections() {
        return open.get();
    }

    private void serve(Socket socket) {
        InetAddress peer = DnsNames.canonical(socket.getInetAddress());
        InetAddress client = peer;
        if (!proxyFrom.isEmpty() && proxyFrom.stream().anyMatch(c -> c.contains(peer))) {
            // before the limits: behind a proxy every connection comes from the proxy's address
            try {
                socket.setSoTimeout((int) PROXY_TIMEOUT.toMillis());
                ProxyHeader header = ProxyProtocol.read(socket.getInputStream());
                client = DnsNames.canonical(header.clientOr((InetSocketAddress) socket.getRemoteSocketAddress()).getAddress());
            } catch (IOException e) {
                log.info("{}: no usable PROXY header ({}); closed", peer.getHostAddress(), e.getMessage());
                closeQuietly(socket);
                return;
            }
        }
        serve(socket, client);
    }

    private void serve(Socket socket, InetAddress client) {
        AtomicInteger fromClient = perClient.computeIfAbsent(client, c -> new AtomicInteger());
        int total = open.incrementAndGet();
        int mine = fromClient.incrementAndGet();
        connections.add(socket);
        try {
            if (total > limits.maxConnections()) {
                refuse(socket, client, "421 4.3.2 Service not available, too many connections; try again later");
            } else if (mine > limits.maxConnectionsPerClient()) {
                refuse(socket, client, "421 4.7.0 Error: too many connections from " + client.getHostAddress());
            } else {
                sessions.session(socket, client).run();
            }
        } catch (RuntimeException e) {
            log.error("session with {} failed", client.getHostAddress(), e);
        } finally {
            connections.remove(socket);
            closeQuietly(socket);
            open.decrementAndGet();
            if (fromClient.decrementAndGet() == 0) {
                perClient.remove(client, fromClient);
            }
        }
    }

    private void refuse(Socket socket, InetAddress client, String reply) {
        sessions.refused(client, reply);
        try {
            socket.getOutputStream().write((reply + "\r\n").getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
        } catch (IOException e) {
            // gone already
        }
    }

    /** Stops accepting and closes every connection; sessions end on their next read or write. */
    @Override
    public void close() {
        listening.close();
        for (Socket socket : connections) {
            closeQuietly(socket);
        }
    }

    private static void closeQuietly(AutoCloseable closeable) {
        try {
            closeable.close();
        } catch (Exception e) {
            if (!(e instanceof SocketException)) {
                log.debug("close failed: {}", e.toString());
            }
        }
    }
}
