package org.mxguard.delivery;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeMap;
import java.util.random.RandomGenerator;
import java.util.stream.Collectors;
import org.mxguard.dns.HostAddresses;
import org.mxguard.dns.MailHosts;
import org.mxguard.dns.MailRoute;
import org.mxguard.dns.MxRecord;

/**
 * Turns a domain's {@link MailRoute} into a {@link Route} per RFC 5321 §5.1: lowest preference
 * first, equal preferences in random order, every address of a host before the next host, and
 * never ourselves or a host no better than ourselves.
 */
final class MxRouting {
    private final Myself me;
    private final AddressOrder addressOrder;
    private final int port;
    private final RandomGenerator random;

    /** {@code random} may be shared with other threads: it is only used while holding its lock. */
    MxRouting(Myself me, AddressOrder addressOrder, int port, RandomGenerator random) {
        this.me = me;
        this.addressOrder = addressOrder;
        this.port = port;
        this.random = random;
    }

    Route plan(MailRoute route) {
        String domain = route.hosts().domain();
        return switch (route.hosts()) {
            case MailHosts.NullMx n -> RouteFailures.nullMx(domain);
            case MailHosts.NoSuchDomain n -> RouteFailures.noSuchDomain(domain);
            case MailHosts.NoMailHosts n -> RouteFailures.noMailHosts(domain);
            case MailHosts.Unknown u -> RouteFailures.dnsTempFail(domain, u.reason());
            case MailHosts.ImplicitMx i -> {
                // The domain itself, at preference 0 (RFC 5321 §5.1); an alias here is allowed.
                MxCandidate itself = MxCandidate.of(new HostAddresses(new MxRecord(0, domain), i.a(), i.aaaa()));
                yield order(domain, List.of(itself), false,
                        "no MX records: delivering to the domain's own addresses (implicit MX, RFC 5321 §5.1)");
            }
            case MailHosts.Mx m -> order(domain, route.mxHosts().stream().map(MxCandidate::of).toList(), true, null);
        };
    }

    private Route order(String domain, List<MxCandidate> hosts, boolean fromMx, String firstNote) {
        List<String> notes = new ArrayList<>();
        if (firstNote != null) {
            notes.add(firstNote);
        }
        List<MxCandidate> candidates = hosts;
        OptionalInt ourPreference = hosts.stream().filter(h -> h.isSelf(me)).mapToInt(MxCandidate::preference).min();
        if (ourPreference.isPresent()) {
            int ours = ourPreference.getAsInt();
            String which = hosts.stream().filter(h -> h.isSelf(me) && h.preference() == ours)
                    .map(MxCandidate::label).collect(Collectors.joining(", "));
            // Hosts at our preference or worse would hand the message back to us (or to a peer
            // that sends it back): only strictly better ones may take it.
            candidates = hosts.stream().filter(h -> h.preference() < ours).toList();
            if (candidates.isEmpty()) {
                return RouteFailures.loopsToMyself(domain, "this gateway is its best mail host, " + which);
            }
            notes.add("this gateway is MX host " + which + ": only hosts of lower preference are tried");
        }
        for (MxCandidate host : candidates) {
            notes.addAll(notesAbout(host, fromMx));
        }
        List<MxCandidate> usable = candidates.stream().filter(MxCandidate::isUsable).toList();
        if (usable.isEmpty()) {
            String why = candidates.stream().map(h -> h.label() + ": " + h.problem()).collect(Collectors.joining("; "));
            if (ourPreference.isPresent()) {
                return RouteFailures.noPrimaryRelay(domain, why);
            }
            if (candidates.stream().anyMatch(h -> h.usability() == MxCandidate.Usability.TEMP_FAILED)) {
                return RouteFailures.dnsTempFail(domain, why);
            }
            return RouteFailures.noUsableMxHost(domain, why);
        }
        return new Route.Deliver(domain, attempts(usable), notes);
    }

    private static List<String> notesAbout(MxCandidate host, boolean fromMx) {
        List<String> notes = new ArrayList<>(2);
        if (fromMx && !host.aliasChain().isEmpty()) {
            notes.add("MX target " + host.label() + " is an alias (CNAME to " + String.join(" to ", host.aliasChain())
                    + "), which RFC 2181 §10.3 forbids: followed");
        }
        if (!host.isUsable()) {
            notes.add("skipped " + host.label() + ": " + host.problem());
        } else if (!host.problem().isEmpty()) {
            notes.add("using only some addresses of " + host.label() + ": " + host.problem());
        }
        return notes;
    }

    /** Preference groups in order, each shuffled; each host's addresses together; no address twice. */
    private List<Attempt> attempts(List<MxCandidate> usable) {
        Map<Integer, List<MxCandidate>> groups = new TreeMap<>();
        for (MxCandidate host : usable) {
            groups.computeIfAbsent(host.preference(), p -> new ArrayList<>()).add(host);
        }
        List<Attempt> attempts = new ArrayList<>();
        Set<InetAddress> seen = new HashSet<>();
        for (List<MxCandidate> group : groups.values()) {
            synchronized (random) {
                Collections.shuffle(group, random);
            }
            for (MxCandidate host : group) {
                for (InetAddress address : addressOrder.arrange(host.ipv4(), host.ipv6())) {
                    if (seen.add(address)) { // two names for one machine: once is enough
                        attempts.add(new Attempt(host.name(), new InetSocketAddress(address, port), host.preference()));
                    }
                }
            }
        }
        return attempts;
    }
}
