package org.mxguard.testbed;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A misbehaving DNS endpoint on 127.0.0.1: UDP and TCP bound to one free port, a daemon thread
 * receiving datagrams and one accepting connections (each served on its own daemon thread).
 * Subclasses say only what happens to a datagram and to a connection; closing stops everything.
 */
public abstract class LoopbackDnsEndpoint implements AutoCloseable {

    private final String threadPrefix;
    private final DatagramSocket udp;
    private final ServerSocket tcp;
    private final List<Socket> connections = new CopyOnWriteArrayList<>();
    private final AtomicLong udpQueries = new AtomicLong();
    private final AtomicLong tcpConnections = new AtomicLong();
    private volatile boolean closed;

    /** Binds a free loopback port (UDP and TCP); {@link #started} starts serving it. */
    LoopbackDnsEndpoint(String threadPrefix) throws IOException {
        Endpoints.Bound b = Endpoints.bindUdpAndTcp();
        this.threadPrefix = threadPrefix;
        this.udp = b.udp();
        this.tcp = b.tcp();
    }

    /** Starts serving {@code endpoint}: the subclasses' factories call this once it is fully constructed. */
    static <E extends LoopbackDnsEndpoint> E started(E endpoint) {
        LoopbackDnsEndpoint e = endpoint; // private members are not reachable through E
        Endpoints.daemon(e.threadPrefix + "-udp", e::udpLoop);
        Endpoints.daemon(e.threadPrefix + "-tcp", e::tcpLoop);
        return endpoint;
    }

    /** 127.0.0.1 and the port. */
    public InetSocketAddress address() {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), udp.getLocalPort());
    }

    /** The port (same for UDP and TCP). */
    public int port() {
        return udp.getLocalPort();
    }

    /** UDP datagrams received so far. */
    public long udpQueriesReceived() {
        return udpQueries.get();
    }

    /** TCP connections accepted so far. */
    public long tcpConnectionsAccepted() {
        return tcpConnections.get();
    }

    /** Whether {@link #close()} has been called: connection handlers stop then. */
    final boolean isClosed() {
        return closed;
    }

    /** Handles one received datagram ({@code packet} is reused for the next one afterwards). */
    abstract void onDatagram(DatagramSocket udp, DatagramPacket packet) throws IOException;

    /**
     * Serves one accepted connection until the peer or {@link #close()} ends it; throwing ends it
     * too. The connection is closed afterwards.
     */
    abstract void serve(Socket connection) throws IOException;

    private void udpLoop() {
        byte[] buf = new byte[65535];
        while (!closed) {
            try {
                DatagramPacket p = new DatagramPacket(buf, buf.length);
                udp.receive(p);
                udpQueries.incrementAndGet();
                onDatagram(udp, p);
            } catch (IOException e) {
                if (closed) {
                    return;
                }
            }
        }
    }

    private void tcpLoop() {
        while (!closed) {
            try {
                Socket s = tcp.accept();
                tcpConnections.incrementAndGet();
                connections.add(s);
                Endpoints.daemon(threadPrefix + "-conn", () -> handle(s));
            } catch (IOException e) {
                if (closed) {
                    return;
                }
            }
        }
    }

    private void handle(Socket s) {
        try {
            serve(s);
        } catch (IOException ignored) {
            // the client closed (EOF), reset or timed out, or we closed
        } finally {
            connections.remove(s);
            Endpoints.closeQuietly(s);
        }
    }

    @Override
    public void close() {
        closed = true;
        udp.close();
        Endpoints.closeQuietly(tcp);
        for (Socket s : connections) {
            Endpoints.closeQuietly(s);
        }
        connections.clear();
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[127.0.0.1:" + port() + "]";
    }
}
