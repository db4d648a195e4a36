package org.mxguard.smtp;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.mxguard.dns.DnsNames;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A listener's sockets: binding its addresses, all or none (an address that cannot be bound closes
 * the ones bound before it), and accepting on them: a virtual thread per connection, or (for a
 * listener that only answers and closes, like the trap MX's) on the accepting thread itself.
 */
public final class ListenSockets implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ListenSockets.class);
    private static final int BACKLOG = 1024;

    private final List<ServerSocket> sockets;
    private final List<Thread> acceptors = new ArrayList<>();
    private volatile boolean closing;

    /** How an accepted connection is served: on a virtual thread of its own, or on the accepting thread. */
    private final boolean inline;

    private ListenSockets(List<ServerSocket> sockets, boolean inline) {
        this.sockets = List.copyOf(sockets);
        this.inline = inline;
    }

    /**
     * @param what names the listener in the error, e.g. "the trap"
     * @throws IOException naming the address that could not be bound (in use, not local, ...)
     */
    static List<ServerSocket> bindAll(List<InetSocketAddress> addresses, String what) throws IOException {
        List<ServerSocket> bound = new ArrayList<>();
        try {
            for (InetSocketAddress address : addresses) {
                ServerSocket socket = new ServerSocket();
                bound.add(socket);
                socket.setReuseAddress(true);
                try {
                    socket.bind(address, BACKLOG);
                } catch (IOException e) {
                    throw new IOException(what + " cannot listen on " + DnsNames.text(address) + ": " + e.getMessage(), e);
                }
            }
        } catch (IOException | RuntimeException e) {
            for (ServerSocket socket : bound) {
                try {
                    socket.close();
                } catch (IOException again) {
                    e.addSuppressed(again);
                }
            }
            throw e;
        }
        return bound;
    }

    /**
     * Binds every address (all or none) and accepts on each on a virtual thread of its own
     * ({@code NAME-accept-PORT}), handing each connection to {@code serve} on a new virtual thread
     * ({@code NAME-session}). An accept that fails while the listener is open (out of file
     * descriptors under a flood, say) is logged and accepting goes on after a pause: a listener
     * must not stop for good on a passing failure.
     *
     * @param what names the listener in the error, e.g. "the milter"
     * @throws IOException naming the address that could not be bound
     */
    public static ListenSockets open(List<InetSocketAddress> addresses, String what, String name, Consumer<Socket> serve)
            throws IOException {
        return open(addresses, what, name, serve, false);
    }

    /**
     * {@link #open}, but each connection is served on the accepting thread, one after another:
     * for a listener whose {@code serve} neither reads nor waits (it answers into an empty send
     * buffer and closes), so that a flood of connections holds no thread per client.
     */
    public static ListenSockets openServingInline(List<InetSocketAddress> addresses, String what, String name,
            Consumer<Socket> serve) throws IOException {
        return open(addresses, what, name, serve, true);
    }

    private static ListenSockets open(List<InetSocketAddress> addresses, String what, String name, Consumer<Socket> serve,
            boolean inline) throws IOException {
        ListenSockets listening = new ListenSockets(bindAll(addresses, what), inline);
        for (ServerSocket socket : listening.sockets) {
            listening.acceptors.add(Thread.ofVirtual().name(name + "-accept-" + socket.getLocalPort())
                    .start(() -> listening.accept(socket, name, serve)));
        }
        return listening;
    }

    /** The addresses actually bound (a port 0 in the request is the chosen port here). */
    public List<InetSocketAddress> addresses() {
        return sockets.stream().map(l -> (InetSocketAddress) l.getLocalSocketAddress()).toList();
    }

    /** Stops accepting: closes the sockets and waits a little for the accepting threads to end. */
    @Override
    public void close() {
        closing = true;
        for (ServerSocket socket : sockets) {
            try {
                socket.close();
            } catch (IOException e) {
                log.debug("close failed: {}", e.toString());
            }
        }
        for (Thread acceptor : acceptors) {
            try {
                acceptor.join(Duration.ofSeconds(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private void accept(ServerSocket listener, String name, Consumer<Socket> serve) {
        while (!closing) {
            Socket socket;
            try {
                socket = listener.accept();
            } catch (IOException e) {
                if (closing || listener.isClosed()) {
                    return;
                }
                log.error("{}: accepting on {} failed: {}", name, listener.getLocalSocketAddress(), e.toString());
                try {
                    Thread.sleep(100);
                } catch (InterruptedException stop) {
                    return;
                }
                continue;
            }
            if (inline) {
                serve.accept(socket);
            } else {
                Thread.ofVirtual().name(name + "-session").start(() -> serve.accept(socket));
            }
        }
    }
}
