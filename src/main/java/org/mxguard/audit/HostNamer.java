package org.mxguard.audit;

import java.util.HashSet;
import java.util.Set;

/**
 * Proposes host names for fixes that need a new one (mx2.example.net, mx3.example.net, ...), never
 * one the domain already uses as an MX host, never the same one twice in a report.
 */
final class HostNamer {
    private final String domain;
    private final Set<String> taken;
    private String last;

    HostNamer(String domain, Set<String> taken) {
        this.domain = domain;
        this.taken = new HashSet<>(taken);
    }

    String fresh() {
        for (int n = 1; ; n++) {
            String name = "mx" + n + "." + domain;
            if (taken.add(name)) {
                last = name;
                return name;
            }
        }
    }

    /** The name {@link #fresh()} returned last. */
    String last() {
        return last;
    }
}
