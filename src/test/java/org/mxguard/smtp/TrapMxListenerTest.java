package org.mxguard.smtp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.mxguard.dns.InetAddresses;

/** The trap listener with real sockets on loopback: it records the client's real source address. */
class TrapMxListenerTest {
    private static InetSocketAddress at(String ip, int port) {
        return new InetSocketAddress(InetAddresses.require(ip), port);
    }

    /** Connects from {@code sourceIp} and returns everything the trap says before it closes. */
    private static String visit(InetSocketAddress trap, String sourceIp) throws IOException {
        try (Socket client = new Socket()) {
            client.bind(at(sourceIp, 0));
            client.connect(trap, 5000);
            client.setSoTimeout(5000);
            InputStream in = client.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.US_ASCII); // until the trap closes
        }
    }

    @Test
    void aConnectingClientIsRecordedByItsSourceAddressAndToldToGoAway() throws IOException {
        org.mxguard.cluster.LocalState state = new org.mxguard.cluster.LocalState();
        TrapMx trap = new TrapMx(TrapMx.DEFAULT_EXPIRY, TrapMx.DEFAULT_ACTION, state);
        try (TrapListener listener = TrapListener.start(List.of(at("127.0.0.1", 0)), trap)) {
            InetSocketAddress address = listener.addresses().getFirst();
            assertThat(address.getPort()).isPositive();

            String said = visit(address, "127.0.1.50");

            assertThat(said).isEqualTo("421 4.3.2 Service not available, closing transmission channel\r\n");
            assertThat(trap.isTrapped(InetAddresses.require("127.0.1.50"))).as("the real source address").isTrue();
            assertThat(trap.isTrapped(InetAddresses.require("127.0.0.1"))).as("not the address it reached").isFalse();
            assertThat(trap.refusal(InetAddresses.require("127.0.1.50"))).map(Object::toString)
                    .contains("550 5.7.1 Client host rejected: it connected to a trap MX");

            assertThat(visit(address, "127.0.1.51")).startsWith("421 ");
            assertThat(visit(address, "127.0.1.50")).as("again").startsWith("421 ");
            assertThat(trap.isTrapped(InetAddresses.require("127.0.1.51"))).isTrue();
            assertThat(state.trappedCount()).isEqualTo(2);
        }
    }

    @Test
    void aClientThatTalksFirstIsRecordedToo() throws IOException {
        TrapMx trap = new TrapMx();
        try (TrapListener listener = TrapListener.start(List.of(at("127.0.0.1", 0)), trap);
                Socket client = new Socket()) {
            client.bind(at("127.0.1.52", 0));
            client.connect(listener.addresses().getFirst(), 5000);
            client.getOutputStream().write("EHLO bot\r\nMAIL FROM:<x@example.com>\r\n".getBytes(StandardCharsets.US_ASCII));
            client.setSoTimeout(5000);
            try {
                client.getInputStream().readAllBytes(); // the 421, or a reset: the trap read nothing
            } catch (IOException reset) {
                // fine: it is recorded on accept
            }
            assertThat(trap.isTrapped(InetAddresses.require("127.0.1.52"))).isTrue();
        }
    }

    @Test
    void closeStopsListeningAndBindingIsAllOrNothing() throws IOException {
        TrapMx trap = new TrapMx();
        InetSocketAddress bound;
        try (TrapListener listener = TrapListener.start(List.of(at("127.0.0.1", 0)), trap)) {
            bound = listener.addresses().getFirst();
        }
        InetSocketAddress closed = bound;
        assertThatThrownBy(() -> visit(closed, "127.0.1.53")).isInstanceOf(ConnectException.class);

        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(at("127.0.0.1", 0));
            InetSocketAddress busy = (InetSocketAddress) taken.getLocalSocketAddress();
            int free;
            try (ServerSocket probe = new ServerSocket()) {
                probe.bind(at("127.0.0.1", 0));
                free = probe.getLocalPort();
            }
            assertThatThrownBy(() -> TrapListener.start(List.of(at("127.0.0.1", free), busy), trap))
                    .isInstanceOf(IOException.class).hasMessageContaining("trap cannot listen on 127.0.0.1:"
                            + busy.getPort());
            try (ServerSocket again = new ServerSocket()) {
                again.bind(at("127.0.0.1", free)); // released by the failed start
            }
        }
        assertThatThrownBy(() -> TrapListener.start(List.of(), trap)).isInstanceOf(IllegalArgumentException.class);
    }
}
