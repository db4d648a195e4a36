package org.mxguard.dns;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

/** Typed views of {@link DnsAnswer}s for assertions (failing when the answer has another kind). */
final class Answers {
    private Answers() {
    }

    static DnsAnswer.Records<?> records(DnsAnswer<?> answer) {
        assertThat(answer).isInstanceOf(DnsAnswer.Records.class);
        return (DnsAnswer.Records<?>) answer;
    }

    /** The records, as a list of objects AssertJ can compare with anything. */
    static List<Object> values(DnsAnswer<?> answer) {
        return List.copyOf(answer.values());
    }

    static List<Object> recordValues(DnsAnswer<?> answer) {
        return List.copyOf(records(answer).records());
    }

    static DnsAnswer.NoData<?> noData(DnsAnswer<?> answer) {
        assertThat(answer).isInstanceOf(DnsAnswer.NoData.class);
        return (DnsAnswer.NoData<?>) answer;
    }

    static DnsAnswer.NxDomain<?> nxDomain(DnsAnswer<?> answer) {
        assertThat(answer).isInstanceOf(DnsAnswer.NxDomain.class);
        return (DnsAnswer.NxDomain<?>) answer;
    }

    /** The reason of a TempFail. */
    static String tempFail(DnsAnswer<?> answer) {
        assertThat(answer).isInstanceOf(DnsAnswer.TempFail.class);
        assertThat(answer.isDefinitive()).isFalse();
        return ((DnsAnswer.TempFail<?>) answer).reason();
    }
}
