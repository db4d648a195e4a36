package org.mxguard.delivery;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import org.mxguard.dns.DnsAnswer;
import org.mxguard.dns.HostAddresses;

/** One MX host judged for delivery: its addresses, or why it cannot be used. */
record MxCandidate(String name, int preference, List<String> aliasChain, List<InetAddress> ipv4,
        List<InetAddress> ipv6, Usability usability, String problem) {

    enum Usability {
        USABLE,
        /** No address, and a lookup failed temporarily: it may have one later. */
        TEMP_FAILED,
        /** No address: the name does not exist or has no A/AAAA. */
        NO_ADDRESS,
        /**
         * The target is written as an IP address. RFC 5321 §5.1 wants a domain name; Postfix
         * drops such records ("numeric domain name in resource data of MX record"), and so do we,
         * whatever DNS says for the literal taken as a name.
         */
        IP_LITERAL
    }

    MxCandidate {
        aliasChain = List.copyOf(aliasChain);
        ipv4 = List.copyOf(ipv4);
        ipv6 = List.copyOf(ipv6);
    }

    static MxCandidate of(HostAddresses host) {
        String name = host.mx().host();
        int preference = host.mx().preference();
        if (host.isIpLiteral()) {
            return new MxCandidate(name, preference, List.of(), List.of(), List.of(), Usability.IP_LITERAL,
                    "an IP address is not a host name (RFC 5321 §5.1)");
        }
        List<InetAddress> v4 = host.a().values();
        List<InetAddress> v6 = host.aaaa().values();
        List<String> failed = new ArrayList<>(2);
        for (DnsAnswer<InetAddress> answer : List.of(host.a(), host.aaaa())) {
            if (!answer.isDefinitive()) {
                failed.add(answer.toString());
            }
        }
        Usability usability = !v4.isEmpty() || !v6.isEmpty() ? Usability.USABLE
                : failed.isEmpty() ? Usability.NO_ADDRESS : Usability.TEMP_FAILED;
        String problem = switch (usability) {
            case USABLE -> failed.isEmpty() ? "" : String.join(", ", failed);
            case NO_ADDRESS -> "no address (" + host.a() + ", " + host.aaaa() + ")";
            default -> String.join(", ", failed);
        };
        return new MxCandidate(name, preference, host.aliasChain(), v4, v6, usability, problem);
    }

    boolean isUsable() {
        return usability == Usability.USABLE;
    }

    /** Ourselves by name (the target or a name in its alias chain) or by one of its addresses. */
    boolean isSelf(Myself me) {
        return me.isNamed(name) || aliasChain.stream().anyMatch(me::isNamed)
                || ipv4.stream().anyMatch(me::owns) || ipv6.stream().anyMatch(me::owns);
    }

    /** "mx.example.org (preference 10)", as notes and texts name a host. */
    String label() {
        return name + " (preference " + preference + ")";
    }
}
