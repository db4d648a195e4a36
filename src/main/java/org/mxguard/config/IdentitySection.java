package org.mxguard.config;

import java.net.InetAddress;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.mxguard.check.HostNameSyntax;
import org.mxguard.check.LocalIdentity;
import org.mxguard.dns.DnsNames;
import org.mxguard.dns.InetAddresses;

/** Reads {@code [identity]}: the names and addresses this gateway answers as. */
final class IdentitySection {
    static final List<String> KEYS = List.of("hostnames", "addresses");

    private IdentitySection() {
    }

    static LocalIdentity read(ConfigNode identity) throws ConfigException {
        if (!identity.isPresent()) {
            return LocalIdentity.none();
        }
        identity.allowOnly(KEYS, "a table [identity]");
        Set<String> names = new LinkedHashSet<>();
        ConfigNode hostnames = identity.get("hostnames");
        if (hostnames.isPresent()) {
            for (ConfigNode n : hostnames.elements("an array of host names")) {
                String name = DnsNames.normalize(n.text());
                String problem = HostNameSyntax.problem(name);
                if (problem != null) {
                    throw n.error(ConfigNode.quote(n.text()) + " is not a valid host name: " + problem);
                }
                names.add(name);
            }
        }
        Set<InetAddress> addresses = new LinkedHashSet<>();
        ConfigNode ips = identity.get("addresses");
        if (ips.isPresent()) {
            for (ConfigNode a : ips.elements("an array of IP addresses")) {
                Optional<InetAddress> ip = InetAddresses.parse(a.text());
                if (ip.isEmpty()) {
                    throw a.error(ConfigNode.quote(a.text()) + " is not an IP address");
                }
                addresses.add(ip.get());
            }
        }
        return new LocalIdentity(names, addresses);
    }
}
