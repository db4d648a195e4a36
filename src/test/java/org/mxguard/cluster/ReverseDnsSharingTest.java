package org.mxguard.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.mxguard.check.ReverseDns;
import org.mxguard.dns.CachingResolver;
import org.mxguard.dns.DnsAnswer;
import org.mxguard.dns.DnsClient;
import org.mxguard.dns.Lookups;
import org.mxguard.dns.RecordType;
import org.mxguard.testkit.FakeDns;
import org.mxguard.testkit.FakeDnsServer;
import org.xbill.DNS.Rcode;

/**
 * Two nodes' DNS caches and one client: what the first node's checks asked about the client's
 * reverse DNS, the second judges on without a question of its own.
 */
class ReverseDnsSharingTest {
    private static final InetAddress CLIENT = ip("192.0.2.5");

    @RegisterExtension
    final FakeDns dns = new FakeDns();
    private final FakeDnsServer server = dns.server();
    private final DnsClient client = dns.client(Duration.ofMillis(500), 1);
    private final CachingResolver node1 = new CachingResolver(client, 100);
    private final AtomicInteger node2Questions = new AtomicInteger();
    private final CachingResolver node2 = new CachingResolver(q -> {
        node2Questions.incrementAndGet();
        return client.lookup(q);
    }, 100);
    private final Shared shared = new Shared();

    ReverseDnsSharingTest() {
        server.soa(3600, 600)
                .ptr("192.0.2.5", 3600, "mail.example.org", "gone.example.org", "other.example.org")
                .a("mail.example.org", 300, "192.0.2.5")
                .a("other.example.org", 300, "192.0.2.99");
    }

    @Test
    void theSecondNodeJudgesTheClientOnTheFirstNodesAnswersWithoutAskingDns() {
        ReverseDns.Confirmation first = ReverseDns.confirm(CLIENT, new Lookups(node1, 20)).join();
        new ReverseDnsSharing(node1, shared).publish(CLIENT);

        // PTR, then A and AAAA of each of the 3 names: records, NODATA and NXDOMAIN all travel
        assertThat(shared.published).hasSize(7);
        ClientStanding standing = shared.standing();
        new ReverseDnsSharing(node2, shared).adopt(standing);
        ReverseDns.Confirmation second = ReverseDns.confirm(CLIENT, new Lookups(node2, 20)).join();

        assertThat(node2Questions).hasValue(0);
        assertThat(second.confirmedNames()).containsExactly("mail.example.org").isEqualTo(first.confirmedNames());
        assertThat(second.bestName()).isEqualTo(first.bestName());
        assertThat(second.names()).extracting(ReverseDns.NameCheck::name)
                .containsExactly("mail.example.org", "gone.example.org", "other.example.org");
        assertThat(second.anyTempFailed()).isFalse();
    }

    @Test
    void aClientWithoutPtrIsSharedAsSuch() {
        InetAddress noPtr = ip("192.0.2.6");
        ReverseDns.confirm(noPtr, new Lookups(node1, 20)).join();
        new ReverseDnsSharing(node1, shared).publish(noPtr);

        assertThat(shared.published).singleElement().isInstanceOf(DnsAnswer.NxDomain.class);
        new ReverseDnsSharing(node2, shared).adopt(shared.standing());
        assertThat(ReverseDns.confirm(noPtr, new Lookups(node2, 20)).join().ptr()).isInstanceOf(DnsAnswer.NxDomain.class);
        assertThat(node2Questions).hasValue(0);
    }

    @Test
    void nothingIsSharedWhenAnAnswerIsMissingOrFailedTemporarily() {
        // the query budget stopped the check after the PTR and one forward question
        ReverseDns.confirm(CLIENT, new Lookups(node1, 2)).join();
        new ReverseDnsSharing(node1, shared).publish(CLIENT);
        assertThat(shared.calls).hasValue(0);

        server.rcode("mail.example.org", RecordType.AAAA, Rcode.SERVFAIL);
        CachingResolver fresh = new CachingResolver(client, 100);
        ReverseDns.Confirmation failed = ReverseDns.confirm(CLIENT, new Lookups(fresh, 20)).join();
        assertThat(failed.anyTempFailed()).isTrue();
        new ReverseDnsSharing(fresh, shared).publish(CLIENT);
        assertThat(shared.calls).hasValue(0);
    }

    @Test
    void aNodeThatAskedNothingPublishesNothing() {
        new ReverseDnsSharing(node1, shared).publish(CLIENT);

        assertThat(shared.calls).hasValue(0);
        assertThat(server.queries()).isZero();
    }

    private static InetAddress ip(String text) {
        return org.mxguard.dns.InetAddresses.require(text);
    }

    /** The store between the two nodes: what was shared, through the form Redis keeps it in. */
    private static final class Shared implements SharedState {
        final AtomicInteger calls = new AtomicInteger();
        final List<DnsAnswer<?>> published = new ArrayList<>();
        private String stored;

        ClientStanding standing() {
            return new ClientStanding(false, false, 0, SharedAnswers.decode(stored, Instant.now()));
        }

        @Override
        public void shareReverseDns(InetAddress client, List<DnsAnswer<?>> answers) {
            calls.incrementAndGet();
            published.addAll(answers);
            stored = SharedAnswers.encode(answers, Instant.now());
        }

        @Override
        public ClientStanding connected(InetAddress client, Duration rateWindow) {
            return ClientStanding.UNKNOWN;
        }

        @Override
        public boolean trapped(InetAddress client) {
            return false;
        }

        @Override
        public boolean recordTrapHit(InetAddress client, Duration expiry) {
            return true;
        }

        @Override
        public void recordGreetingPass(InetAddress client, Duration ttl) {
        }

        @Override
        public Optional<PrimaryHealth> primaryHealth(String key) {
            return Optional.empty();
        }

        @Override
        public void publishPrimaryHealth(String key, PrimaryHealth health, Duration ttl) {
        }
    }
}
