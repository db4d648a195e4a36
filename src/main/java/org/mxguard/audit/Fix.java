package org.mxguard.audit;

import java.util.List;
import java.util.Objects;

/**
 * What to do about a finding.
 *
 * @param advice one or two sentences for people
 * @param records zone-file lines to add to your own zones (absolute names)
 * @param askIpOwner PTR lines only the owner of the address (ISP, hosting provider) can publish
 */
public record Fix(String advice, List<String> records, List<String> askIpOwner) {
    /** Stands, in a record, for an address the audit cannot know (a server you have yet to set up). */
    public static final String SOME_ADDRESS = "<address>";

    public Fix {
        Objects.requireNonNull(advice, "advice");
        records = List.copyOf(records);
        askIpOwner = List.copyOf(askIpOwner);
    }

    /** True when a record waits for an address only the administrator knows ({@link #SOME_ADDRESS}). */
    public boolean needsAddress() {
        return records.stream().anyMatch(r -> r.contains(SOME_ADDRESS));
    }

    public static Fix advice(String advice) {
        return new Fix(advice, List.of(), List.of());
    }
}
