package org.mxguard.check;

import java.util.Objects;

/**
 * The verdict of {@link GenericNameClassifier} on one PTR name.
 *
 * @param generic the final name-based verdict: the name looks like an ISP's generic, dynamic or
 *     default name for the address rather than a configured server name
 * @param ipEmbedded the client IP appears in the host part (all of it, or its last two or three
 *     octets next to a dynamic word); when the IP is unknown, an IP-like pattern (four decimal
 *     octets, a hex address, IPv6 groups) appears there
 * @param dynamicWord a dynamic or residential word (dsl, pool, dyn, cable, ...) was found in the host
 *     part; words that only mean something next to an address (host, ip, static, client, ...)
 *     count only when an address was found as well
 * @param mailWord a mail-server word (mail, mx, smtp, mta, out, outbound, relay, ...) was found in
 *     the host part
 * @param reason one short line saying why
 */
public record Classification(boolean generic, boolean ipEmbedded, boolean dynamicWord, boolean mailWord, String reason) {
    public Classification {
        Objects.requireNonNull(reason, "reason");
    }
}
