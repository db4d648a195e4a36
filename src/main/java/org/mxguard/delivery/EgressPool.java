package org.mxguard.delivery;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.time.Clock;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * The configured egress addresses, in order of preference, each up or down. The delivery layer
 * marks an address down for a while when connections from it fail; mail then leaves through the
 * next one in the list, and the first comes back by itself when its time is up. When every
 * address is down there is no choice to make: {@link #select()} is empty and mail waits in the
 * queue rather than go out from an address nobody configured. Thread-safe.
 */
public final class EgressPool {
    private final List<Egress> egresses;
    private final Clock clock;
    private final ConcurrentMap<InetAddress, Instant> downUntil = new ConcurrentHashMap<>();

    public EgressPool(List<Egress> egresses, Clock clock) {
        this.egresses = List.copyOf(egresses);
        this.clock = Objects.requireNonNull(clock, "clock");
        if (this.egresses.isEmpty()) {
            throw new IllegalArgumentException("an egress pool needs at least one address");
        }
        Set<InetAddress> seen = new HashSet<>();
        for (Egress e : this.egresses) {
            if (!seen.add(e.source())) {
                throw new IllegalArgumentException("egress address listed twice: " + e.source().getHostAddress());
            }
        }
    }

    public List<Egress> egresses() {
        return egresses;
    }

    /** The first address that is up. */
    public Optional<Egress> select() {
        return egresses.stream().filter(e -> isUp(e.source())).findFirst();
    }

    /** The first address that is up and of the same family as {@code target}: IPv4 cannot reach IPv6. */
    public Optional<Egress> select(InetAddress target) {
        boolean v4 = target instanceof Inet4Address;
        return egresses.stream()
                .filter(e -> (e.source() instanceof Inet4Address) == v4)
                .filter(e -> isUp(e.source()))
                .findFirst();
    }

    /**
     * Takes {@code source} out of use until {@code until}. A later mark never shortens an earlier
     * one: deliveries failing at the same time must not undo each other.
     */
    public void markDown(InetAddress source, Instant until) {
        requireKnown(source);
        Objects.requireNonNull(until, "until");
        downUntil.merge(source, until, (earlier, later) -> later.isAfter(earlier) ? later : earlier);
    }

    /** Puts {@code source} back in use now (a delivery from it worked). */
    public void markUp(InetAddress source) {
        requireKnown(source);
        downUntil.remove(source);
    }

    public boolean isUp(InetAddress source) {
        return downUntil(source).isEmpty();
    }

    /** When {@code source} comes back, if it is down. */
    public Optional<Instant> downUntil(InetAddress source) {
        Instant until = downUntil.get(source);
        if (until == null) {
            return Optional.empty();
        }
        if (!until.isAfter(clock.instant())) {
            downUntil.remove(source, until);
            return Optional.empty();
        }
        return Optional.of(until);
    }

    private void requireKnown(InetAddress source) {
        if (egresses.stream().noneMatch(e -> e.source().equals(source))) {
            throw new IllegalArgumentException("not a configured egress address: " + source.getHostAddress());
        }
    }
}
