package org.mxguard.testbed;

import java.io.IOException;
import java.io.InputStream;
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
 * A DNS "server" on 127.0.0.1 that accepts UDP datagrams and TCP connections on one port and
 * never answers: queries sent to it time out. TCP connections are accepted and their bytes read
 * and discarded, but nothing is ever written back; they are closed only when the endpoint closes.
 */
public final class SilentDnsEndpoint implements AutoCloseable {

    private final DatagramSocket udp;
    private final ServerSocket tcp;
    private final List<Socket> connections = new CopyOnWriteArrayList<>();
    private final AtomicLong udpQueries = new AtomicLong();
    private final AtomicLong tcpConnections = new AtomicLong();
    private volatile boolean closed;

    private SilentDnsEndpoint(DatagramSocket udp, ServerSocket tcp) {
        this.udp = udp;
        this.tcp = tcp;
    }

    /** Binds a free loopback port (UDP and TCP) and starts the daemon threads. */
    public static SilentDnsEndpoint start() throws IOException {
        Endpoints.Bound b = Endpoints.bindUdpAndTcp();
        SilentDnsEndpoint e = new SilentDnsEndpoint(b.udp(), b.tcp());
        Endpoints.daemon("dnsbed-silent-udp", e::udpLoop);
        Endpoints.daemon("dnsbed-silent-tcp", e::tcpLoop);
        return e;
    }

    /** 127.0.0.1 and the port. */
    public InetSocketAddress address() {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), udp.getLocalPort());
    }

    /** The port (same for UDP and TCP). */
    public int port() {
        return udp.getLocalPort();
    }

    /** UDP datagrams received (and ignored) so far. */
    public long udpQueriesReceived() {
        return udpQueries.get();
    }

    /** TCP connections accepted (and never answered) so far. */
    public long tcpConnectionsAccepted() {
        return tcpConnections.get();
    }

    private void udpLoop() {
        byte[] buf = new byte[65535];
        while (!closed) {
            try {
                udp.receive(new DatagramPacket(buf, buf.length));
                udpQueries.incrementAndGet();
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
                Endpoints.daemon("dnsbed-silent-conn", () -> drain(s));
            } catch (IOException e) {
                if (closed) {
                    return;
                }
            }
        }
    }

    private void drain(Socket s) {
        byte[] buf = new byte[4096];
        try (InputStream in = s.getInputStream()) {
            while (in.read(buf) >= 0) {
                // swallow
            }
        } catch (IOException ignored) {
            // peer reset or we closed
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
        return "SilentDnsEndpoint[127.0.0.1:" + port() + "]";
    }
}
