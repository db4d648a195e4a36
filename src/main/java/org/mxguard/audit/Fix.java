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
    public Fix {
        Objects.requireNonNull(advice, "advice");
        records = List.copyOf(records);
        askIpOwner = List.copyOf(askIpOwner);
    }

    public static Fix advice(String advice) {
        return new Fix(advice, List.of(), List.of());
    }
}
