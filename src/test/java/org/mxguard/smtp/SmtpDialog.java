package org.mxguard.smtp;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * A blocking SMTP client for the reliability tests: one command at a time, each answered with the
 * whole reply (every line of a multi-line one), from a chosen 127.x source address.
 */
final class SmtpDialog implements AutoCloseable {
    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    /** The greeting, or the refusal a connection limit answered with. */
    final String greeting;

    private SmtpDialog(Socket socket) throws IOException {
        this.socket = socket;
        this.in = new BufferedInputStream(socket.getInputStream());
        this.out = socket.getOutputStream();
        this.greeting = reply();
    }

    static SmtpDialog open(InetSocketAddress server, String source) throws IOException {
        Socket socket = new Socket();
        try {
            socket.bind(new InetSocketAddress(InetAddress.getByName(source), 0));
            socket.connect(server, 10_000);
            socket.setSoTimeout(30_000);
            return new SmtpDialog(socket);
        } catch (IOException e) {
            socket.close();
            throw e;
        }
    }

    /** Sends {@code line} and CRLF; returns the reply. */
    String command(String line) throws IOException {
        out.write((line + "\r\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
        return reply();
    }

    /** After a 354: sends {@code message} (CRLF line ends), dot-stuffed, and the end of data; returns the reply. */
    String data(String message) throws IOException {
        out.write(stuffed(message).getBytes(StandardCharsets.ISO_8859_1));
        out.write(".\r\n".getBytes(StandardCharsets.US_ASCII));
        out.flush();
        return reply();
    }

    /**
     * EHLO, MAIL, RCPT, DATA and the message: the first reply that is not the expected 2xx/354, or
     * the reply to the end of data.
     */
    String send(String helo, String from, String to, String message) throws IOException {
        for (String step : new String[] {"EHLO " + helo, "MAIL FROM:<" + from + ">", "RCPT TO:<" + to + ">", "DATA"}) {
            String reply = command(step);
            if (!reply.startsWith(step.equals("DATA") ? "354" : "2")) {
                return reply;
            }
        }
        return data(message);
    }

    /** The reply's lines joined with CRLF, without the last one; "" when the server closed the connection. */
    String reply() throws IOException {
        StringBuilder reply = new StringBuilder();
        StringBuilder line = new StringBuilder();
        for (int b = in.read(); b >= 0; b = in.read()) {
            if (b == '\n') {
                boolean last = line.length() < 4 || line.charAt(3) != '-';
                reply.append(line.toString().strip());
                line.setLength(0);
                if (last) {
                    return reply.toString();
                }
                reply.append("\r\n");
            } else {
                line.append((char) b);
            }
        }
        return reply.toString();
    }

    static String stuffed(String message) {
        return (message.startsWith(".") ? "." : "") + message.replace("\r\n.", "\r\n..");
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
