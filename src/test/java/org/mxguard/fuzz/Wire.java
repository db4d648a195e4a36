package org.mxguard.fuzz;

import java.io.InputStream;
import java.util.Arrays;

/**
 * What the fuzz targets share: the input's first octet as the target's settings, and the rest of
 * the input as a stream that hands it out in reads of a size the settings pick, so that a line or
 * a terminator falls across reads wherever the fuzzer likes.
 */
final class Wire {
    private Wire() {
    }

    /** The settings octet (0 for an empty input), unsigned. */
    static int settings(byte[] input) {
        return input.length == 0 ? 0 : input[0] & 0xff;
    }

    /** The input after its settings octet. */
    static byte[] payload(byte[] input) {
        return input.length == 0 ? input : Arrays.copyOfRange(input, 1, input.length);
    }

    /** The first index of {@code wanted} in {@code b} at or after {@code from}, or -1. */
    static int indexOf(byte[] b, byte wanted, int from) {
        for (int i = from; i < b.length; i++) {
            if (b[i] == wanted) {
                return i;
            }
        }
        return -1;
    }

    /**
     * A stream of {@code data} that gives at most {@code readSize} octets a read, and says how many
     * are available (SmtpInput asks, to see pipelining).
     */
    static final class Chunked extends InputStream {
        private final byte[] data;
        private final int readSize;
        private int pos;

        Chunked(byte[] data, int readSize) {
            this.data = data;
            this.readSize = Math.max(1, readSize);
        }

        @Override
        public int read() {
            return pos < data.length ? data[pos++] & 0xff : -1;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (len == 0) {
                return 0;
            }
            if (pos == data.length) {
                return -1;
            }
            int n = Math.min(Math.min(len, readSize), data.length - pos);
            System.arraycopy(data, pos, b, off, n);
            pos += n;
            return n;
        }

        @Override
        public int available() {
            return data.length - pos;
        }

        /** Octets not read yet. */
        int remaining() {
            return data.length - pos;
        }
    }
}
