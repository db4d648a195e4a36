package org.mxguard.check;

import java.net.InetAddress;
import java.util.Set;
import java.util.stream.Collectors;
import org.mxguard.dns.DnsNames;

/** The names and addresses this gateway answers as: a client claiming them in HELO is lying. */
public record LocalIdentity(Set<String> hostNames, Set<InetAddress> addresses) {
    public LocalIdentity {
        hostNames = hostNames.stream().map(DnsNames::normalize).collect(Collectors.toUnmodifiableSet());
        addresses = addresses.stream().map(DnsNames::canonical).collect(Collectors.toUnmodifiableSet());
    }

    public static LocalIdentity none() {
        return new LocalIdentity(Set.of(), Set.of());
    }
}
