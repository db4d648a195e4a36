package org.mxguard.dns;

import java.util.Locale;
import java.util.Objects;

/**
 * One DNS question. Names are kept absolute-less, lower case and without the trailing dot, so
 * that "Mail.Example.org." and "mail.example.org" share one cache entry.
 */
public record DnsQuestion(String name, RecordType type) {
    public DnsQuestion {
        Objects.requireNonNull(type, "type");
        name = DnsNames.normalize(Objects.requireNonNull(name, "name"));
    }

    public static DnsQuestion of(String name, RecordType type) {
        return new DnsQuestion(name, type);
    }

    @Override
    public String toString() {
        return type + " " + name;
    }
}
