package org.mxguard.smtp;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;

/**
 * Just enough ASN.1 DER for {@link PemKeys}: read the few structures of a private key
 * (PKCS#1, SEC1, PKCS#8) and build the PKCS#8 wrapper the JDK's {@code KeyFactory} takes. Only
 * definite lengths up to 2^31 and one-byte tags, which is all these structures use.
 */
final class Der {
    static final int INTEGER = 0x02;
    static final int BIT_STRING = 0x03;
    static final int OCTET_STRING = 0x04;
    static final int NULL = 0x05;
    static final int OID = 0x06;
    static final int SEQUENCE = 0x30;
    /** {@code [0]} and {@code [1]}, constructed, explicit: SEC1's parameters and public key. */
    static final int CONTEXT_0 = 0xa0;
    static final int CONTEXT_1 = 0xa1;

    private Der() {
    }

    /** Input that is not the DER expected; the message says where. */
    static final class DerException extends Exception {
        DerException(String message) {
            super(message, null, false, false);
        }
    }

    /** One tag-length-value within {@code source}: the whole encoding is {@code [start, end)}. */
    record Tlv(int tag, byte[] source, int start, int contentStart, int end) {
        byte[] content() {
            return Arrays.copyOfRange(source, contentStart, end);
        }

        byte[] encoded() {
            return Arrays.copyOfRange(source, start, end);
        }

        /** A reader over the content, for a constructed value (SEQUENCE, [0], ...). */
        Reader children() {
            return new Reader(source, contentStart, end);
        }

        /** The content of a small non-negative INTEGER, or -1 when it is larger or negative. */
        int smallInteger() {
            int length = end - contentStart;
            if (tag != INTEGER || length < 1 || length > 3 || (source[contentStart] & 0x80) != 0) {
                return -1;
            }
            int value = 0;
            for (int i = contentStart; i < end; i++) {
                value = value << 8 | source[i] & 0xff;
            }
            return value;
        }
    }

    /** Reads the values of one level in order. */
    static final class Reader {
        private final byte[] source;
        private int pos;
        private final int end;

        Reader(byte[] source) {
            this(source, 0, source.length);
        }

        Reader(byte[] source, int from, int to) {
            this.source = source;
            this.pos = from;
            this.end = to;
        }

        boolean hasMore() {
            return pos < end;
        }

        /** The next value's tag, or -1 at the end. */
        int peekTag() {
            return pos < end ? source[pos] & 0xff : -1;
        }

        Tlv next(int expectedTag, String what) throws DerException {
            if (!hasMore()) {
                throw new DerException(what + " is missing");
            }
            if (peekTag() != expectedTag) {
                throw new DerException(what + " expected at offset " + pos + " (tag 0x" + Integer.toHexString(expectedTag)
                        + "), found tag 0x" + Integer.toHexString(peekTag()));
            }
            return next();
        }

        Tlv next() throws DerException {
            int start = pos;
            if (end - pos < 2) {
                throw new DerException("truncated at offset " + pos);
            }
            int tag = source[pos++] & 0xff;
            if ((tag & 0x1f) == 0x1f) {
                throw new DerException("multi-byte tag at offset " + start);
            }
            int first = source[pos++] & 0xff;
            long length;
            if (first < 0x80) {
                length = first;
            } else {
                int octets = first & 0x7f;
                if (octets == 0 || octets > 4) {
                    throw new DerException("unsupported length encoding at offset " + start);
                }
                if (end - pos < octets) {
                    throw new DerException("truncated length at offset " + start);
                }
                length = 0;
                for (int i = 0; i < octets; i++) {
                    length = length << 8 | source[pos++] & 0xff;
                }
            }
            if (length > end - pos) {
                throw new DerException("value at offset " + start + " runs past its end (" + length + " octets)");
            }
            int contentStart = pos;
            pos += (int) length;
            return new Tlv(tag, source, start, contentStart, pos);
        }

        /** Fails unless every value was read. */
        void expectEnd(String what) throws DerException {
            if (hasMore()) {
                throw new DerException("unexpected data after " + what + " at offset " + pos);
            }
        }
    }

    /** Reads the one value that fills {@code encoded}. */
    static Tlv single(byte[] encoded, int expectedTag, String what) throws DerException {
        Reader reader = new Reader(encoded);
        Tlv value = reader.next(expectedTag, what);
        reader.expectEnd(what);
        return value;
    }

    // ---- building ----

    static byte[] tlv(int tag, byte[]... parts) {
        int length = 0;
        for (byte[] p : parts) {
            length += p.length;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(length + 6);
        out.write(tag);
        if (length < 0x80) {
            out.write(length);
        } else {
            int octets = length > 0xffffff ? 4 : length > 0xffff ? 3 : length > 0xff ? 2 : 1;
            out.write(0x80 | octets);
            for (int i = octets - 1; i >= 0; i--) {
                out.write(length >>> 8 * i);
            }
        }
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    static byte[] sequence(byte[]... parts) {
        return tlv(SEQUENCE, parts);
    }

    static byte[] octetString(byte[] content) {
        return tlv(OCTET_STRING, content);
    }

    /** A small non-negative INTEGER (0..127). */
    static byte[] smallInteger(int value) {
        if (value < 0 || value > 0x7f) {
            throw new IllegalArgumentException("not a small integer: " + value);
        }
        return new byte[] {INTEGER, 1, (byte) value};
    }

    static byte[] nullValue() {
        return new byte[] {NULL, 0};
    }

    /** An OBJECT IDENTIFIER from its dotted form. */
    static byte[] oid(String dotted) {
        String[] arcs = dotted.split("\\.");
        if (arcs.length < 2) {
            throw new IllegalArgumentException("not an OID: " + dotted);
        }
        ByteArrayOutputStream content = new ByteArrayOutputStream();
        base128(content, Long.parseLong(arcs[0]) * 40 + Long.parseLong(arcs[1]));
        for (int i = 2; i < arcs.length; i++) {
            base128(content, Long.parseLong(arcs[i]));
        }
        return tlv(OID, content.toByteArray());
    }

    /** The dotted form of an OBJECT IDENTIFIER's content; "?" for content that is not one. */
    static String oidText(byte[] content) {
        StringBuilder text = new StringBuilder();
        long arc = 0;
        boolean first = true;
        for (int i = 0; i < content.length; i++) {
            if (arc > Long.MAX_VALUE >>> 7) {
                return "?";
            }
            arc = arc << 7 | content[i] & 0x7f;
            if ((content[i] & 0x80) != 0) {
                if (i == content.length - 1) {
                    return "?";
                }
                continue;
            }
            if (first) {
                int top = (int) Math.min(arc / 40, 2);
                text.append(top).append('.').append(arc - 40L * top);
                first = false;
            } else {
                text.append('.').append(arc);
            }
            arc = 0;
        }
        return first ? "?" : text.toString();
    }

    private static void base128(ByteArrayOutputStream out, long value) {
        int groups = 1;
        for (long v = value >>> 7; v != 0; v >>>= 7) {
            groups++;
        }
        for (int i = groups - 1; i >= 0; i--) {
            int b = (int) (value >>> 7 * i) & 0x7f;
            out.write(i == 0 ? b : b | 0x80);
        }
    }
}
