package org.mxguard.dns;

import java.net.InetAddress;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** Resolves a domain's full delivery route: MX hosts and every host's A and AAAA, all concurrently. */
public final class MailRouteLookup {
    private MailRouteLookup() {
    }

    public static CompletableFuture<MailRoute> find(String domain, Resolver dns) {
        return MailHostsLookup.find(domain, dns).thenCompose(hosts -> {
            if (!(hosts instanceof MailHosts.Mx mx)) {
                return CompletableFuture.completedFuture(new MailRoute(hosts, List.of()));
            }
            List<CompletableFuture<HostAddresses>> lookups = mx.records().stream().map(r -> host(r, dns)).toList();
            return CompletableFuture.allOf(lookups.toArray(CompletableFuture[]::new))
                    .thenApply(done -> new MailRoute(hosts, lookups.stream().map(CompletableFuture::join).toList()));
        });
    }

    static CompletableFuture<HostAddresses> host(MxRecord mx, Resolver dns) {
        CompletableFuture<DnsAnswer<InetAddress>> a = dns.addresses(mx.host(), RecordType.A);
        CompletableFuture<DnsAnswer<InetAddress>> aaaa = dns.addresses(mx.host(), RecordType.AAAA);
        return a.thenCombine(aaaa, (four, six) -> new HostAddresses(mx, four, six));
    }
}
