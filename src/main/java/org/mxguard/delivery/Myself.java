package org.mxguard.delivery;

import java.net.InetAddress;
import java.util.Set;
import java.util.stream.Collectors;
import org.mxguard.dns.DnsNames;

/**
 * The host names and addresses this gateway receives mail as, to notice when an MX host is
 * ourselves (RFC 5321 §5.1): relaying to it would send the message back to us. Its own record,
 * not {@code check.LocalIdentity}, because {@code delivery} depends on {@code dns} only; the
 * wiring builds it from the same {@code [identity]} settings.
 */
public record Myself(Set<String> hostNames, Set<InetAddress> addresses) {
    public Myself {
        hostNames = hostNames.stream().map(DnsNames::normalize).collect(Collectors.toUnmodifiableSet());
        addresses = addresses.stream().map(DnsNames::canonical).collect(Collectors.toUnmodifiableSet());
    }

    /** No identity known: no host is recognised as ourselves. */
    public static Myself unknown() {
        return new Myself(Set.of(), Set.of());
    }

    public boolean isNamed(String host) {
        return hostNames.contains(DnsNames.normalize(host));
    }

    public boolean owns(InetAddress address) {
        return addresses.contains(DnsNames.canonical(address));
    }
}
