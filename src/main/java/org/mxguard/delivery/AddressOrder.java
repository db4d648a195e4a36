package org.mxguard.delivery;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * Which address family of one host is tried first. Within a family the DNS order is kept
 * (resolvers already rotate record sets).
 */
public enum AddressOrder {
    /**
     * The default: receivers judge IPv4 senders by long-standing reputation and are often stricter
     * with IPv6 ones (reverse DNS, authentication), so IPv4 is the likelier first success.
     */
    IPV4_FIRST,
    IPV6_FIRST;

    List<InetAddress> arrange(List<InetAddress> ipv4, List<InetAddress> ipv6) {
        List<InetAddress> all = new ArrayList<>(ipv4.size() + ipv6.size());
        all.addAll(this == IPV4_FIRST ? ipv4 : ipv6);
        all.addAll(this == IPV4_FIRST ? ipv6 : ipv4);
        return all;
    }
}
