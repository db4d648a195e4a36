package org.mxguard.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class EgressPoolTest {
    private final SmtpClientReuseTest.MutableClock clock = new SmtpClientReuseTest.MutableClock();
    private final Egress wan1 = new Egress(ip("192.0.2.10"), "out1.example.org");
    private final Egress wan2 = new Egress(ip("198.51.100.10"), "out2.example.org");
    private final Egress wan6 = new Egress(ip("2001:db8::10"), "out6.example.org");
    private final EgressPool pool = new EgressPool(List.of(wan1, wan2, wan6), clock);

    @Test
    void firstInOrderWhenAllAreUp() {
        assertThat(pool.select()).hasValue(wan1);
    }

    @Test
    void nextOneWhileTheFirstIsDown() {
        pool.markDown(wan1.source(), clock.instant().plus(Duration.ofMinutes(5)));

        assertThat(pool.select()).hasValue(wan2);
        assertThat(pool.isUp(wan1.source())).isFalse();
        assertThat(pool.downUntil(wan1.source())).hasValue(clock.instant().plus(Duration.ofMinutes(5)));
    }

    @Test
    void backWhenItsTimeIsUp() {
        pool.markDown(wan1.source(), clock.instant().plus(Duration.ofMinutes(5)));

        clock.advance(Duration.ofMinutes(5));

        assertThat(pool.select()).hasValue(wan1);
        assertThat(pool.downUntil(wan1.source())).isEmpty();
    }

    @Test
    void markUpEndsItEarly() {
        pool.markDown(wan1.source(), clock.instant().plus(Duration.ofMinutes(5)));
        pool.markUp(wan1.source());

        assertThat(pool.select()).hasValue(wan1);
    }

    @Test
    void aShorterMarkDoesNotUndoALongerOne() {
        Instant later = clock.instant().plus(Duration.ofMinutes(10));
        pool.markDown(wan1.source(), later);
        pool.markDown(wan1.source(), clock.instant().plus(Duration.ofMinutes(1)));

        assertThat(pool.downUntil(wan1.source())).hasValue(later);
    }

    @Test
    void noneWhenAllAreDown() {
        Instant until = clock.instant().plus(Duration.ofMinutes(1));
        pool.egresses().forEach(e -> pool.markDown(e.source(), until));

        assertThat(pool.select()).isEmpty();
    }

    @Test
    void sameFamilyAsTheTarget() {
        assertThat(pool.select(ip("2001:db8:1::25"))).hasValue(wan6);
        assertThat(pool.select(ip("203.0.113.25"))).hasValue(wan1);

        pool.markDown(wan6.source(), clock.instant().plus(Duration.ofMinutes(1)));

        assertThat(pool.select(ip("2001:db8:1::25"))).isEmpty();
    }

    @Test
    void configurationMistakes() {
        assertThatThrownBy(() -> new EgressPool(List.of(), clock)).hasMessageContaining("at least one");
        assertThatThrownBy(() -> new EgressPool(List.of(wan1, new Egress(wan1.source(), "other.example.org")), clock))
                .hasMessageContaining("listed twice");
        assertThatThrownBy(() -> pool.markDown(ip("203.0.113.1"), clock.instant()))
                .hasMessageContaining("not a configured egress");
        assertThatThrownBy(() -> new Egress(wan1.source(), "two words")).hasMessageContaining("HELO name");
    }

    /** Literals only: InetAddress.getByName does not look these up. */
    private static InetAddress ip(String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }
}
