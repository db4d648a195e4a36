package org.mxguard.dns;

import java.util.List;

/**
 * The outcome of one DNS question: records, a definitive negative (NXDOMAIN, NODATA), or a
 * temporary failure that must never be taken as definitive.
 *
 * @param <T> the record data: {@link java.net.InetAddress} for A/AAAA, {@link MxRecord} for MX,
 *            {@link String} host names for PTR and CNAME
 */
public sealed interface DnsAnswer<T> {
    DnsQuestion question();

    /** How long the answer holds: the records' TTL, NXDOMAIN's and NODATA's negative TTL, 0 for a temporary failure. */
    long ttlSeconds();

    /** True for answers that settle the question (records, NXDOMAIN, NODATA). */
    default boolean isDefinitive() {
        return !(this instanceof TempFail<T>);
    }

    /** The records, or an empty list for any other answer. */
    default List<T> values() {
        return this instanceof Records<T> r ? r.records() : List.of();
    }

    /**
     * Records found.
     *
     * @param cnames the alias chain followed to reach the records, first alias first; empty when
     *               the question's name is itself the owner of the records
     */
    record Records<T>(DnsQuestion question, List<T> records, long ttlSeconds, List<String> cnames)
            implements DnsAnswer<T> {
        public Records {
            records = List.copyOf(records);
            cnames = List.copyOf(cnames);
        }

        @Override
        public String toString() {
            return question + " = " + records + (cnames.isEmpty() ? "" : " via CNAME " + cnames)
                    + " (ttl " + ttlSeconds + ")";
        }
    }

    /** The name does not exist. */
    record NxDomain<T>(DnsQuestion question, long negativeTtlSeconds) implements DnsAnswer<T> {
        @Override
        public long ttlSeconds() {
            return negativeTtlSeconds;
        }

        @Override
        public String toString() {
            return question + " = NXDOMAIN";
        }
    }

    /** The name exists but has no records of this type (possibly after following a CNAME). */
    record NoData<T>(DnsQuestion question, long negativeTtlSeconds, List<String> cnames) implements DnsAnswer<T> {
        public NoData {
            cnames = List.copyOf(cnames);
        }

        @Override
        public long ttlSeconds() {
            return negativeTtlSeconds;
        }

        @Override
        public String toString() {
            return question + " = NODATA" + (cnames.isEmpty() ? "" : " via CNAME " + cnames);
        }
    }

    /** SERVFAIL, REFUSED, timeout, network error, malformed answer: ask again later. */
    record TempFail<T>(DnsQuestion question, String reason) implements DnsAnswer<T> {
        @Override
        public long ttlSeconds() {
            return 0;
        }

        @Override
        public String toString() {
            return question + " = TEMPFAIL (" + reason + ")";
        }
    }
}
