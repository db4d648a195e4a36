package org.mxguard.smtp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.benmanes.caffeine.cache.Ticker;
import java.net.InetAddress;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.mxguard.dns.InetAddresses;
import org.mxguard.policy.Action;
import org.mxguard.policy.Reply;

/** The trap's memory: recording, expiry on a fake ticker, and the reply per action. */
class TrapMxTest {
    private static final InetAddress BOT = InetAddresses.require("203.0.113.7");
    private static final InetAddress OTHER = InetAddresses.require("203.0.113.8");

    /** Caffeine's clock, moved by hand. */
    static final class FakeTicker implements Ticker {
        private final AtomicLong nanos = new AtomicLong();

        @Override
        public long read() {
            return nanos.get();
        }

        void advance(Duration d) {
            nanos.addAndGet(d.toNanos());
        }
    }

    @Test
    void aRecordedClientIsRejectedUntilItsRecordExpires() {
        FakeTicker ticker = new FakeTicker();
        TrapMx trap = new TrapMx(TrapMx.DEFAULT_EXPIRY, TrapMx.DEFAULT_ACTION, ticker);
        assertThat(trap.isTrapped(BOT)).isFalse();
        assertThat(trap.refusal(BOT)).isEmpty();

        assertThat(trap.record(BOT)).as("first visit").isTrue();
        assertThat(trap.isTrapped(BOT)).isTrue();
        assertThat(trap.isTrapped(OTHER)).isFalse();
        Reply reply = trap.refusal(BOT).orElseThrow();
        assertThat(reply).hasToString("550 5.7.1 Client host rejected: it connected to a trap MX");
        assertThat(trap.refusal(OTHER)).isEmpty();

        ticker.advance(Duration.ofHours(24).minusNanos(1));
        assertThat(trap.isTrapped(BOT)).as("just under 24 h").isTrue();
        ticker.advance(Duration.ofNanos(1));
        assertThat(trap.isTrapped(BOT)).as("24 h after its visit").isFalse();
        assertThat(trap.refusal(BOT)).isEmpty();
        assertThat(trap.record(BOT)).as("expired, so new again").isTrue();
    }

    @Test
    void anotherVisitRestartsTheExpiryAndAskingDoesNot() {
        FakeTicker ticker = new FakeTicker();
        TrapMx trap = new TrapMx(Duration.ofHours(2), Action.REJECT, ticker);
        trap.record(BOT);
        ticker.advance(Duration.ofMinutes(90));
        assertThat(trap.record(BOT)).as("already recorded").isFalse();
        ticker.advance(Duration.ofMinutes(90));
        assertThat(trap.isTrapped(BOT)).as("2 h after the first visit, 90 min after the second").isTrue();
        ticker.advance(Duration.ofMinutes(29));
        assertThat(trap.refusal(BOT)).isPresent();
        ticker.advance(Duration.ofMinutes(1));
        assertThat(trap.isTrapped(BOT)).as("the lookups did not extend it").isFalse();
    }

    @Test
    void addressesAreComparedInCanonicalForm() throws Exception {
        org.mxguard.cluster.LocalState state = new org.mxguard.cluster.LocalState();
        TrapMx trap = new TrapMx(TrapMx.DEFAULT_EXPIRY, TrapMx.DEFAULT_ACTION, state);
        InetAddress mapped = InetAddress.getByAddress(new byte[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xff,
                (byte) 0xff, (byte) 203, 0, 113, 7});
        trap.record(mapped);
        assertThat(trap.isTrapped(BOT)).as("::ffff:203.0.113.7 is 203.0.113.7").isTrue();
        InetAddress v6 = InetAddresses.require("2001:db8::7");
        trap.record(InetAddresses.require("2001:DB8:0::7"));
        assertThat(trap.isTrapped(v6)).isTrue();
        assertThat(state.trappedCount()).isEqualTo(2);
    }

    @Test
    void theActionDecidesTheReply() {
        TrapMx tempfail = new TrapMx(Duration.ofHours(1), Action.TEMPFAIL);
        tempfail.record(BOT);
        assertThat(tempfail.refusal(BOT)).map(Reply::toString)
                .contains("450 4.7.1 Client host rejected: it connected to a trap MX");

        for (Action logged : new Action[] {Action.LOG, Action.TAG}) {
            TrapMx trap = new TrapMx(Duration.ofHours(1), logged);
            trap.record(BOT);
            assertThat(trap.isTrapped(BOT)).isTrue();
            assertThat(trap.refusal(BOT)).as(logged.text() + ": logged, not refused").isEmpty();
            assertThat(trap.tags(BOT)).as(logged.text() + ": tags the message").isEqualTo(logged == Action.TAG);
        }

        TrapMx defaults = new TrapMx();
        assertThat(defaults.expiry()).isEqualTo(Duration.ofHours(24));
        assertThat(defaults.action()).isEqualTo(Action.REJECT);
        assertThatThrownBy(() -> new TrapMx(Duration.ofHours(1), Action.ACCEPT))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new TrapMx(Duration.ZERO, Action.REJECT)).isInstanceOf(IllegalArgumentException.class);
    }
}
