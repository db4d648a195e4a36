package org.mxguard.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.mxguard.dns.InetAddresses;

class LocalStateTest {
    private static final InetAddress CLIENT = InetAddresses.require("192.0.2.7");
    private static final InetAddress OTHER = InetAddresses.require("192.0.2.8");

    private final AtomicLong nanos = new AtomicLong(1_000_000_000L);
    private final LocalState state = new LocalState(nanos::get);

    private void advance(Duration d) {
        nanos.addAndGet(d.toNanos());
    }

    @Test
    void eachRecordLivesItsOwnTimeAndReadingDoesNotExtendIt() {
        assertThat(state.recordTrapHit(CLIENT, Duration.ofHours(2))).isTrue();
        state.recordGreetingPass(CLIENT, Duration.ofHours(1));

        advance(Duration.ofMinutes(59));
        assertThat(state.connected(CLIENT, Duration.ZERO)).isEqualTo(new ClientStanding(true, true, 0));
        advance(Duration.ofMinutes(1));
        assertThat(state.connected(CLIENT, Duration.ZERO)).as("the pass is an hour old")
                .isEqualTo(new ClientStanding(true, false, 0));
        advance(Duration.ofMinutes(60));
        assertThat(state.trapped(CLIENT)).as("the trap hit two hours old, read often meanwhile").isFalse();
        assertThat(state.recordTrapHit(CLIENT, Duration.ofHours(2))).as("expired, so new again").isTrue();
        assertThat(state.connected(OTHER, Duration.ZERO)).isEqualTo(ClientStanding.UNKNOWN);
    }

    @Test
    void connectionsAreCountedPerClientInWindowsFromTheFirstConnection() {
        Duration minute = Duration.ofMinutes(1);
        assertThat(state.connected(CLIENT, minute).connections()).isEqualTo(1);
        advance(Duration.ofSeconds(30));
        assertThat(state.connected(CLIENT, minute).connections()).isEqualTo(2);
        assertThat(state.connected(OTHER, minute).connections()).isEqualTo(1);
        assertThat(state.connected(CLIENT, Duration.ZERO).connections()).as("not counted").isZero();
        advance(Duration.ofSeconds(30));
        assertThat(state.connected(CLIENT, minute).connections()).as("a new window").isEqualTo(1);
    }

    @Test
    void aPrimarysHealthIsKeptUntilItsTimeToLive() {
        PrimaryHealth up = new PrimaryHealth(true, Instant.parse("2026-11-23T10:00:00Z"), "220 mx1 ESMTP");
        state.publishPrimaryHealth("192.0.2.25:25", up, Duration.ofMinutes(5));
        assertThat(state.primaryHealth("192.0.2.25:25")).contains(up);
        assertThat(state.primaryHealth("192.0.2.26:25")).isEmpty();
        advance(Duration.ofMinutes(5));
        assertThat(state.primaryHealth("192.0.2.25:25")).isEmpty();
    }
}
