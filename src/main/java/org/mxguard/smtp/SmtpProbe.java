package org.mxguard.smtp;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A short look at an SMTP server from outside: connect, read the whole greeting (every line of a
 * multi-line one, so that a postscreen-style pregreet test is respected), optionally say EHLO and
 * read the whole reply, then QUIT. Everything but the QUIT must happen within one timeout from
 * the start; the probe never blocks longer and never throws. Shared by the backup-MX guard (is
 * the primary up?) and {@code mxguard audit --probe} (what do the MX hosts say?).
 */
public final class SmtpProbe {
    /** The longest wait for the 221 after QUIT; the verdict is made already, this is politeness. */
    static final Duration QUIT_WAIT = Duration.ofSeconds(2);
    /** RFC 5321 section 4.5.3.1.5 allows 512 octets per reply line; more is not an SMTP server. */
    private static final int MAX_LINE = 1000;
    /** An EHLO reply lists a few dozen extensions at most; more is not an SMTP server. */
    private static final int MAX_LINES = 100;
    private static final int MAX_DETAIL = 200;

    private SmtpProbe() {
    }

    /** How far a probe got. */
    public enum Outcome {
        /** Nothing listens: the connection was refused (or the network said unreachable). */
        REFUSED,
        /** The connection or the complete greeting did not come within the timeout. */
        TIMED_OUT,
        /** The peer closed the connection or said something that is not an SMTP reply. */
        BROKEN,
        /** A complete greeting arrived, whatever its code. */
        GREETED
    }

    /**
     * What a probe found.
     *
     * @param greeting the greeting's raw lines ({@code 220-...}, {@code 220 ...}) when it came
     * @param ehlo     the EHLO reply's raw lines, when EHLO was said and fully answered in time
     * @param detail   what happened, printable and short: the greeting's last line, or the failure
     * @param ehloProblem why there is no EHLO reply although the greeting was 220; empty otherwise
     */
    public record Result(Outcome outcome, Optional<List<String>> greeting, Optional<List<String>> ehlo, String detail,
            Optional<String> ehloProblem) {
        public Result {
            Objects.requireNonNull(outcome, "outcome");
            greeting = greeting.map(List::copyOf);
            ehlo = ehlo.map(List::copyOf);
            Objects.requireNonNull(detail, "detail");
            Objects.requireNonNull(ehloProblem, "ehloProblem");
        }

        static Result failed(Outcome outcome, String detail) {
            return new Result(outcome, Optional.empty(), Optional.empty(), detail, Optional.empty());
        }

        /** The greeting's three-digit code, or 0 without a greeting. */
        public int greetingCode() {
            return greeting.map(lines -> Integer.parseInt(lines.getFirst().substring(0, 3))).orElse(0);
        }

        /** A complete 220 greeting: the server takes mail (which is all the backup-MX guard asks). */
        public boolean accepts() {
            return greetingCode() == 220;
        }
    }

    /** Connects and reads the greeting, then QUIT: no EHLO. */
    public static Result greet(InetSocketAddress server, Duration timeout) {
        return probe(server, timeout, null);
    }

