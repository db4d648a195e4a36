package org.mxguard.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.CharRange;
import net.jqwik.api.constraints.StringLength;

/** The text form: a canonical, file-name-safe spelling that sorts like the ids themselves. */
class QueueIdPropertiesTest {

    @Provide
    Arbitrary<QueueId> ids() {
        Arbitrary<Long> stamps = Arbitraries.oneOf(
                Arbitraries.longs().greaterOrEqual(0),
                Arbitraries.longs().between(1_740_000_000_000L << 20, 1_740_000_000_010L << 20));
        return Combinators.combine(stamps, Arbitraries.integers().between(0, (1 << QueueId.NODE_BITS) - 1))
                .as(QueueId::new);
    }

    @Property
    void textRoundTrips(@ForAll("ids") QueueId id) {
        assertThat(id.toString()).hasSize(QueueId.LENGTH).matches("[0-9a-v]+");
        assertThat(QueueId.parse(id.toString())).isEqualTo(id);
    }

    @Property
    void textSortsLikeTheIds(@ForAll("ids") QueueId a, @ForAll("ids") QueueId b) {
        assertThat(Integer.signum(a.toString().compareTo(b.toString()))).isEqualTo(Integer.signum(a.compareTo(b)));
    }

    @Property
    void onlyTheCanonicalSpellingParses(@ForAll @StringLength(17) @CharRange(from = '0', to = 'z') String text) {
        if (QueueId.isValid(text)) {
            assertThat(QueueId.parse(text).toString()).isEqualTo(text);
        }
    }

    @Example
    void rejectsWhatIsNotAnId() {
        for (String text : new String[] {"", "0000000000000000", "000000000000000000", "../../../etc/pass",
                "0000000000000000W", "000000000000000w0", "80000000000000000", "00000000000.00000"}) {
            assertThat(QueueId.isValid(text)).as(text).isFalse();
            assertThatThrownBy(() -> QueueId.parse(text)).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Example
    void knowsItsMillisecond() {
        Instant when = Instant.parse("2025-03-01T10:00:00.123Z");
        QueueId id = new QueueId(when.toEpochMilli() << QueueId.SEQUENCE_BITS | 7, 3);
        assertThat(id.time()).isEqualTo(when);
        assertThat(QueueId.parse(id.toString()).time()).isEqualTo(when);
    }
}
