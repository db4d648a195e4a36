package org.mxguard.check.generic;

/**
 * An address found in a host part.
 *
 * @param kind how much of which address was found
 * @param form how it was written, for the reason line, e.g. "reversed, dashes" or "hex"
 * @param text the address as found (client IP form), or the IP-like pattern itself
 */
public record IpMatch(Kind kind, String form, String text) {

    public enum Kind {
        /** The whole client address. */
        FULL,
        /** Two or three octets of the client address (or a /64 half of an IPv6 one). */
        PARTIAL,
        /** Something shaped like an address, when the client IP is unknown or not the one written. */
        LIKE
    }
}
