package org.mxguard.dns;

import java.time.Duration;

/**
 * Told of every question that went to the network and how long its answer took, retries included
 * (cache hits are not questions to the network and are not reported). It lives here, not with the
 * metrics, so that the DNS layer depends on nothing above it; {@code web.GatewayMetrics} provides
 * one that feeds {@code mxguard_dns_query_seconds}.
 *
 * <p>Called on the thread that completed the lookup: an implementation must be quick and must not
 * throw.
 */
@FunctionalInterface
public interface DnsObserver {
    /** Observes nothing. */
    DnsObserver NONE = (took, outcome) -> {
    };

    /** The outcome of an answer: records. */
    String RECORDS = "records";
    /** The outcome of an answer: NXDOMAIN. */
    String NXDOMAIN = "nxdomain";
    /** The outcome of an answer: NOERROR without records of the type asked. */
    String NODATA = "nodata";
    /** The outcome of an answer: a timeout, network error or malformed answer, after every retry. */
    String TEMPFAIL = "tempfail";

    /**
     * @param took    from sending the question until its answer was known, retries included
     * @param outcome one of {@link #RECORDS}, {@link #NXDOMAIN}, {@link #NODATA}, {@link #TEMPFAIL}
     *                ({@link #outcome(DnsAnswer)} gives it)
     */
    void answered(Duration took, String outcome);

    /** The outcome label of an answer; a null answer (the lookup itself failed) is a tempfail. */
    static String outcome(DnsAnswer<?> answer) {
        if (answer == null) {
            return TEMPFAIL;
        }
        return switch (answer) {
            case DnsAnswer.Records<?> r -> RECORDS;
            case DnsAnswer.NxDomain<?> n -> NXDOMAIN;
            case DnsAnswer.NoData<?> n -> NODATA;
            case DnsAnswer.TempFail<?> t -> TEMPFAIL;
        };
    }
}
