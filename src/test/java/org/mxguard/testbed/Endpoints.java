package org.mxguard.testbed;

import java.io.Closeable;
import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

/** Socket helpers shared by the fake endpoints and {@link DnsTestBed}: free ports on 127.0.0.1. */
final class Endpoints {

    private Endpoints() {
    }

    /** A UDP socket and a TCP listener bound to the same loopback port. */
    record Bound(DatagramSocket udp, ServerSocket tcp) {
    }

    static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

    /** Binds UDP and TCP to one free port on 127.0.0.1 (retrying when the UDP side is taken). */
    static Bound bindUdpAndTcp() throws IOException {
        IOException last = null;
        for (int attempt = 0; attempt < 50; attempt++) {
            ServerSocket tcp = new ServerSocket();
            try {
                tcp.bind(new InetSocketAddress(LOOPBACK, 0), 64);
                DatagramSocket udp = new DatagramSocket(new InetSocketAddress(LOOPBACK, tcp.getLocalPort()));
                return new Bound(udp, tcp);
            } catch (IOException e) {
                last = e;
                closeQuietly(tcp);
            }
        }
        throw new IOException("could not bind UDP+TCP on one loopback port", last);
    }

    /**
     * A port on 127.0.0.1 that is free for both UDP and TCP right now (for a child process to
     * bind; another process could take it meanwhile, so callers retry on bind failures).
     */
    static int freePort() throws IOException {
        Bound b = bindUdpAndTcp();
        int port = b.tcp().getLocalPort();
        b.udp().close();
        closeQuietly(b.tcp());
        return port;
    }

    static void daemon(String name, Runnable body) {
        Thread t = new Thread(body, name);
        t.setDaemon(true);
        t.start();
    }

    static void closeQuietly(Closeable c) {
        try {
            if (c != null) {
                c.close();
            }
        } catch (IOException ignored) {
            // nothing to do
        }
    }
}
