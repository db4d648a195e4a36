package org.mxguard.smtp;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * Reads what an SMTP client sends, strictly: command lines and DATA content. Not thread-safe; one
 * per session.
 *
 * <p>Only CRLF ends a line (RFC 5321 §2.3.8): a bare CR or LF never does, so a client cannot make
 * this reader see a line end, or the end of data, where a downstream server would not, or the
 * other way round (SMTP smuggling). The reader takes from the stream only when its buffer is
 * empty, so whatever the client sent and the session has not consumed is either in this buffer or
 * still in the stream; that is what {@link #hasPendingInput()} looks at.
 */
public final class SmtpInput {
    /** Longest command line RFC 5321 §4.5.3.1.4 allows, CRLF included. */
    public static final int COMMAND_LINE_LIMIT = 512;
    /** Longest text line in DATA (RFC 5321 §4.5.3.1.6: 1000 with CRLF). */
    public static final int TEXT_LINE_LIMIT = 1000;

    private static final int BUFFER_SIZE = 8192;
    private static final byte CR = '\r';
    private static final byte LF = '\n';
    private static final byte DOT = '.';

    private final InputStream in;
    private final byte[] buffer = new byte[BUFFER_SIZE];
    private int pos;
    private int limit;
    /** The command line being read, without its CRLF; reused so that a line costs one String. */
    private final byte[] line = new byte[COMMAND_LINE_LIMIT - 2];

    public SmtpInput(InputStream in) {
        this.in = Objects.requireNonNull(in, "in");
    }

    /**
     * The next command line, without its CRLF. Commands are US-ASCII, but the line is decoded as
     * UTF-8 because SMTPUTF8 (RFC 6531) addresses may appear in it; an invalid sequence becomes
     * U+FFFD rather than an error, and the command parser rejects what it cannot use.
     *
     * @throws CommandLineException with kind {@code TOO_LONG} when the line exceeds
     *     {@link #COMMAND_LINE_LIMIT} with its CRLF, or {@code BARE_LINE_END} when a bare LF ended
     *     it or a CR not followed by LF appeared in it; either way the line is discarded through its
     *     LF, so the session can answer 500 and read the next command
     * @throws EOFException when the client closed the connection, whether or not it left a
     *     partial line
     */
    public String readCommandLine() throws IOException {
        int length = 0;
        boolean afterCr = false;
        CommandLineException.Kind problem = null;
        while (true) {
            while (pos == limit) {
                if (!fill()) {
                    throw new EOFException(length == 0 && !afterCr && problem == null
                            ? "connection closed by the client"
                            : "connection closed by the client in the middle of a command line");
                }
            }
            byte b = buffer[pos++];
            if (b == LF) {
                if (problem == null && !afterCr) {
                    problem = CommandLineException.Kind.BARE_LINE_END;
                }
                if (problem != null) {
                    throw new CommandLineException(problem);
                }
                return new String(line, 0, length, StandardCharsets.UTF_8);
            }
            if (problem != null) {
                continue; // discarding through the LF
            }
            if (afterCr) {
                problem = CommandLineException.Kind.BARE_LINE_END;
            } else if (b == CR) {
                afterCr = true;
            } else if (length == line.length) {
                problem = CommandLineException.Kind.TOO_LONG;
            } else {
                line[length++] = b;
            }
        }
    }

    /**
     * Reads DATA content up to and including the end-of-data line, which is only
     * {@code <CRLF>.<CRLF>} (the content starts at the start of a line): a dot line ended by a bare
     * LF, or preceded by a bare CR or LF, does not end it. A line starting with a dot loses that
     * dot. The content goes to {@code out} as it arrives, in chunks of at most the buffer's size,
     * with its CRLFs as received, the final CRLF before the dot included and the terminating
     * {@code .<CRLF>} not; once {@code maxBytes} have been written the rest is counted and
     * discarded, so that the session stays in step with the client. Bare line ends and overlong
     * lines are recorded in the outcome, never thrown. Does not flush {@code out}.
     *
     * @throws EOFException if the stream ends before the end of data
     */
    public DataOutcome readData(OutputStream out, long maxBytes) throws IOException {
        if (maxBytes < 0) {
            throw new IllegalArgumentException("negative size limit: " + maxBytes);
        }
        DataScan scan = new DataScan(Objects.requireNonNull(out, "out"), maxBytes);
        while (true) {
            while (pos == limit) {
                if (!fill()) {
                    throw new EOFException("connection closed by the client before the end of data");
                }
            }
            int end = scan.scan(buffer, pos, limit);
            if (end >= 0) {
                pos = end;
                return scan.outcome();
            }
            pos = limit;
        }
    }

    /**
     * True when the client has already sent bytes this reader has not consumed (buffered here, or
     * available on the stream without blocking): a client talking before the greeting (pregreet),
     * or pipelining where it may not. Over TLS the stream counts only what it has decrypted.
     */
    public boolean hasPendingInput() throws IOException {
        return pos < limit || in.available() > 0;
    }

    /** Reads into the empty buffer; false at the end of the stream. */
    private boolean fill() throws IOException {
        int n = in.read(buffer, 0, buffer.length);
        if (n < 0) {
            return false;
        }
        pos = 0;
        limit = n;
        return true;
    }

    /** Where the DATA scan stands after the octets seen so far. */
    private enum DataState {
        /** At the start of a line: the content's start or right after a CRLF. */
        LINE_START,
        /** A dot at the start of a line, held back: stuffing, or the start of the end of data. */
        AFTER_DOT,
        /** {@code .<CR>} at the start of a line, both held back: a LF now ends the data. */
        AFTER_DOT_CR,
        /** Inside a line. */
        TEXT,
        /** Inside a line, right after a CR (written already: it is content whatever follows). */
        AFTER_CR
    }

    /**
     * The DATA state machine and its output for one message. The only octets not copied straight
     * from the buffer are the ones held back at a line start, so a plain run of text is one write.
     */
    private static final class DataScan {
        private static final byte[] HELD_BACK_CR = {CR};

        private final OutputStream out;
        private final long maxBytes;
        private DataState state = DataState.LINE_START;
        private long bytes;
        /** Octets of the current line so far, CR and LF included; stops counting past the limit. */
        private int lineLength;
        private boolean bareLineEnd;
        private boolean lineTooLong;

        DataScan(OutputStream out, long maxBytes) {
            this.out = out;
            this.maxBytes = maxBytes;
        }

        /** Scans {@code b[from, to)}; returns the index right after the end of data, or -1 if not in it. */
        int scan(byte[] b, int from, int to) throws IOException {
            int i = from;
            int unwritten = from;
            while (i < to) {
                switch (state) {
                    case TEXT -> {
                        int start = i;
                        while (i < to && b[i] != CR && b[i] != LF) {
                            i++;
                        }
                        if (i < to) {
                            if (b[i] == CR) {
                                state = DataState.AFTER_CR;
                            } else {
                                bareLineEnd = true; // and the line goes on: only CRLF ends it
                            }
                            i++;
                        }
                        countLine(i - start);
                    }
                    case AFTER_CR -> {
                        if (b[i] == LF) {
                            i++;
                            countLine(1);
                            endLine();
                            state = DataState.LINE_START;
                        } else {
                            bareLineEnd = true;
                            state = DataState.TEXT;
                        }
                    }
                    case LINE_START -> {
                        if (b[i] == DOT) {
                            write(b, unwritten, i);
                            unwritten = ++i;
                            state = DataState.AFTER_DOT;
                        } else {
                            state = DataState.TEXT;
                        }
                    }
                    case AFTER_DOT -> {
                        if (b[i] == CR) {
                            write(b, unwritten, i);
                            unwritten = ++i;
                            state = DataState.AFTER_DOT_CR;
                        } else {
                            state = DataState.TEXT; // the dot was stuffing, and stays dropped
                        }
                    }
                    case AFTER_DOT_CR -> {
                        if (b[i] == LF) {
                            write(b, unwritten, i);
                            return i + 1;
                        }
                        // ".<CR>x" is not the end: the dot was stuffing, the CR a bare one.
                        write(HELD_BACK_CR, 0, 1);
                        countLine(1);
                        bareLineEnd = true;
                        state = DataState.TEXT;
                    }
                }
            }
            write(b, unwritten, to);
            return -1;
        }

        DataOutcome outcome() {
            return new DataOutcome(bytes, bytes > maxBytes, bareLineEnd, lineTooLong);
        }

        private void countLine(int octets) {
            lineLength = Math.min(lineLength + octets, TEXT_LINE_LIMIT + 1);
        }

        private void endLine() {
            if (lineLength > TEXT_LINE_LIMIT) {
                lineTooLong = true;
            }
            lineLength = 0;
        }

        /** Writes {@code b[from, to)} as far as the limit allows, and counts all of it. */
        private void write(byte[] b, int from, int to) throws IOException {
            int length = to - from;
            if (length == 0) {
                return;
            }
            long room = maxBytes - bytes;
            if (room > 0) {
                out.write(b, from, (int) Math.min(length, room));
            }
            bytes += length;
        }
    }

    /** A command line the session must refuse (500) before reading the next one. */
    public static final class CommandLineException extends IOException {
        /** What was wrong with the line. */
        public enum Kind {
            /** Longer than {@link #COMMAND_LINE_LIMIT} octets with its CRLF. */
            TOO_LONG,
            /** Ended by a bare LF, or holding a CR not followed by LF. */
            BARE_LINE_END
        }

        private final Kind kind;

        CommandLineException(Kind kind) {
            super(switch (kind) {
                case TOO_LONG -> "command line longer than " + COMMAND_LINE_LIMIT + " octets";
                case BARE_LINE_END -> "command line with a bare CR or LF";
            });
            this.kind = kind;
        }

        public Kind kind() {
            return kind;
        }
    }
}
