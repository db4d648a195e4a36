package org.mxguard.cluster;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.mxguard.dns.CachingResolver;
import org.mxguard.dns.DnsAnswer;
import org.mxguard.dns.DnsNames;
import org.mxguard.dns.DnsQuestion;
import org.mxguard.dns.RecordType;

/**
 * Shares the inputs of a client's connect-time verdict between nodes: the answers about its
 * reverse DNS (the PTR question and the A and AAAA questions of every PTR name, what iprev,
 * generic-ptr and reverse-mx's PTR name are judged on). The node that checked a client first
 * publishes them in the {@link SharedState} with the rest of the client's standing; a node the
 * client reaches next finds them in the standing it reads anyway (no extra round trip), puts them
 * in its DNS cache for what is left of their TTLs, and judges the client on the same answers
 * without asking DNS. The checks and their query budgets see cache hits, as for any cached answer.
 */
public final class ReverseDnsSharing {
    private final CachingResolver cache;
    private final SharedState state;

    /**
     * @param cache the node's DNS cache, which the checks ask
     * @param state where the answers go for the other nodes
     */
    public ReverseDnsSharing(CachingResolver cache, SharedState state) {
        this.cache = Objects.requireNonNull(cache, "cache");
        this.state = Objects.requireNonNull(state, "state");
    }

    /** Puts the answers another node shared into this node's cache, before the client's checks start. */
    public void adopt(ClientStanding standing) {
        for (DnsAnswer<?> answer : standing.reverseDns()) {
            cache.adopt(answer);
        }
    }

    /**
     * Publishes the client's reverse-DNS answers this node holds, once its connect checks have
     * answered; nothing when one of them is missing (the query budget stopped it, or it failed
     * temporarily and so was not cached).
     */
    public void publish(InetAddress client) {
        answers(client).ifPresent(answers -> state.shareReverseDns(client, answers));
    }

    /** The PTR answer and, when it names hosts, the A and AAAA answer of each: all, or none. */
    Optional<List<DnsAnswer<?>>> answers(InetAddress client) {
        Optional<DnsAnswer<?>> ptr = cache.held(new DnsQuestion(DnsNames.reverseName(client), RecordType.PTR));
        if (ptr.isEmpty()) {
            return Optional.empty();
        }
        List<DnsAnswer<?>> answers = new ArrayList<>();
        answers.add(ptr.get());
        for (Object name : new LinkedHashSet<>(ptr.get().values())) {
            for (RecordType type : List.of(RecordType.A, RecordType.AAAA)) {
                Optional<DnsAnswer<?>> forward = cache.held(new DnsQuestion(name.toString(), type));
                if (forward.isEmpty()) {
                    return Optional.empty();
                }
                answers.add(forward.get());
            }
        }
        return Optional.of(answers);
    }
}
