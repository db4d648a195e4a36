package org.mxguard.delivery;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A next hop that misbehaves on demand, in this JVM: an SMTP server on a loopback address of its
 * own whose {@link Fault} can be switched at any time (smtp-sink cannot close in the middle of the
 * data, nor be switched without a restart). Without a fault it takes every message with a 250 and
 * keeps its data, un-dot-stuffed, for the test to compare.
 */
final class FaultyNextHop implements AutoCloseable {
    /** What goes wrong, checked at each step of each session. */
    enum Fault {
        NONE,
        /** Reads the first line of the data, then closes the connection without a reply. */
        CLOSE_MID_DATA,
        /** Greets with 421 and closes. */
        TEMPFAIL_AT_CONNECT,
        /** Answers RCPT TO with 450. */
        TEMPFAIL_AT_RCPT,
        /** Reads the whole message, then answers the final dot with 451. */
        TEMPFAIL_AFTER_DOT,
        /** Accepts the connection and never says a word. */
        HANG,
        /** Reads the whole message and never answers the final dot (it may have kept it: a duplicate risk). */
        HANG_AFTER_DOT,
        /** Nothing listens: connections are refused. */
        REFUSE
    }

    private final InetSocketAddress address;
    private final List<byte[]> delivered = new CopyOnWriteArrayList<>();
    private final AtomicInteger connections = new AtomicInteger();
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private volatile Fault fault = Fault.NONE;
    private ServerSocket server;

    private FaultyNextHop(InetSocketAddress address) {
        this.address = address;
    }

    /** Listening, without a fault, on a free port of a random 127.0.x.y. */
    static FaultyNextHop start() {
        FaultyNextHop hop = new FaultyNextHop(SmtpTestPeer.deadAddress());
        hop.listen();
        return hop;
    }

    InetSocketAddress address() {
        return address;
    }

    /** From now on; {@link Fault#REFUSE} closes the port, any other fault opens it again. */
    synchronized void fault(Fault newFault) {
        fault = newFault;
        if (newFault == Fault.REFUSE) {
            closeServer();
        } else if (server == null) {
            listen();
        }
    }

    /** The messages answered 250, as received (dot-stuffing removed), oldest first. */
    List<byte[]> delivered() {
        return List.copyOf(delivered);
    }

    /** Connections accepted so far (refused ones are not counted: nothing saw them). */
    int connections() {
        return connections.get();
    }

    @Override
    public synchronized void close() {
        closeServer();
        for (Socket s : open) {
            closeQuietly(s);
        }
    }

    private synchronized void listen() {
        try {
            ServerSocket s = new ServerSocket();
            s.setReuseAddress(true);
            s.bind(address);
            server = s;
            Thread.ofVirtual().name("faulty-next-hop-" + address).start(() -> accept(s));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot listen on " + address, e);
        }
    }

    private void closeServer() {
        if (server != null) {
            closeQuietly(server);
            server = null;
        }
    }

    private void accept(ServerSocket s) {
        while (!s.isClosed()) {
            try {
                Socket client = s.accept();
                connections.incrementAndGet();
                open.add(client);
                Thread.ofVirtual().start(() -> {
                    try (client) {
                        talk(client);
                    } catch (IOException gone) {
                        // the client went away
                    } finally {
                        open.remove(client);
                    }
                });
            } catch (IOException closed) {
                return;
            }
        }
    }

    private void talk(Socket client) throws IOException {
        InputStream in = new BufferedInputStream(client.getInputStream());
        OutputStream out = client.getOutputStream();
        if (fault == Fault.HANG) {
            in.transferTo(OutputStream.nullOutputStream()); // until the client gives up
            return;
        }
        if (fault == Fault.TEMPFAIL_AT_CONNECT) {
            say(out, "421 4.3.2 faulty.test busy, try again later");
            return;
        }
        say(out, "220 faulty.test ESMTP");
        for (String line = line(in); line != null; line = line(in)) {
            String verb = line.split(" ", 2)[0].toUpperCase(Locale.ROOT);
            switch (verb) {
                case "EHLO", "HELO" -> say(out, "250 faulty.test");
                case "MAIL", "RSET", "NOOP" -> say(out, "250 2.0.0 Ok");
                case "RCPT" -> say(out, fault == Fault.TEMPFAIL_AT_RCPT ? "450 4.2.1 mailbox busy, try again later"
                        : "250 2.1.5 Ok");
                case "DATA" -> {
                    say(out, "354 go ahead");
                    if (!data(client, in, out)) {
                        return;
                    }
                }
                case "QUIT" -> {
                    say(out, "221 2.0.0 Bye");
                    return;
                }
                default -> say(out, "502 5.5.2 not here");
            }
        }
    }

    /** The data up to the final dot and the reply to it; false when the connection is to end. */
    private boolean data(Socket client, InputStream in, OutputStream out) throws IOException {
        ByteArrayOutputStream message = new ByteArrayOutputStream();
        boolean first = true;
        for (String line = line(in); line != null; line = line(in)) {
            if (first && fault == Fault.CLOSE_MID_DATA) {
                client.setSoLinger(true, 0); // a reset, as a crashing server gives
                return false;
            }
            first = false;
            if (line.equals(".")) {
                if (fault == Fault.HANG_AFTER_DOT) {
                    in.transferTo(OutputStream.nullOutputStream()); // until the client gives up
                    return false;
                }
                if (fault == Fault.TEMPFAIL_AFTER_DOT) {
                    say(out, "451 4.3.0 message not taken, try again later");
                } else {
                    delivered.add(message.toByteArray());
                    say(out, "250 2.0.0 Ok: queued");
                }
                return true;
            }
            message.writeBytes((line.startsWith(".") ? line.substring(1) : line).getBytes(StandardCharsets.ISO_8859_1));
            message.writeBytes(new byte[] {'\r', '\n'});
        }
        return false;
    }

    /** One line without its CRLF, as ISO-8859-1; null at the end of the stream. */
    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (int b = in.read(); b != '\n'; b = in.read()) {
            if (b < 0) {
                return null;
            }
            line.write(b);
        }
        String text = line.toString(StandardCharsets.ISO_8859_1);
        return text.endsWith("\r") ? text.substring(0, text.length() - 1) : text;
    }

    private static void say(OutputStream out, String reply) throws IOException {
        out.write((reply + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception ignored) {
            // closing anyway
        }
    }
}
