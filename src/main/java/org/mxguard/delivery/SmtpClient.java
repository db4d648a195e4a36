package org.mxguard.delivery;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.Objects;
import java.util.Optional;
import javax.net.ssl.SSLSocketFactory;
import org.mxguard.delivery.SmtpConnectResult.Failed;
import org.mxguard.delivery.SmtpConnectResult.Stage;

/**
 * mxguard's outbound SMTP client: opens sessions to a server, from a chosen source address, and
 * hands them over as {@link SmtpConnection}s that send transactions. Blocking I/O, meant for one
 * virtual thread per delivery; the client itself holds no session state and is shared.
 *
 * <p>Opening a session: TCP connect, the 220 greeting, EHLO; when EHLO is refused, 4xx or 5xx,
 * HELO (old servers answer EHLO 500 or 502, and a 4xx to EHLO says nothing about HELO), except
 * after 421, which closes the session. Then STARTTLS whenever the server offers it, any
 * certificate accepted (see {@link SmtpTls}), and EHLO again over TLS. A server that refuses
 * STARTTLS is used in plaintext on the same connection. A failed handshake (or a session that
 * breaks before the EHLO over TLS is answered) costs that connection: the client connects once
 * more and stays in plaintext, so a broken TLS stack at the server delays no mail.
 */
public final class SmtpClient {
    private final SmtpTimeouts timeouts;
    private final SSLSocketFactory tls;

    public SmtpClient(SmtpTimeouts timeouts) {
        this.timeouts = Objects.requireNonNull(timeouts, "timeouts");
        this.tls = SmtpTls.anyCertificate();
    }

    public SmtpTimeouts timeouts() {
        return timeouts;
    }

    /**
     * Opens a session.
     *
     * @param target   the server's address and port
     * @param source   the local address to send from (an {@link Egress}); null lets the system choose
     * @param heloName the name to give in EHLO/HELO, normally the source address's PTR name
     */
    public SmtpConnectResult connect(InetSocketAddress target, InetAddress source, String heloName) {
        Objects.requireNonNull(target, "target");
        requireHeloName(heloName);
        try {
            return open(target, source, heloName, true, null);
        } catch (TlsFailed e) {
            return inPlaintext(target, source, heloName,
                    "TLS failed (" + e.getMessage() + "); retried in plaintext on a new connection");
        }
    }

    private SmtpConnectResult inPlaintext(InetSocketAddress target, InetAddress source, String heloName,
            String tlsProblem) {
        try {
            return open(target, source, heloName, false, tlsProblem);
        } catch (TlsFailed e) {
            throw new IllegalStateException("STARTTLS was tried on the plaintext retry", e);
        }
    }

    private SmtpConnectResult open(InetSocketAddress target, InetAddress source, String heloName, boolean tryTls,
            String tlsProblem) throws TlsFailed {
        Socket socket = new Socket();
        if (source != null) {
            try {
                socket.bind(new InetSocketAddress(source, 0));
            } catch (IOException e) {
                closeQuietly(socket);
                return new Failed(target, Stage.BIND, Optional.empty(),
                        "cannot send from " + source.getHostAddress() + ": " + e.getMessage());
            }
        }
        try {
            socket.connect(target, Math.toIntExact(timeouts.connect().toMillis()));
            socket.setTcpNoDelay(true); // commands are flushed whole; do not wait to coalesce them
        } catch (IOException e) {
            closeQuietly(socket);
            String why = e instanceof SocketTimeoutException
                    ? "connect timed out after " + SmtpConnection.human(timeouts.connect()) : e.getMessage();
            return new Failed(target, Stage.CONNECT, Optional.empty(), "cannot connect: " + why);
        }
        SmtpWire wire;
        try {
            wire = new SmtpWire(socket);
        } catch (IOException e) {
            closeQuietly(socket);
            return new Failed(target, Stage.CONNECT, Optional.empty(), "cannot connect: " + e.getMessage());
        }
        Stage stage = Stage.GREETING;
        try {
            wire.stage(timeouts.greeting());
            SmtpReply greeting = wire.readReply();
            if (greeting.code() != 220) {
                if (greeting.code() != 421) {
                    quitQuietly(wire); // RFC 5321 §3.1: after a 554 greeting the client should QUIT
                }
                wire.close();
                return new Failed(target, Stage.GREETING, Optional.of(greeting), "greeted with " + greeting);
            }
            stage = Stage.HELLO;
            Hello hello = hello(wire, heloName);
            if (hello.refused()) {
                return refused(hello, target, wire);
            }
            SmtpCapabilities capabilities = hello.capabilities();
            if (tryTls && capabilities.startTls()) {
                TlsStart started = startTls(wire, target, heloName);
                if (started.capabilities() != null) {
                    capabilities = started.capabilities();
                } else {
                    tlsProblem = started.refusal();
                }
            }
            return new SmtpConnectResult.Connected(new SmtpConnection(wire, timeouts, target, source, heloName,
                    greeting, capabilities, tlsProblem));
        } catch (IOException e) {
            wire.close();
            String why = e instanceof SocketTimeoutException
                    ? "timed out after " + SmtpConnection.human(wire.stageTimeout()) : e.getMessage();
            return new Failed(target, stage, Optional.empty(),
                    (stage == Stage.GREETING ? "no greeting: " : "no reply to EHLO/HELO: ") + why);
        }
    }

