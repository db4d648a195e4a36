package org.mxguard.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.util.Arrays;
import org.mxguard.smtp.DataOutcome;
import org.mxguard.smtp.SmtpInput;

/**
 * The DATA reader ({@link SmtpInput#readData}) against a reference model written from RFC 5321
 * §4.5.2 rather than from the reader's state machine: the data ends at the first line (lines
 * start at the content's start and after each CRLF, never after a bare CR or LF) that is exactly
 * {@code .<CRLF>}; a line's leading dot is dropped; a bare CR or LF and a line over 1000 octets are
 * recorded. The reader must agree on the content, the outcome, where it stopped (the next command
 * line reads as the model says), and write no more than the size limit. This is the SMTP
 * smuggling property: no other dot line ({@code <LF>.<LF>}, {@code <CR>.<CR>}, {@code <LF>.<CR><LF>}
 * ...) ends the data.
 *
 * <p>Input: one settings octet (low 4 bits: the read size, high 4 bits: the size limit), then what
 * the client sends after the 354.
 */
class SmtpDataFuzzTest {
    private static final int[] READ_SIZES = {1, 2, 3, 4, 5, 7, 11, 16, 64, 100, 511, 1000, 1001, 4096, 8191, 65536};
    private static final long[] LIMITS = {0, 1, 2, 3, 5, 8, 13, 100, 999, 1000, 1001, 4096, 8192, 100_000, 10_000_000,
        Long.MAX_VALUE};

    /** What the model says of the data that starts the input. */
    record Expected(byte[] content, boolean ended, int consumed, boolean bareLineEnd, boolean lineTooLong) {
    }

    @FuzzTest
    void data(byte[] input) throws IOException {
        int settings = Wire.settings(input);
        byte[] sent = Wire.payload(input);
        long limit = LIMITS[settings >>> 4];
        Wire.Chunked stream = new Wire.Chunked(sent, READ_SIZES[settings & 0xf]);
        SmtpInput reader = new SmtpInput(stream);
        Expected expected = model(sent);
        BoundedOutput out = new BoundedOutput(limit);

        DataOutcome outcome;
        try {
            outcome = reader.readData(out, limit);
        } catch (EOFException e) {
            if (expected.ended()) {
                throw new AssertionError("the data ended at " + expected.consumed() + " but the reader ran out", e);
            }
            // what was written before the end is a prefix of what the model unstuffed
            byte[] written = out.bytes();
            check(written.length <= expected.content().length
                    && Arrays.equals(written, 0, written.length, expected.content(), 0, written.length),
                    "written before the end of input is not the content's start");
            return;
        }
        check(expected.ended(), "the reader saw an end of data where none is (smuggling)");
        byte[] content = expected.content();
        DataOutcome model = new DataOutcome(content.length, content.length > limit, expected.bareLineEnd(),
                expected.lineTooLong());
        check(outcome.equals(model), "outcome " + outcome + ", expected " + model);
        int kept = (int) Math.min(content.length, limit);
        check(Arrays.equals(out.bytes(), Arrays.copyOf(content, kept)), "the content written is not the unstuffed data");
        // in step: what comes next is read from right after the terminator
        CommandLineModel.check(reader, sent, expected.consumed());
    }

    /** The reference: line by line, as the RFC puts it. */
    static Expected model(byte[] in) {
        ByteArrayOutputStream content = new ByteArrayOutputStream();
        boolean tooLong = false;
        int s = 0; // a line start
        while (true) {
            if (s + 3 <= in.length && in[s] == '.' && in[s + 1] == '\r' && in[s + 2] == '\n') {
                return new Expected(content.toByteArray(), true, s + 3, bare(in, s), tooLong);
            }
            int crlf = crlf(in, s);
            int end = crlf < 0 ? in.length : crlf + 2;
            int from = s < in.length && in[s] == '.' ? s + 1 : s; // the leading dot goes
            content.write(in, from, end - from);
            tooLong |= crlf >= 0 && end - from > SmtpInput.TEXT_LINE_LIMIT;
            if (crlf < 0) {
                return new Expected(content.toByteArray(), false, in.length, bare(in, in.length), tooLong);
            }
            s = end;
        }
    }

    private static int crlf(byte[] in, int from) {
        for (int i = from; i + 1 < in.length; i++) {
            if (in[i] == '\r' && in[i + 1] == '\n') {
                return i;
            }
        }
        return -1;
    }

    /** A CR not followed by LF, or a LF not preceded by CR, before {@code end}. */
    private static boolean bare(byte[] in, int end) {
        for (int i = 0; i < end; i++) {
            if (in[i] == '\r' && (i + 1 >= end || in[i + 1] != '\n')) {
                return true;
            }
            if (in[i] == '\n' && (i == 0 || in[i - 1] != '\r')) {
                return true;
            }
        }
        return false;
    }

    static void check(boolean holds, String what) {
        if (!holds) {
            throw new AssertionError(what);
        }
    }

    /** Collects what is written, and fails as soon as more than the limit arrives. */
    private static final class BoundedOutput extends java.io.OutputStream {
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        private final long limit;

        BoundedOutput(long limit) {
            this.limit = limit;
        }

        @Override
        public void write(int b) {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) {
            if (bytes.size() + (long) len > limit) {
                throw new AssertionError("written past the size limit of " + limit);
            }
            bytes.write(b, off, len);
        }

        byte[] bytes() {
            return bytes.toByteArray();
        }
    }
}
