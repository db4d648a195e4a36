package org.mxguard.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;

class BackoffTest {
    private static final Instant ARRIVAL = Instant.parse("2025-03-01T10:00:00Z");
    /** nextDouble() is 0: no jitter at all. */
    private static final RandomGenerator NO_JITTER = () -> 0L;

    private final Backoff postfix = Backoff.postfixDefaults(NO_JITTER);

    @Test
    void defaultsAreThoseOfPostfix() {
        assertThat(postfix.minimum()).isEqualTo(Duration.ofSeconds(300));
        assertThat(postfix.maximum()).isEqualTo(Duration.ofSeconds(4000));
        assertThat(postfix.lifetime()).isEqualTo(Duration.ofDays(5));
    }

    @Test
    void startsAtTheMinimumAndDoublesUpToTheMaximum() {
        assertThat(postfix.delay(1)).isEqualTo(Duration.ofSeconds(300));
        assertThat(postfix.delay(2)).isEqualTo(Duration.ofSeconds(600));
        assertThat(postfix.delay(3)).isEqualTo(Duration.ofSeconds(1200));
        assertThat(postfix.delay(4)).isEqualTo(Duration.ofSeconds(2400));
        assertThat(postfix.delay(5)).isEqualTo(Duration.ofSeconds(4000));
        assertThat(postfix.delay(6)).isEqualTo(Duration.ofSeconds(4000));
        assertThat(postfix.delay(1_000_000)).isEqualTo(Duration.ofSeconds(4000));
    }

    @Test
    void theNextAttemptCountsFromTheEndOfTheLastOne() {
        Instant now = ARRIVAL.plusSeconds(1000);
        assertThat(postfix.nextAttempt(ARRIVAL, 1, now)).isEqualTo(now.plusSeconds(300));
        assertThat(postfix.nextAttempt(ARRIVAL, 3, now)).isEqualTo(now.plusSeconds(1200));
    }

    @Test
    void jitterOnlyEverShortensTheDelayByAtMostItsFraction() {
        Backoff jittery = new Backoff(Duration.ofSeconds(300), Duration.ofSeconds(4000), Duration.ofDays(5), 0.1, new SplittableRandom(3));
        Instant now = ARRIVAL;
        var seen = new java.util.HashSet<Instant>();
        for (int i = 0; i < 1000; i++) {
            Instant next = jittery.nextAttempt(ARRIVAL, 1, now);
            assertThat(next).isBetween(now.plusSeconds(270), now.plusSeconds(300));
            seen.add(next);
        }
        assertThat(seen).hasSizeGreaterThan(100);
    }

    @Test
    void theLastAttemptComesExactlyWhenTheLifetimeEnds() {
        Instant end = ARRIVAL.plus(Duration.ofDays(5));
        Instant now = end.minusSeconds(100);
        assertThat(postfix.nextAttempt(ARRIVAL, 10, now)).isEqualTo(end);
        // once the end is behind (a bounce could not be handed over), the plain schedule again
        assertThat(postfix.nextAttempt(ARRIVAL, 10, end.plusSeconds(1))).isEqualTo(end.plusSeconds(4001));
    }

    @Test
    void expiresWhenTheLifetimeIsUp() {
        Instant end = ARRIVAL.plus(Duration.ofDays(5));
        assertThat(postfix.expired(ARRIVAL, end.minusMillis(1))).isFalse();
        assertThat(postfix.expired(ARRIVAL, end)).isTrue();
    }

    @Test
    void refusesASenselessSchedule() {
        assertThatThrownBy(() -> new Backoff(Duration.ZERO, Duration.ofSeconds(1), Duration.ofDays(1), 0, NO_JITTER))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Backoff(Duration.ofSeconds(2), Duration.ofSeconds(1), Duration.ofDays(1), 0, NO_JITTER))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ofDays(1), 1, NO_JITTER))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> postfix.delay(0)).isInstanceOf(IllegalArgumentException.class);
    }
}
