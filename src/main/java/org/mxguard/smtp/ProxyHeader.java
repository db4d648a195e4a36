package org.mxguard.smtp;

import java.net.InetSocketAddress;
import java.util.Objects;
import java.util.Optional;

/**
 * What a PROXY protocol header said about the connection: the original client ({@code source})
 * and the address it connected to ({@code destination}), or nothing, in which case the
 * connection's own addresses apply. Addresses are canonical: an IPv4-mapped IPv6 address is IPv4,
 * as for a direct client.
 *
 * @param source      the original client; empty when the real connection's peer applies
 * @param destination the address the original client connected to; present exactly when source is
 * @param local       the v2 LOCAL command: the proxy's own connection (a health check), not a
 *                    relayed one; never with addresses
 */
public record ProxyHeader(Optional<InetSocketAddress> source, Optional<InetSocketAddress> destination,
        boolean local) {
    /** v2 LOCAL: the proxy itself, e.g. a health check. */
    public static final ProxyHeader LOCAL = new ProxyHeader(Optional.empty(), Optional.empty(), true);
    /** v1 UNKNOWN, or a v2 family this gateway does not take (UNSPEC, UNIX, DGRAM): relayed, but from where is not said. */
    public static final ProxyHeader UNKNOWN = new ProxyHeader(Optional.empty(), Optional.empty(), false);

    public ProxyHeader {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(destination, "destination");
        if (source.isPresent() != destination.isPresent()) {
            throw new IllegalArgumentException("source and destination come together");
        }
        if (local && source.isPresent()) {
            throw new IllegalArgumentException("a LOCAL header carries no addresses");
        }
    }

    public static ProxyHeader proxied(InetSocketAddress source, InetSocketAddress destination) {
        return new ProxyHeader(Optional.of(source), Optional.of(destination), false);
    }

    /** The client to serve: the proxied source, else the connection's own peer. */
    public InetSocketAddress clientOr(InetSocketAddress peer) {
        return source.orElse(Objects.requireNonNull(peer, "peer"));
    }

    /** True when the header named the original endpoints. */
    public boolean known() {
        return source.isPresent();
    }
}
