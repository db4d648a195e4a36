package org.mxguard.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mxguard.delivery.SmtpClientSessionTest.HELO;
import static org.mxguard.delivery.SmtpClientSessionTest.MESSAGE;
import static org.mxguard.delivery.SmtpClientSessionTest.connected;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** One connection, several transactions: the cache keeps what is fit for reuse and nothing else. */
class SmtpClientReuseTest {
    private final SmtpClient client = new SmtpClient(SmtpTimeouts.fast());
    private final MutableClock clock = new MutableClock();
    private SmtpConnectionCache cache = new SmtpConnectionCache(Duration.ofSeconds(2), 10, clock);
    private SmtpTestPeer peer;

    @AfterEach
    void stop() {
        cache.close();
        if (peer != null) {
            peer.close();
        }
    }

    @Test
    void secondTransactionReusesTheConnectionAfterRset() {
        peer = SmtpTestPeer.python("--pipelining");

        SmtpTransactionResult first = send(peer.address(), null, "a@peer.test");
        clock.advance(Duration.ofSeconds(1));
        SmtpTransactionResult second = send(peer.address(), null, "b@peer.test");

        assertThat(first.allDelivered()).as(first.toString()).isTrue();
        assertThat(second.allDelivered()).as(second.toString()).isTrue();
        assertThat(peer.awaitEvents("message", 2)).extracting(m -> m.path("connection").asInt()).containsExactly(1, 1);
        assertThat(peer.events("connect")).hasSize(1);
        assertThat(peer.events("rset")).hasSize(1);
        assertThat(cache.idleCount()).isEqualTo(1);
    }

    @Test
    void idleTooLongIsClosedNotReused() {
        peer = SmtpTestPeer.python();
        send(peer.address(), null, "a@peer.test");

        clock.advance(Duration.ofSeconds(2));

        assertThat(cache.take(peer.address(), null)).isEmpty();
        assertThat(cache.idleCount()).isZero();
        send(peer.address(), null, "b@peer.test");
        assertThat(peer.awaitEvents("message", 2)).extracting(m -> m.path("connection").asInt()).containsExactly(1, 2);
    }

    @Test
    void atMostMaxTransactionsPerConnection() {
        cache = new SmtpConnectionCache(Duration.ofSeconds(2), 2, clock);
        peer = SmtpTestPeer.python();

        for (String r : List.of("a@peer.test", "b@peer.test", "c@peer.test")) {
            assertThat(send(peer.address(), null, r).allDelivered()).isTrue();
        }

        assertThat(peer.awaitEvents("message", 3)).extracting(m -> m.path("connection").asInt())
                .containsExactly(1, 1, 2);
    }

    /** smtp-sink -q . hangs up instead of answering the message: that connection is not kept. */
    @Test
    void connectionThatFailedIsNotKept() {
        peer = SmtpTestPeer.sink("-q", ".");

        SmtpTransactionResult result = send(peer.address(), null, "a@peer.test");

        assertThat(result.allDelivered()).isFalse();
        assertThat(cache.idleCount()).isZero();
        assertThat(cache.take(peer.address(), null)).isEmpty();
    }

    @Test
    void keyedByTargetAndSourceAddress() throws Exception {
        peer = SmtpTestPeer.python();
        InetAddress source = InetAddress.getByName("127.0.0.2");
        send(peer.address(), source, "a@peer.test");

        assertThat(cache.take(peer.address(), null)).isEmpty();
        assertThat(cache.take(SmtpTestPeer.deadAddress(), source)).isEmpty();
        Optional<SmtpConnection> same = cache.take(peer.address(), source);

        assertThat(same).isPresent();
        assertThat(same.get().localAddress()).isEqualTo(source);
        cache.offer(same.get());
    }

    /** The server went away while the connection was idle: RSET fails, and the cache says so by having none. */
    @Test
    void idleConnectionThatDiedIsDropped() {
        peer = SmtpTestPeer.python();
        send(peer.address(), null, "a@peer.test");
        peer.close();

        assertThat(cache.take(peer.address(), null)).isEmpty();
        assertThat(cache.idleCount()).isZero();
    }

    /** What a delivery does: take an idle connection or open one, send, give it back. */
    private SmtpTransactionResult send(InetSocketAddress target, InetAddress source, String recipient) {
        SmtpConnection connection = cache.take(target, source)
                .orElseGet(() -> connected(client.connect(target, source, HELO)));
        SmtpTransactionResult result = connection.send(
                SmtpTransaction.of("sender@mxguard.test", List.of(recipient), MESSAGE));
        cache.offer(connection);
        return result;
    }

    static final class MutableClock extends Clock {
        private Instant now = Instant.parse("2026-01-01T00:00:00Z");

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }
    }
}
