package org.mxguard.testkit;

/** What a {@link FakeDnsServer} does with a question. */
public enum Behaviour {
    /**
     * Answer from the configured records, following CNAMEs the server knows; NODATA when the name
     * has records of other types only, NXDOMAIN (with CNAMEs followed so far) when it has none.
     */
    ANSWER,
    /** Rcode NXDOMAIN with the zone's SOA in the authority section. */
    NXDOMAIN,
    /** NOERROR, empty answer section, the zone's SOA in the authority section. */
    NODATA,
    /** Rcode SERVFAIL, nothing else. */
    SERVFAIL,
    /** Rcode REFUSED, nothing else. */
    REFUSED,
    /** Never answer (the client times out). The query is still counted. */
    DROP,
    /** Bytes no DNS parser accepts (the query's id, then a header promising more than follows). */
    GARBAGE,
    /** The {@link #ANSWER} answer with another message id. */
    WRONG_ID,
    /** The {@link #ANSWER} answer for another name (question section and owners renamed). */
    WRONG_QUESTION,
    /** Over UDP: TC bit, no records. Over TCP: the {@link #ANSWER} answer. */
    TRUNCATE_UDP,
    /** TC bit and no records over UDP and over TCP. */
    TRUNCATE_ALWAYS,
    /** Over UDP: TC bit, no records. Over TCP: the connection is closed without an answer. */
    TRUNCATE_UDP_TCP_CLOSED,
    /** The {@link #ANSWER} answer cut short: the header and half of the rest (no TC bit). */
    SHORT,
    /** The {@link #ANSWER} answer with another type (TXT) in its question section. */
    WRONG_TYPE
}
