package org.mxguard.dns;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Where mail for a domain goes: its {@link MailHosts} and, for MX hosts, each host's addresses. */
public record MailRoute(MailHosts hosts, List<HostAddresses> mxHosts) {
    public MailRoute {
        mxHosts = List.copyOf(mxHosts);
    }

    /** One preference level: hosts among which a sender picks at random. */
    public record PreferenceGroup(int preference, List<HostAddresses> hosts) {
        public PreferenceGroup {
            hosts = List.copyOf(hosts);
        }
    }

    public List<PreferenceGroup> groups() {
        Map<Integer, List<HostAddresses>> byPreference = new TreeMap<>();
        for (HostAddresses h : mxHosts) {
            byPreference.computeIfAbsent(h.mx().preference(), p -> new ArrayList<>()).add(h);
        }
        return byPreference.entrySet().stream().map(e -> new PreferenceGroup(e.getKey(), e.getValue())).toList();
    }
}