    /**
     * Connects, reads the greeting, says {@code EHLO ehloName} after a 220 and reads the reply, then QUIT.
     *
     * @param ehloName the name to say in EHLO; null for no EHLO
     */
    public static Result probe(InetSocketAddress server, Duration timeout, String ehloName) {
        if (timeout.isNegative() || timeout.isZero() || timeout.toMillis() > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("the probe timeout must be positive and below 24 days");
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        boolean connected = false;
        try (Socket socket = new Socket()) {
            socket.connect(server, (int) Math.max(1, timeout.toMillis()));
            connected = true;
            InputStream in = new BufferedInputStream(socket.getInputStream(), 1024);
            List<String> greeting = readReply(socket, in, deadline);
            String detail = clean(greeting.getLast());
            if (ehloName == null || !greeting.getFirst().startsWith("220")) {
                quit(socket, in, deadline);
                return new Result(Outcome.GREETED, Optional.of(greeting), Optional.empty(), detail, Optional.empty());
            }
            Optional<List<String>> ehlo = Optional.empty();
            Optional<String> problem = Optional.empty();
            try {
                send(socket, "EHLO " + ehloName);
                ehlo = Optional.of(readReply(socket, in, deadline));
            } catch (SocketTimeoutException e) {
                problem = Optional.of("no complete reply to EHLO within " + millis(timeout));
            } catch (IOException e) {
                problem = Optional.of("EHLO: " + why(e));
            }
            quit(socket, in, deadline);
            return new Result(Outcome.GREETED, Optional.of(greeting), ehlo, detail, problem);
        } catch (SocketTimeoutException e) {
            return Result.failed(Outcome.TIMED_OUT, connected ? "no complete 220 greeting within " + millis(timeout)
                    : "connection timed out after " + millis(timeout));
        } catch (ConnectException e) {
            return Result.failed(Outcome.REFUSED, "connection refused");
        } catch (EOFException e) {
            return Result.failed(Outcome.BROKEN, "closed the connection before greeting");
        } catch (IOException e) {
            return Result.failed(Outcome.BROKEN, why(e));
        }
    }

    private static String why(IOException e) {
        return clean(e.getMessage() == null ? e.toString() : e.getMessage());
    }

    private static void send(Socket socket, String command) throws IOException {
        socket.getOutputStream().write((command + "\r\n").getBytes(StandardCharsets.US_ASCII));
        socket.getOutputStream().flush();
    }

    /** Says QUIT and waits a little for the 221, so the server logs a clean disconnect; errors do not matter. */
    private static void quit(Socket socket, InputStream in, long deadline) {
        try {
            send(socket, "QUIT");
            readReply(socket, in, Math.min(deadline, System.nanoTime() + QUIT_WAIT.toNanos()));
        } catch (IOException e) {
            // it went away first; the verdict stands
        }
    }

    /**
     * One SMTP reply, every line of it, before the deadline.
     *
     * @throws SocketTimeoutException the deadline passed
     * @throws IOException            not an SMTP reply, or the connection ended
     */
    static List<String> readReply(Socket socket, InputStream in, long deadline) throws IOException {
        List<String> lines = new ArrayList<>();
        String code = null;
        while (true) {
            String line = readLine(socket, in, deadline);
            if (line.length() < 3 || !isDigits(line.substring(0, 3))
                    || (line.length() > 3 && line.charAt(3) != ' ' && line.charAt(3) != '-')) {
                throw new IOException("not an SMTP reply: " + clean(line));
            }
            if (code != null && !line.startsWith(code)) {
                throw new IOException("reply code changed within a reply: " + clean(line));
            }
            code = line.substring(0, 3);
            lines.add(line);
            if (line.length() == 3 || line.charAt(3) == ' ') {
                return lines;
            }
            if (lines.size() >= MAX_LINES) {
                throw new IOException("reply longer than " + MAX_LINES + " lines");
            }
        }
    }

    private static String readLine(Socket socket, InputStream in, long deadline) throws IOException {
        StringBuilder line = new StringBuilder(80);
        while (true) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new SocketTimeoutException("deadline passed");
            }
            // never 0, which would mean "wait forever"
            socket.setSoTimeout((int) Math.max(1, Math.min(Integer.MAX_VALUE, Duration.ofNanos(left).toMillis())));
            int b = in.read();
            if (b < 0) {
                throw new EOFException("connection closed");
            }
            if (b == '\n') {
                int end = line.length();
                if (end > 0 && line.charAt(end - 1) == '\r') {
                    line.setLength(end - 1);
                }
                return line.toString();
            }
            if (line.length() >= MAX_LINE) {
                throw new IOException("reply line longer than " + MAX_LINE + " octets");
            }
            line.append((char) b);
        }
    }

    private static boolean isDigits(String s) {
        return s.chars().allMatch(c -> c >= '0' && c <= '9');
    }

    /** Printable ASCII only, shortened: what a remote server says goes into logs and reports. */
    public static String clean(String s) {
        StringBuilder sb = new StringBuilder(Math.min(s.length(), MAX_DETAIL));
        for (int i = 0; i < s.length() && sb.length() < MAX_DETAIL; i++) {
            char c = s.charAt(i);
            sb.append(c >= 0x20 && c < 0x7f ? c : '?');
        }
        return sb.toString();
    }

    static String millis(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
    }
}
