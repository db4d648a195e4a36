package org.mxguard.dns;

/** One MX record: a preference and a target host name (normalized, no trailing dot; "" for null MX). */
public record MxRecord(int preference, String host) implements Comparable<MxRecord> {
    public MxRecord {
        host = DnsNames.normalize(host);
    }

    /** RFC 7505: a single MX of preference 0 whose target is the root. */
    public boolean isNullMx() {
        return host.isEmpty();
    }

    @Override
    public int compareTo(MxRecord other) {
        return Integer.compare(preference, other.preference);
    }

    @Override
    public String toString() {
        return preference + " " + (host.isEmpty() ? "." : host);
    }
}
