package org.mxguard.testbed;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.Socket;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A DNS "server" on 127.0.0.1 that answers every query, over UDP and TCP on one port, with bytes
 * no DNS parser can accept.
 *
 * <p>Each reply echoes the query's 16-bit ID (so a client matches it to its query and really
 * tries to parse it), sets QR, claims 1 question and 65535 answer/authority/additional records,
 * and then carries 8..40 random bytes starting with a 63-byte label length: parsing always runs
 * off the end of the message (dnsjava throws {@code WireParseException}). Over TCP the reply is
 * properly length-prefixed, and the connection stays open for further queries.
 */
public final class GarbageDnsEndpoint extends LoopbackDnsEndpoint {

    private final AtomicLong queries = new AtomicLong();

    private GarbageDnsEndpoint() throws IOException {
        super("dnsbed-garbage");
    }

    /** Binds a free loopback port (UDP and TCP) and starts the daemon threads. */
    public static GarbageDnsEndpoint start() throws IOException {
        return started(new GarbageDnsEndpoint());
    }

    /** Queries answered with garbage so far (UDP and TCP). */
    public long queriesAnswered() {
        return queries.get();
    }

    /** The garbage reply for {@code query} (exposed for unit tests of parsers). */
    public static byte[] garbageFor(byte[] query, int queryLength) {
        ThreadLocalRandom rnd = ThreadLocalRandom.current();
        int tail = 8 + rnd.nextInt(33);
        byte[] out = new byte[12 + tail];
        if (queryLength >= 2) {
            out[0] = query[0];
            out[1] = query[1];
        } else {
            out[0] = (byte) rnd.nextInt(256);
            out[1] = (byte) rnd.nextInt(256);
        }
        out[2] = (byte) 0x81; // QR, RD
        out[3] = (byte) 0x80; // RA, NOERROR
        out[4] = 0;
        out[5] = 1; // QDCOUNT 1
        for (int i = 6; i < 12; i++) {
            out[i] = (byte) 0xFF; // AN/NS/AR counts 65535
        }
        for (int i = 12; i < out.length; i++) {
            out[i] = (byte) rnd.nextInt(256);
        }
        out[12] = 63; // a 63-byte label that cannot fit: the question name runs off the end
        return out;
    }

    @Override
    void onDatagram(DatagramSocket udp, DatagramPacket p) throws IOException {
        byte[] reply = garbageFor(p.getData(), p.getLength());
        udp.send(new DatagramPacket(reply, reply.length, p.getSocketAddress()));
        queries.incrementAndGet();
    }

    @Override
    void serve(Socket s) throws IOException {
        s.setSoTimeout(30_000);
        DataInputStream in = new DataInputStream(s.getInputStream());
        DataOutputStream out = new DataOutputStream(s.getOutputStream());
        while (!isClosed()) {
            int len = in.readUnsignedShort();
            byte[] q = new byte[len];
            in.readFully(q);
            byte[] reply = garbageFor(q, len);
            out.writeShort(reply.length);
            out.write(reply);
            out.flush();
            queries.incrementAndGet();
        }
    }
}
