package org.mxguard.postfix;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Optional;

/**
 * One milter packet as it travels: a 4-octet big-endian length (which counts the command octet),
 * the command octet, then the data. Reading checks the length before taking anything else, so a
 * peer cannot make mxguard allocate more than {@code maxLength} octets for one packet.
 *
 * @param command the command (MTA to milter) or reply (milter to MTA) code
 * @param data    what follows the code; the record keeps its own copy
 */
public record MilterFrame(byte command, byte[] data) {
    public MilterFrame {
        data = data.clone();
    }

    @Override
    public byte[] data() {
        return data.clone();
    }

    /** The packet's length field: the command octet and the data. */
    public int length() {
        return 1 + data.length;
    }

    /** The frame on the wire. */
    public byte[] bytes() {
        return ByteBuffer.allocate(4 + length()).putInt(length()).put(command).put(data).array();
    }

    /**
     * The next frame, or empty when the stream ends cleanly between frames (the peer closed).
     *
     * @param maxLength the largest length field taken (command octet and data)
     * @throws MilterProtocolException a length below 1 or above {@code maxLength}
     * @throws EOFException            the stream ended inside a frame
     */
    public static Optional<MilterFrame> read(InputStream in, int maxLength) throws IOException {
        int first = in.read();
        if (first < 0) {
            return Optional.empty();
        }
        byte[] rest = readFully(in, 3, "the packet length");
        long length = ((long) first << 24) | ((rest[0] & 0xffL) << 16) | ((rest[1] & 0xffL) << 8) | (rest[2] & 0xffL);
        if (length < 1) {
            throw new MilterProtocolException("bad packet length 0: a packet has at least its command octet");
        }
        if (length > maxLength) {
            throw new MilterProtocolException("packet of " + length + " octets is over the limit of " + maxLength);
        }
        byte[] packet = readFully(in, (int) length, "a packet of " + length + " octets");
        return Optional.of(new MilterFrame(packet[0], Arrays.copyOfRange(packet, 1, packet.length)));
    }

    private static byte[] readFully(InputStream in, int n, String what) throws IOException {
        byte[] b = in.readNBytes(n);
        if (b.length < n) {
            throw new EOFException("the peer closed the connection inside " + what + " (" + b.length + " of " + n
                    + " octets read)");
        }
        return b;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MilterFrame f && f.command == command && Arrays.equals(f.data, data);
    }

    @Override
    public int hashCode() {
        return 31 * command + Arrays.hashCode(data);
    }

    @Override
    public String toString() {
        return "MilterFrame[" + MilterCodec.describe(command) + ", " + data.length + " octets]";
    }
}
