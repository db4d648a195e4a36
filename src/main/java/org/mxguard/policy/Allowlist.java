package org.mxguard.policy;

import java.util.List;
import java.util.Optional;
import org.mxguard.check.SessionFacts;

/**
 * Allowlist rules. IP/network and sender-domain rules are known before any DNS is asked, so the
 * checks they name are not run at all; PTR-suffix rules need a forward-confirmed PTR name (an
 * unconfirmed one is whatever the IP's owner wants it to be), so they apply after {@code iprev}.
 */
public record Allowlist(List<AllowlistEntry> entries) {
    public Allowlist {
        entries = List.copyOf(entries);
    }

    public boolean hasPtrSuffixes() {
        for (AllowlistEntry e : entries) {
            if (e.kind() == AllowlistEntry.Kind.PTR_SUFFIX) {
                return true;
            }
        }
        return false;
    }

    public static Allowlist empty() {
        return new Allowlist(List.of());
    }

    /** The first IP or sender-domain rule that skips {@code check} for these facts. */
    public Optional<AllowlistEntry> before(String check, SessionFacts facts) {
        for (AllowlistEntry e : entries) {
            if (!e.covers(check)) {
                continue;
            }
            boolean hit = switch (e.kind()) {
                case CIDR -> e.matchesIp(facts.clientIp());
                case SENDER_DOMAIN -> facts.mailFromDomain().map(e::matchesDomain).orElse(false);
                case PTR_SUFFIX -> false;
            };
            if (hit) {
                return Optional.of(e);
            }
        }
        return Optional.empty();
    }

    /** True when some PTR-suffix rule covers {@code check}: whether it applies depends on {@code iprev}. */
    public boolean ptrSuffixMayCover(String check) {
        for (AllowlistEntry e : entries) {
            if (e.kind() == AllowlistEntry.Kind.PTR_SUFFIX && e.covers(check)) {
                return true;
            }
        }
        return false;
    }

    /** The first PTR-suffix rule that covers {@code check} and matches a confirmed PTR name. */
    public Optional<AllowlistEntry> afterIprev(String check, List<String> confirmedNames) {
        for (AllowlistEntry e : entries) {
            if (e.kind() == AllowlistEntry.Kind.PTR_SUFFIX && e.covers(check)
                    && confirmedNames.stream().anyMatch(e::matchesDomain)) {
                return Optional.of(e);
            }
        }
        return Optional.empty();
    }
}
