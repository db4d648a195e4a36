package org.mxguard.postfix;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.mxguard.smtp.ListenSockets;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The milter's listeners: a virtual thread accepts on each address, and a virtual thread per MTA
 * connection runs its {@link MilterSession}. Postfix opens one connection per SMTP session, so
 * connections beyond {@code maxConnections} are closed at once; Postfix then applies its
 * {@code milter_default_action} to that session rather than waiting on an overloaded milter.
 */
public final class MilterServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(MilterServer.class);

    private final int maxConnections;
    private volatile MilterSetup setup;
    private ListenSockets listening; // set by start, before anyone else sees the server
    private final Set<Socket> connections = ConcurrentHashMap.newKeySet();
    private final AtomicInteger open = new AtomicInteger();

    private MilterServer(int maxConnections, MilterSetup setup) {
        if (maxConnections < 1) {
            throw new IllegalArgumentException("maxConnections must be at least 1");
        }
        this.maxConnections = maxConnections;
        this.setup = Objects.requireNonNull(setup, "setup");
    }

    /**
     * Binds every address (all or none) and starts accepting.
     *
     * @throws IOException an address could not be bound, e.g. in use or not local
     */
    public static MilterServer start(List<InetSocketAddress> addresses, int maxConnections, MilterSetup setup)
            throws IOException {
        if (addresses.isEmpty()) {
            throw new IllegalArgumentException("no address to listen on");
        }
        MilterServer server = new MilterServer(maxConnections, setup);
        server.listening = ListenSockets.open(addresses, "the milter", "milter", server::serve);
        return server;
    }

    /** The addresses actually bound (a port 0 in the request is the chosen port here). */
    public List<InetSocketAddress> addresses() {
        return listening.addresses();
    }

    /** MTA connections open right now. */
    public int openConnections() {
        return open.get();
    }

    /** New settings and checks for the connections that start from now on; open ones keep theirs. */
    public void reload(MilterSetup next) {
        setup = Objects.requireNonNull(next, "next");
    }

    private void serve(Socket socket) {
        int now = open.incrementAndGet();
        connections.add(socket);
        try {
            if (now > maxConnections) {
                log.warn("milter: {} connections open, over the limit of {}: connection from {} closed", now,
                        maxConnections, socket.getInetAddress().getHostAddress());
            } else {
                new MilterSession(socket, setup).run();
            }
        } catch (RuntimeException e) {
            log.error("milter connection from {} failed", socket.getInetAddress().getHostAddress(), e);
        } finally {
            connections.remove(socket);
            closeQuietly(socket);
            open.decrementAndGet();
        }
    }

    /** Stops accepting and closes every connection. */
    @Override
    public void close() {
        listening.close();
        connections.forEach(MilterServer::closeQuietly);
    }

    private static void closeQuietly(AutoCloseable closeable) {
        try {
            closeable.close();
        } catch (Exception e) {
            log.debug("close failed: {}", e.toString());
        }
    }
}
