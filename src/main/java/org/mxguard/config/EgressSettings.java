package org.mxguard.config;

import java.net.InetAddress;
import java.util.Objects;
import java.util.Optional;

/**
 * One {@code [[egress]]} address mail may leave from.
 *
 * @param address  a local address to bind outgoing connections to
 * @param heloName the EHLO name to give from it; empty: its PTR name, looked up when delivery starts
 */
public record EgressSettings(InetAddress address, Optional<String> heloName) {
    public EgressSettings {
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(heloName, "heloName");
    }
}
