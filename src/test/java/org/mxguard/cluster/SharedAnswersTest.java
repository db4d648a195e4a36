package org.mxguard.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.mxguard.dns.DnsAnswer;
import org.mxguard.dns.DnsQuestion;
import org.mxguard.dns.RecordType;

class SharedAnswersTest {
    private static final Instant NOW = Instant.parse("2026-11-23T12:00:00Z");
    private static final DnsQuestion PTR = DnsQuestion.of("5.1.0.127.in-addr.arpa", RecordType.PTR);

    private static List<DnsAnswer<?>> reverseDns() throws Exception {
        return List.of(
                new DnsAnswer.Records<>(PTR, List.of("mail.multi.test", "bogus.multi.test"), 3600, List.of()),
                new DnsAnswer.Records<>(DnsQuestion.of("mail.multi.test", RecordType.A),
                        List.of(InetAddress.getByName("127.0.1.5")), 300, List.of("alias.multi.test")),
                new DnsAnswer.NoData<>(DnsQuestion.of("mail.multi.test", RecordType.AAAA), 600, List.of()),
                new DnsAnswer.NxDomain<>(DnsQuestion.of("bogus.multi.test", RecordType.A), 900),
                new DnsAnswer.Records<>(DnsQuestion.of("bogus.multi.test", RecordType.AAAA),
                        List.of(InetAddress.getByName("2001:db8::5")), 120, List.of()));
    }

    @Test
    void answersReadAtOnceAreTheAnswersStored() throws Exception {
        String stored = SharedAnswers.encode(reverseDns(), NOW);

        assertThat(SharedAnswers.decode(stored, NOW)).isEqualTo(reverseDns());
        assertThat(SharedAnswers.shortestTtlMillis(reverseDns())).isEqualTo(120_000);
    }

    @Test
    void readLaterEachAnswerHasOnlyTheTimeLeftAndExpiredOnesAreGone() throws Exception {
        String stored = SharedAnswers.encode(reverseDns(), NOW);

        List<DnsAnswer<?>> later = SharedAnswers.decode(stored, NOW.plusSeconds(200));

        assertThat(later).hasSize(4).noneMatch(a -> a.question().equals(DnsQuestion.of("bogus.multi.test", RecordType.AAAA)));
        assertThat(((DnsAnswer.Records<?>) later.get(0)).ttlSeconds()).isEqualTo(3400);
        assertThat(((DnsAnswer.Records<?>) later.get(1)).ttlSeconds()).isEqualTo(100);
        assertThat(((DnsAnswer.Records<?>) later.get(1)).cnames()).containsExactly("alias.multi.test");
        assertThat(((DnsAnswer.NoData<?>) later.get(2)).negativeTtlSeconds()).isEqualTo(400);
        assertThat(((DnsAnswer.NxDomain<?>) later.get(3)).negativeTtlSeconds()).isEqualTo(700);
        assertThat(SharedAnswers.decode(stored, NOW.plusSeconds(3600))).isEmpty();
    }

    @Test
    void anythingMalformedGivesNoAnswersSoTheNodeAsksDnsItself() {
        String good = "{\"q\":\"mail.test\",\"t\":\"A\",\"k\":\"records\",\"v\":[\"127.0.0.1\"],\"x\":" + NOW.plusSeconds(60).toEpochMilli() + "}";
        assertThat(SharedAnswers.decode("[" + good + "]", NOW)).hasSize(1);

        for (String bad : List.of("", "not json", "{}", "[1]", "[" + good + ",{\"t\":\"A\"}]",
                "[" + good.replace("\"A\"", "\"MX\"") + "]", "[" + good.replace("\"A\"", "\"TXT\"") + "]",
                "[" + good.replace("127.0.0.1", "mail.example") + "]", "[" + good.replace("records", "maybe") + "]",
                "[" + good.replace("[\"127.0.0.1\"]", "[]") + "]", "[" + good.replace("\"x\":", "\"y\":") + "]")) {
            assertThat(SharedAnswers.decode(bad, NOW)).as(bad).isEmpty();
        }
        assertThat(SharedAnswers.decode(null, NOW)).isEmpty();
    }

    @Test
    void aTemporaryFailureIsNeverShared() {
        assertThatThrownBy(() -> SharedAnswers.encode(List.of(new DnsAnswer.TempFail<>(PTR, "SERVFAIL")), NOW))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
