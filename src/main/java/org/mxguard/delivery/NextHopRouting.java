package org.mxguard.delivery;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.mxguard.dns.DnsAnswer;
import org.mxguard.dns.RecordType;
import org.mxguard.dns.Resolver;

/**
 * Routes to a configured next hop (a relay domain's or the smart host): its address as written,
 * or its name's A and AAAA records. No MX lookup, and no loop check: the configuration names the
 * machine and port on purpose (a filter on this very host is a common, legitimate next hop).
 */
final class NextHopRouting {
    private final Resolver dns;
    private final AddressOrder addressOrder;
    private final int defaultPort;

    NextHopRouting(Resolver dns, AddressOrder addressOrder, int defaultPort) {
        this.dns = dns;
        this.addressOrder = addressOrder;
        this.defaultPort = defaultPort;
    }

    /** {@code why} starts the route's notes: which configuration chose this hop. */
    CompletableFuture<Route> route(String domain, NextHop hop, String why) {
        int port = hop.portOr(defaultPort);
        Optional<InetAddress> literal = hop.literal();
        if (literal.isPresent()) {
            Attempt attempt = new Attempt(hop.host(), new InetSocketAddress(literal.get(), port), 0);
            return CompletableFuture.completedFuture(new Route.Deliver(domain, List.of(attempt), List.of(why)));
        }
        CompletableFuture<DnsAnswer<InetAddress>> a = dns.addresses(hop.host(), RecordType.A);
        CompletableFuture<DnsAnswer<InetAddress>> aaaa = dns.addresses(hop.host(), RecordType.AAAA);
        return a.thenCombine(aaaa, (four, six) -> {
            List<String> failed = new ArrayList<>(2);
            for (DnsAnswer<InetAddress> answer : List.of(four, six)) {
                if (!answer.isDefinitive()) {
                    failed.add(answer.toString());
                }
            }
            List<InetAddress> addresses = addressOrder.arrange(four.values(), six.values());
            if (addresses.isEmpty()) {
                return failed.isEmpty()
                        ? RouteFailures.nextHopUnresolved(domain, hop, four + ", " + six)
                        : RouteFailures.dnsTempFail(domain, "next hop " + hop + ": " + String.join(", ", failed));
            }
            List<String> notes = new ArrayList<>(2);
            notes.add(why);
            if (!failed.isEmpty()) {
                notes.add("using only some addresses of " + hop.host() + ": " + String.join(", ", failed));
            }
            List<Attempt> attempts = addresses.stream()
                    .map(address -> new Attempt(hop.host(), new InetSocketAddress(address, port), 0)).toList();
            return new Route.Deliver(domain, attempts, notes);
        });
    }
}