    /** Either the capabilities announced over TLS, or why the server would not start it. */
    private record TlsStart(SmtpCapabilities capabilities, String refusal) {
    }

    /**
     * STARTTLS, the handshake and the new EHLO. A refusal of the command leaves the session in
     * plaintext, in step; any other failure here is a TLS failure, retried without TLS.
     */
    private TlsStart startTls(SmtpWire wire, InetSocketAddress target, String heloName) throws TlsFailed {
        try {
            wire.stage(timeouts.startTls());
            wire.command("STARTTLS");
            wire.flush();
            SmtpReply reply = wire.readReply();
            if (reply.code() != 220) {
                return new TlsStart(null, "STARTTLS answered " + reply + "; went on in plaintext");
            }
            wire.startTls(tls, target.getHostString());
            // RFC 3207 §4.2: forget what was said before TLS and ask again.
            Hello hello = hello(wire, heloName);
            if (hello.refused()) {
                throw new TlsFailed(hello.refusalDetail() + " over TLS");
            }
            return new TlsStart(hello.capabilities(), null);
        } catch (IOException e) {
            wire.close();
            throw new TlsFailed(e instanceof SocketTimeoutException
                    ? "timed out after " + SmtpConnection.human(wire.stageTimeout()) : String.valueOf(e.getMessage()));
        } catch (TlsFailed e) {
            wire.close();
            throw e;
        }
    }

    /** EHLO, or HELO when EHLO is refused other than with 421. */
    private Hello hello(SmtpWire wire, String heloName) throws IOException {
        wire.stage(timeouts.hello());
        wire.command("EHLO " + heloName);
        wire.flush();
        SmtpReply ehlo = wire.readReply();
        if (ehlo.isPositive()) {
            return new Hello(SmtpCapabilities.fromEhlo(ehlo), null, null);
        }
        if (ehlo.code() == 421) {
            return new Hello(null, ehlo, "EHLO answered " + ehlo);
        }
        wire.command("HELO " + heloName);
        wire.flush();
        SmtpReply helo = wire.readReply();
        if (helo.isPositive()) {
            return new Hello(SmtpCapabilities.none(), null, null);
        }
        return new Hello(null, helo, "EHLO answered " + ehlo + "; HELO answered " + helo);
    }

    private record Hello(SmtpCapabilities capabilities, SmtpReply refusalReply, String refusalDetail) {
        boolean refused() {
            return refusalReply != null;
        }
    }

    private Failed refused(Hello hello, InetSocketAddress target, SmtpWire wire) {
        if (hello.refusalReply().code() != 421) {
            quitQuietly(wire);
        }
        wire.close();
        return new Failed(target, Stage.HELLO, Optional.of(hello.refusalReply()), hello.refusalDetail());
    }

    private void quitQuietly(SmtpWire wire) {
        wire.quitQuietly(timeouts.quit());
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException ignored) {
            // never opened
        }
    }

    /** A domain name or address literal: no spaces or control characters to break the command. */
    private static void requireHeloName(String heloName) {
        if (heloName == null || heloName.isBlank() || !heloName.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
            throw new IllegalArgumentException("not a usable HELO name: " + heloName);
        }
    }

    /** TLS could not be started or broke the session right after; the caller retries in plaintext. */
    private static final class TlsFailed extends Exception {
        TlsFailed(String message) {
            super(message, null, false, false);
        }
    }
}
