package org.mxguard.fuzz;

import java.io.EOFException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.mxguard.smtp.SmtpInput;

/**
 * What {@link SmtpInput#readCommandLine} must give, said the other way round from the reader's
 * state machine so that the two can be compared: a line is everything up to the next LF; it is a
 * command when its only CR is the one right before that LF, and too long when more than 510
 * octets come before its first CR (or its LF, when it has none).
 */
final class CommandLineModel {
    /** What one read gives: a line, a refusal, or the end of the input. */
    sealed interface Expected {
        /** Where the input goes on after this line (its LF and one more), or the input's length at the end. */
        int next();
    }

    record Line(String text, int next) implements Expected {
    }

    record Refused(SmtpInput.CommandLineException.Kind kind, int next) implements Expected {
    }

    record End(int next) implements Expected {
    }

    private static final int MAX_TEXT = SmtpInput.COMMAND_LINE_LIMIT - 2;

    private CommandLineModel() {
    }

    /** The read of the command line that starts at {@code from}. */
    static Expected at(byte[] in, int from) {
        int lf = Wire.indexOf(in, (byte) '\n', from);
        if (lf < 0) {
            return new End(in.length);
        }
        int cr = Wire.indexOf(in, (byte) '\r', from);
        int firstCr = cr >= 0 && cr < lf ? cr : -1;
        int before = (firstCr >= 0 ? firstCr : lf) - from;
        if (before > MAX_TEXT) {
            return new Refused(SmtpInput.CommandLineException.Kind.TOO_LONG, lf + 1);
        }
        if (firstCr < 0 || firstCr != lf - 1) {
            return new Refused(SmtpInput.CommandLineException.Kind.BARE_LINE_END, lf + 1);
        }
        return new Line(new String(Arrays.copyOfRange(in, from, firstCr), StandardCharsets.UTF_8), lf + 1);
    }

    /** Reads one command line and fails unless it is what the model expects. */
    static Expected check(SmtpInput input, byte[] in, int from) throws IOException {
        Expected expected = at(in, from);
        try {
            String line = input.readCommandLine();
            if (!(expected instanceof Line l) || !l.text().equals(line)) {
                throw new AssertionError("read the line \"" + line + "\" at " + from + "; expected " + expected);
            }
            if (line.getBytes(StandardCharsets.UTF_8).length > 3 * MAX_TEXT) {
                throw new AssertionError("a command line of " + line.length() + " characters"); // U+FFFD is 3 octets
            }
        } catch (SmtpInput.CommandLineException e) {
            if (!(expected instanceof Refused r) || r.kind() != e.kind()) {
                throw new AssertionError("refused " + e.kind() + " at " + from + "; expected " + expected, e);
            }
        } catch (EOFException e) {
            if (!(expected instanceof End)) {
                throw new AssertionError("end of input at " + from + "; expected " + expected, e);
            }
        }
        return expected;
    }
}
