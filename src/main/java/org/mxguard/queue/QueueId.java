package org.mxguard.queue;

import java.time.Instant;

/**
 * The name of one queued message: unique, ordered by arrival, and safe as a file name.
 *
 * <p>Text form: 17 characters of base-32 "extended hex" ({@code 0-9a-v}), the 13-character
 * {@link #stamp} then the 4-character {@link #node}. Fixed width and an alphabet in ASCII order make
 * the text sort exactly like the ids, so {@code ls} lists the spool oldest first.
 *
 * @param stamp milliseconds since the epoch shifted left by {@value #SEQUENCE_BITS} bits, plus a
 *              per-process sequence number for ids issued in the same millisecond
 * @param node  a random number drawn once per process, so two processes sharing a clock differ
 */
public record QueueId(long stamp, int node) implements Comparable<QueueId> {
    public static final int SEQUENCE_BITS = 20;
    public static final int NODE_BITS = 20;
    public static final int LENGTH = 17;

    private static final int STAMP_CHARS = 13;
    private static final String DIGITS = "0123456789abcdefghijklmnopqrstuv";

    public QueueId {
        if (stamp < 0) {
            throw new IllegalArgumentException("negative stamp " + stamp);
        }
        if (node < 0 || node >= 1 << NODE_BITS) {
            throw new IllegalArgumentException("node out of range " + node);
        }
    }

    /** The millisecond the id was issued in (a later one when many ids were issued in one millisecond). */
    public Instant time() {
        return Instant.ofEpochMilli(stamp >>> SEQUENCE_BITS);
    }

    /** @throws IllegalArgumentException unless {@code text} is exactly what {@link #toString} produces */
    public static QueueId parse(String text) {
        if (text.length() != LENGTH) {
            throw new IllegalArgumentException("a queue id has " + LENGTH + " characters: " + text);
        }
        return new QueueId(decode(text, 0, STAMP_CHARS), (int) decode(text, STAMP_CHARS, LENGTH));
    }

    public static boolean isValid(String text) {
        try {
            parse(text);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    @Override
    public int compareTo(QueueId other) {
        int byStamp = Long.compare(stamp, other.stamp);
        return byStamp != 0 ? byStamp : Integer.compare(node, other.node);
    }

    @Override
    public String toString() {
        char[] text = new char[LENGTH];
        encode(stamp, text, 0, STAMP_CHARS);
        encode(node, text, STAMP_CHARS, LENGTH);
        return new String(text);
    }

    private static void encode(long value, char[] into, int from, int to) {
        for (int i = to - 1; i >= from; i--) {
            into[i] = DIGITS.charAt((int) (value & 31));
            value >>>= 5;
        }
    }

    private static long decode(String text, int from, int to) {
        long value = 0;
        for (int i = from; i < to; i++) {
            int digit = DIGITS.indexOf(text.charAt(i));
            if (digit < 0) {
                throw new IllegalArgumentException("not a queue id character '" + text.charAt(i) + "': " + text);
            }
            value = value << 5 | digit;
        }
        // 13 digits hold 65 bits: a leading digit above 7 would overflow into the sign
        if (value < 0 || (to - from == STAMP_CHARS && DIGITS.indexOf(text.charAt(from)) > 7)) {
            throw new IllegalArgumentException("queue id out of range: " + text);
        }
        return value;
    }
}
