package org.mxguard.delivery;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.random.RandomGenerator;
import org.mxguard.dns.DnsNames;
import org.mxguard.dns.InetAddresses;
import org.mxguard.dns.MailRouteLookup;
import org.mxguard.dns.Resolver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where a message for a recipient domain goes: a relay domain's configured next hop, else the
 * smart host, else the domain's MX hosts (RFC 5321 §5.1). An address literal ({@code [192.0.2.1]})
 * without a relay or smart host goes to that address.
 *
 * <p>The future always completes normally: DNS trouble is a {@link Route.Defer}, and so is any
 * unexpected error (4.3.0), so routing never bounces mail for a fault of its own. Give it a
 * long-lived (caching) resolver, not a per-verdict {@code Lookups}: a domain with many MX hosts
 * would run into that budget.
 */
public final class Router {
    private static final Logger LOG = LoggerFactory.getLogger(Router.class);

    private final Transports transports;
    private final Resolver dns;
    private final Myself me;
    private final MxRouting mx;
    private final NextHopRouting nextHops;

    /**
     * @param me     our names and addresses, to notice that an MX host is this gateway
     * @param random orders hosts of equal preference; used under its own lock, so one
     *               generator may serve every thread
     */
    public Router(Transports transports, Resolver dns, Myself me, RandomGenerator random) {
        this.transports = Objects.requireNonNull(transports, "transports");
        this.dns = Objects.requireNonNull(dns, "dns");
        this.me = Objects.requireNonNull(me, "me");
        this.mx = new MxRouting(me, transports.addressOrder(), transports.defaultPort(),
                Objects.requireNonNull(random, "random"));
        this.nextHops = new NextHopRouting(dns, transports.addressOrder(), transports.defaultPort());
    }

    /** @param recipientDomain the part of the recipient address right of the @ */
    public CompletableFuture<Route> route(String recipientDomain) {
        String domain = DnsNames.normalize(Objects.requireNonNull(recipientDomain, "recipientDomain"));
        if (domain.isEmpty()) {
            throw new IllegalArgumentException("empty recipient domain");
        }
        CompletableFuture<Route> route;
        try {
            route = choose(domain);
        } catch (RuntimeException e) {
            route = CompletableFuture.failedFuture(e);
        }
        return route.exceptionally(error -> RouteFailures.routingError(domain, error))
                .whenComplete((r, error) -> log(r));
    }

    private CompletableFuture<Route> choose(String domain) {
        Optional<String> relayKey = transports.relayKeyFor(domain);
        if (relayKey.isPresent()) {
            NextHop hop = transports.relayDomains().get(relayKey.get());
            return nextHops.route(domain, hop, "relay domain " + relayKey.get() + ": next hop " + hop);
        }
        if (transports.smartHost().isPresent()) {
            NextHop hop = transports.smartHost().get();
            return nextHops.route(domain, hop, "smart host " + hop);
        }
        if (domain.startsWith("[")) {
            return CompletableFuture.completedFuture(toLiteral(domain));
        }
        return MailRouteLookup.find(domain, dns).thenApply(mx::plan);
    }

    /** RFC 5321 §4.1.3 address literal: that machine, unless it is us. */
    private Route toLiteral(String domain) {
        if (!domain.endsWith("]")) {
            return RouteFailures.badAddressLiteral(domain);
        }
        Optional<InetAddress> address = InetAddresses.parse(domain);
        if (address.isEmpty()) {
            return RouteFailures.badAddressLiteral(domain);
        }
        if (me.owns(address.get())) {
            return RouteFailures.loopsToMyself(domain, "the address is this gateway's");
        }
        Attempt attempt = new Attempt(DnsNames.text(address.get()),
                new InetSocketAddress(address.get(), transports.defaultPort()), 0);
        return new Route.Deliver(domain, List.of(attempt), List.of("address literal: no DNS lookup"));
    }

    private static void log(Route route) {
        if (route instanceof Route.Deliver d && LOG.isInfoEnabled()) {
            d.notes().forEach(note -> LOG.info("route for {}: {}", d.domain(), note));
        } else if (route instanceof Route.Defer d && d.enhancedCode().equals("4.3.0")) {
            LOG.warn("{}", d.text());
        }
    }
}
