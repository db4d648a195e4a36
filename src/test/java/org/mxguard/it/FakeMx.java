package org.mxguard.it;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import org.mxguard.dns.InetAddresses;

/**
 * A tiny SMTP server for {@code mxguard audit --probe}: it greets with a fixed line and, after a
 * 220, answers EHLO with fixed extension lines and QUIT with 221. Nothing else.
 */
final class FakeMx implements AutoCloseable {
    private final ServerSocket server;
    private final String greeting;
    private final List<String> extensions;

    private FakeMx(ServerSocket server, String greeting, List<String> extensions) {
        this.server = server;
        this.greeting = greeting;
        this.extensions = extensions;
        Thread.ofVirtual().name("fake-mx-" + server.getLocalSocketAddress()).start(this::serve);
    }

    /**
     * @param greeting   the whole greeting line, e.g. {@code 220 mx.example ESMTP} or {@code 421 busy}
     * @param extensions the EHLO keywords after the first line
     * @throws UncheckedIOException when ip:port is taken
     */
    static FakeMx start(String ip, int port, String greeting, String... extensions) {
        try {
            ServerSocket s = new ServerSocket();
            s.bind(new InetSocketAddress(InetAddresses.require(ip), port));
            return new FakeMx(s, greeting, List.of(extensions));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot listen on " + ip + ":" + port, e);
        }
    }

    int port() {
        return server.getLocalPort();
    }

    private void serve() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                Thread.ofVirtual().start(() -> talk(client));
            } catch (IOException closed) {
                return;
            }
        }
    }

    private void talk(Socket client) {
        try (client) {
            OutputStream out = client.getOutputStream();
            BufferedReader in = new BufferedReader(new InputStreamReader(client.getInputStream(), StandardCharsets.US_ASCII));
            say(out, greeting);
            if (!greeting.startsWith("220")) {
                return;
            }
            for (String line; (line = in.readLine()) != null; ) {
                String verb = line.split(" ", 2)[0].toUpperCase(Locale.ROOT);
                if (verb.equals("EHLO")) {
                    StringBuilder reply = new StringBuilder();
                    String name = greeting.substring(4).split(" ", 2)[0];
                    reply.append(extensions.isEmpty() ? "250 " : "250-").append(name);
                    for (int i = 0; i < extensions.size(); i++) {
                        reply.append("\r\n250").append(i == extensions.size() - 1 ? ' ' : '-').append(extensions.get(i));
                    }
                    say(out, reply.toString());
                } else if (verb.equals("QUIT")) {
                    say(out, "221 bye");
                    return;
                } else {
                    say(out, "502 5.5.2 not here");
                }
            }
        } catch (IOException gone) {
            // the probe hung up: fine
        }
    }

    private static void say(OutputStream out, String reply) throws IOException {
        out.write((reply + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
