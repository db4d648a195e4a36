package org.mxguard.delivery;

import java.net.InetAddress;
import java.util.Objects;

/**
 * One address mail may leave from (multi-WAN), with the name to give in EHLO from it. Receivers
 * compare that name with the address's PTR name, so the wiring defaults it to the PTR name.
 */
public record Egress(InetAddress source, String heloName) {
    public Egress {
        Objects.requireNonNull(source, "source");
        if (heloName == null || heloName.isBlank() || !heloName.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
            throw new IllegalArgumentException("not a usable HELO name for " + source.getHostAddress() + ": " + heloName);
        }
    }

    @Override
    public String toString() {
        return source.getHostAddress() + " (" + heloName + ")";
    }
}
