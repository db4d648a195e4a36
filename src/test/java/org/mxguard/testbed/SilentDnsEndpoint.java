package org.mxguard.testbed;

import java.io.IOException;
import java.io.InputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.Socket;

/**
 * A DNS "server" on 127.0.0.1 that accepts UDP datagrams and TCP connections on one port and
 * never answers: queries sent to it time out. TCP connections are accepted and their bytes read
 * and discarded, but nothing is ever written back; they are closed only when the endpoint closes.
 */
public final class SilentDnsEndpoint extends LoopbackDnsEndpoint {

    private SilentDnsEndpoint() throws IOException {
        super("dnsbed-silent");
    }

    /** Binds a free loopback port (UDP and TCP) and starts the daemon threads. */
    public static SilentDnsEndpoint start() throws IOException {
        return started(new SilentDnsEndpoint());
    }

    /** Never answers (the base class has counted the datagram). */
    @Override
    void onDatagram(DatagramSocket udp, DatagramPacket p) {
    }

    /** Reads and discards until the peer closes or the endpoint does. */
    @Override
    void serve(Socket s) throws IOException {
        byte[] buf = new byte[4096];
        InputStream in = s.getInputStream();
        while (in.read(buf) >= 0) {
            // swallow
        }
    }
}
