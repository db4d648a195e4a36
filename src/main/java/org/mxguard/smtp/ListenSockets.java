package org.mxguard.smtp;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import org.mxguard.dns.DnsNames;

/** Binding a listener's addresses, all or none: an address that cannot be bound closes the ones bound before it. */
public final class ListenSockets {
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
}
