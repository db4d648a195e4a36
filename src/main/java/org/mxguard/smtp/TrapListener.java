package org.mxguard.smtp;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import org.mxguard.dns.DnsNames;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The trap MX's listener: every client that connects is recorded in the {@link TrapMx}, answered
 * {@code 421 4.3.2 Service not available, closing transmission channel} at once, and disconnected.
 *
 * <p>Why a 421 instead of the greeting: RFC 5321 section 3.1 lets a server answer 421 in place of
 * the 220, and a sender treats it as a temporary failure of this host, trying the next MX or
 * retrying later. Any client that ends up here, bot or (after an outage of every real MX) honest
 * server, loses nothing: nothing was accepted. A 220 followed by a 4xx would cost a session per
 * client (reading its commands, with timeouts) to learn only its HELO name, and bots disconnect
 * either way. The connection is recorded as soon as it is accepted, so the client's source
 * address is all the trap needs.
 *
 * <p>Each connection is handled on the accepting thread: record, write one line into an empty
 * send buffer (which cannot block), close. Nothing is read, no thread or timer is held per client,
 * so a flood of connections costs the trap no more than accepting them.
 */
public final class TrapListener implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(TrapListener.class);
    static final String REPLY = "421 4.3.2 Service not available, closing transmission channel";
    private static final byte[] REPLY_BYTES = (REPLY + "\r\n").getBytes(StandardCharsets.US_ASCII);

    private final TrapMx trap;
    private ListenSockets sockets;

    private TrapListener(TrapMx trap) {
        this.trap = Objects.requireNonNull(trap, "trap");
    }

    /**
     * Binds every address (all or none: a failure closes the ones already bound) and starts
     * accepting.
     *
     * @throws IOException an address could not be bound, e.g. in use or not local
     */
    public static TrapListener start(List<InetSocketAddress> addresses, TrapMx trap) throws IOException {
        if (addresses.isEmpty()) {
            throw new IllegalArgumentException("no address for the trap to listen on");
        }
        TrapListener listener = new TrapListener(trap);
        listener.sockets = ListenSockets.openServingInline(addresses, "the trap", "trap", listener::answer);
        return listener;
    }

    /** The addresses actually bound (a port 0 in the request is the chosen port here). */
    public List<InetSocketAddress> addresses() {
        return sockets.addresses();
    }

    /** Records the client and answers 421; on the accepting thread (see the class comment). */
    private void answer(Socket socket) {
        String where = DnsNames.text((InetSocketAddress) socket.getLocalSocketAddress());
        try (socket) {
            InetAddress client = DnsNames.canonical(socket.getInetAddress());
            boolean first = trap.record(client);
            if (first) {
                log.info("{}: TRAP: connected to the trap MX on {}; recorded for {} (action {})",
                        DnsNames.text(client), where, text(trap.expiry()), trap.action().text());
            } else { // a bot hammering the trap would fill the log
                log.debug("{}: TRAP: connected to the trap MX on {} again; recorded for {} from now",
                        DnsNames.text(client), where, text(trap.expiry()));
            }
            socket.getOutputStream().write(REPLY_BYTES);
            socket.getOutputStream().flush();
        } catch (IOException | RuntimeException e) {
            log.debug("trap: connection on {}: {}", where, e.toString()); // it went away: recorded anyway
        }
    }

    private static String text(Duration d) {
        if (d.toSeconds() % 3600 == 0) {
            return d.toHours() + " h";
        }
        return d.toSeconds() % 60 == 0 ? d.toMinutes() + " min" : d.toSeconds() + " s";
    }

    /** Stops accepting. */
    @Override
    public void close() {
        sockets.close();
    }
}
