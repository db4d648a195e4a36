package org.mxguard.smtp;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.mxguard.dns.DnsNames;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A listener's sockets: binding its addresses, all or none (an address that cannot be bound closes
 * the ones bound before it), and accepting on them, a virtual thread per connection.
 */
public final class ListenSockets {
    private static final Logger log = LoggerFactory.getLogger(ListenSockets.class);
    private static final int BACKLOG = 1024;

    private ListenSockets() {
    }

    /**
     * @param what names the listener in the error, e.g. "the trap"
     * @throws IOException naming the address that could not be bound (in use, not local, ...)
     */
    public static List<ServerSocket> bindAll(List<InetSocketAddress> addresses, String what) throws IOException {
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
     * Accepts on each listener on a virtual thread of its own ({@code NAME-accept-PORT}), and hands
     * each connection to {@code serve} on a new virtual thread ({@code NAME-session}). An accept that
     * fails while the listener is open (out of file descriptors under a flood, say) is logged and
     * accepting goes on after a pause: a listener must not stop for good on a passing failure.
     *
     * @param closing true once the listeners are being closed on purpose
     * @return the accepting threads, which end when their listener is closed
     */
    public static List<Thread> acceptEach(List<ServerSocket> listeners, String name, BooleanSupplier closing,
            Consumer<Socket> serve) {
        List<Thread> acceptors = new ArrayList<>();
        for (ServerSocket listener : listeners) {
            acceptors.add(Thread.ofVirtual().name(name + "-accept-" + listener.getLocalPort())
                    .start(() -> accept(listener, name, closing, serve)));
        }
        return acceptors;
    }

    private static void accept(ServerSocket listener, String name, BooleanSupplier closing, Consumer<Socket> serve) {
        while (!closing.getAsBoolean()) {
            Socket socket;
            try {
                socket = listener.accept();
            } catch (IOException e) {
                if (closing.getAsBoolean() || listener.isClosed()) {
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
            Thread.ofVirtual().name(name + "-session").start(() -> serve.accept(socket));
        }
    }
}
