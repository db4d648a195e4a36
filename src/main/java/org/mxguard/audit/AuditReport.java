package org.mxguard.audit;

import java.net.InetAddress;
import java.util.Comparator;
import java.util.List;

/** The audit of one domain: every finding, most severe first (stable within a severity). */
public record AuditReport(String domain, List<InetAddress> egress, List<Finding> findings) {
    public AuditReport {
        egress = List.copyOf(egress);
        findings = findings.stream().sorted(Comparator.comparing(Finding::severity)).toList();
    }

    public boolean has(Severity severity) {
        return findings.stream().anyMatch(f -> f.severity() == severity);
    }

    public long count(Severity severity) {
        return findings.stream().filter(f -> f.severity() == severity).count();
    }

    public List<Finding> with(Severity severity) {
        return findings.stream().filter(f -> f.severity() == severity).toList();
    }
}
