package org.mxguard.testkit;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import org.mxguard.dns.InetAddresses;

/**
 * A sending MTA's SMTP session, from a chosen 127.x source address: the banner tells which server
 * answered, and a transaction ends in one of the {@link Outcome}s an MTA acts on (the in-doubt case
 * told apart from the sure retry, as the kill -9 tests need).
 */
public final class MtaClient implements AutoCloseable {
    /** How a transaction ended, as the sending MTA sees it. */
    public enum Outcome {
        /** 250 after the final dot: the node took responsibility for the message. */
        ACCEPTED,
        /** 5xx at any step: the MTA would bounce it. */
        REJECTED,
        /** 4xx, or the connection broke, before the final dot was written: not queued; try again. */
        RETRY,
        /** 4xx after the final dot: not queued; try again. */
        TEMPFAILED,
        /** The connection broke after the final dot was (partly) written: maybe queued; try again. */
        IN_DOUBT
    }

    /** The outcome, and the reply that decided it ({@code null} when the connection broke). */
    public record Result(Outcome outcome, String reply) {
    }

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    /** The 220 greeting's text, e.g. {@code 220 node2.mxguard.test ESMTP mxguard}. */
    public final String banner;

    private MtaClient(Socket socket) throws IOException {
        this.socket = socket;
        this.in = new BufferedInputStream(socket.getInputStream());
        this.out = new BufferedOutputStream(socket.getOutputStream());
        this.banner = reply();
    }

    /** Connects from {@code source} and reads the greeting (which may be a refusal). */
    public static MtaClient connect(InetSocketAddress server, String source) throws IOException {
        Socket socket = new Socket();
        try {
            socket.bind(new InetSocketAddress(InetAddresses.require(source), 0));
            socket.connect(server, 5000);
            socket.setSoTimeout(30_000);
            return new MtaClient(socket);
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
    }

    /** The server that greeted: the banner's host name up to its first dot ({@code node2} of {@code node2.mxguard.test}). */
    public String node() {
        String host = banner.substring(4).split(" ", 2)[0];
        return host.substring(0, host.indexOf('.'));
    }

    /** Sends a command; the last line of its reply. */
    public String command(String line) throws IOException {
        out.write((line + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
        return reply();
    }

    /** One transaction: MAIL, RCPT, DATA and {@code message} (CRLF lines, no line starting with a dot). */
    public Result send(String from, String to, String message) {
        boolean dotSent = false;
        try {
            for (String step : new String[] {"MAIL FROM:<" + from + ">", "RCPT TO:<" + to + ">", "DATA"}) {
                String reply = command(step);
                if (!reply.startsWith(step.equals("DATA") ? "354" : "250")) {
                    return new Result(reply.startsWith("5") ? Outcome.REJECTED : Outcome.RETRY, reply);
                }
            }
            out.write(message.getBytes(StandardCharsets.US_ASCII));
            out.flush();
            dotSent = true; // from here on the node may have queued it, even if the write fails
            out.write(".\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String reply = reply();
            return new Result(switch (reply.charAt(0)) {
                case '2' -> Outcome.ACCEPTED;
                case '5' -> Outcome.REJECTED;
                default -> Outcome.TEMPFAILED;
            }, reply);
        } catch (IOException e) {
            return new Result(dotSent ? Outcome.IN_DOUBT : Outcome.RETRY, null);
        }
    }

    public void quit() {
        try {
            command("QUIT");
        } catch (IOException ignored) {
            // closed anyway
        }
    }

    /** The last line of the next reply; IOException when the connection ends first. */
    private String reply() throws IOException {
        return lastReplyLine(in);
    }

    /** The last line of the next SMTP reply read from {@code in}; IOException when the stream ends first. */
    public static String lastReplyLine(InputStream in) throws IOException {
        while (true) {
            StringBuilder line = new StringBuilder();
            for (int b = in.read(); b != '\n'; b = in.read()) {
                if (b < 0) {
                    throw new IOException("connection closed");
                }
                line.append((char) b);
            }
            if (line.length() < 4 || line.charAt(3) != '-') {
                return line.toString().strip();
            }
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
