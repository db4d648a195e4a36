package org.mxguard.audit;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One named result of the audit.
 *
 * @param id stable kebab-case name of the check outcome ({@code mx-target-cname}), for monitoring
 * @param severity how it weighs
 * @param subject what it is about: the domain, an MX host name or an IP address
 * @param summary one line saying what was found
 * @param evidence the DNS answers (or inputs) it rests on, one line each
 * @param fix what to change; empty for a pass
 */
public record Finding(String id, Severity severity, String subject, String summary, List<String> evidence, Optional<Fix> fix) {
    public Finding {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(severity, "severity");
        Objects.requireNonNull(subject, "subject");
        Objects.requireNonNull(summary, "summary");
        evidence = List.copyOf(evidence);
        Objects.requireNonNull(fix, "fix");
    }

    static Finding pass(String id, String subject, String summary, List<String> evidence) {
        return new Finding(id, Severity.PASS, subject, summary, evidence, Optional.empty());
    }

    static Finding of(String id, Severity severity, String subject, String summary, List<String> evidence, Fix fix) {
        return new Finding(id, severity, subject, summary, evidence, Optional.of(fix));
    }
}
