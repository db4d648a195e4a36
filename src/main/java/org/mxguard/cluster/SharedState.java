package org.mxguard.cluster;

import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.mxguard.dns.DnsAnswer;

/**
 * What one node learns about clients, kept where every node can read it. Addresses are given in
 * canonical form (an IPv4 client never as {@code ::ffff:a.b.c.d}). No method throws for the store
 * being unreachable: a shared store falls back to the node's own state, because refusing or
 * delaying mail for a missing cache would turn an outage of the cache into an outage of mail.
 */
public interface SharedState extends AutoCloseable {
    /**
     * The client's standing as its connection starts; with a positive {@code rateWindow} this
     * connection is also counted in the client's current window of that length.
     */
    ClientStanding connected(InetAddress client, Duration rateWindow);

    /** Whether the client connected to a trap MX within that record's expiry. */
    boolean trapped(InetAddress client);

    /**
     * Records a connection to the trap MX, for {@code expiry} from now (again, if it was recorded).
     *
     * @return true when it was not recorded before (or its record had expired)
     */
    boolean recordTrapHit(InetAddress client, Duration expiry);

    /** Records that the client waited for the whole banner, so it is not made to wait again for {@code ttl}. */
    void recordGreetingPass(InetAddress client, Duration ttl);

    /**
     * Shares what this node's DNS answered about the client's reverse DNS (the PTR question and
     * the A and AAAA questions of every PTR name), each answer's TTL being what is left of it, so
     * that the other nodes judge the client on the same answers without asking DNS again. Only
     * definitive answers; kept until the first of them expires.
     */
    void shareReverseDns(InetAddress client, List<DnsAnswer<?>> answers);

    /** The latest probe of a backup-MX domain's primary that any node published, if not expired. */
    Optional<PrimaryHealth> primaryHealth(String key);

    /** Publishes a probe result under {@code key} (the primary's address and port) for {@code ttl}. */
    void publishPrimaryHealth(String key, PrimaryHealth health, Duration ttl);

    /** Stops using the store; the in-process state needs nothing. */
    @Override
    default void close() {
    }
}
