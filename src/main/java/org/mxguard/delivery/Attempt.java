package org.mxguard.delivery;

import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * One connection to try.
 *
 * @param host       the MX target, next hop or smart host name as configured or published (an IP
 *                   text for address literals); what TLS and logs refer to
 * @param address    a resolved address and port
 * @param preference the MX preference; 0 for an implicit MX, a next hop or an address literal
 */
public record Attempt(String host, InetSocketAddress address, int preference) {
    public Attempt {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(address, "address");
        if (address.isUnresolved()) {
            throw new IllegalArgumentException("an attempt needs a resolved address: " + address);
        }
    }
}
