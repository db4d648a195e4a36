package org.mxguard.cluster;

/**
 * What is known about a client as its connection starts, read in one step (one Redis round trip
 * when shared).
 *
 * @param trapped        it connected to a trap MX and the record has not expired
 * @param passedGreeting it waited for the whole banner once and the pass has not expired
 * @param connections    connections from it in the current rate window, this one included; 0 when not counted
 */
public record ClientStanding(boolean trapped, boolean passedGreeting, long connections) {
    /** Nothing known: what a node answers when it cannot tell. */
    public static final ClientStanding UNKNOWN = new ClientStanding(false, false, 0);
}
