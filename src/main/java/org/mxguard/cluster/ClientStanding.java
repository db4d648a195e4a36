package org.mxguard.cluster;

import java.util.List;
import org.mxguard.dns.DnsAnswer;

/**
 * What is known about a client as its connection starts, read in one step (one Redis round trip
 * when shared).
 *
 * @param trapped        it connected to a trap MX and the record has not expired
 * @param passedGreeting it waited for the whole banner once and the pass has not expired
 * @param connections    connections from it in the current rate window, this one included; 0 when not counted
 * @param reverseDns     the answers about its reverse DNS (its PTR names and their addresses) that
 *                       another node shared, each with the TTL it has left; empty when none
 */
public record ClientStanding(boolean trapped, boolean passedGreeting, long connections, List<DnsAnswer<?>> reverseDns) {
    /** Nothing known: what a node answers when it cannot tell. */
    public static final ClientStanding UNKNOWN = new ClientStanding(false, false, 0);

    public ClientStanding {
        reverseDns = List.copyOf(reverseDns);
    }

    public ClientStanding(boolean trapped, boolean passedGreeting, long connections) {
        this(trapped, passedGreeting, connections, List.of());
    }
}
