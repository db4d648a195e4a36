package org.mxguard.check;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.mxguard.dns.DnsAnswer;
import org.mxguard.dns.Resolver;
import org.mxguard.dns.RecordType;

/**
 * PTR names of an address and whether each one is forward-confirmed: the building block of
 * {@code iprev}, {@code generic-ptr}, {@code reverse-mx:ptr} and the audit. Every PTR name is
 * tried (not only the first, as Postfix and maddy do), each with A and AAAA, concurrently and
 * within the verdict's query budget.
 */
public final class ReverseDns {
    private ReverseDns() {
    }

    /** One PTR name with its forward answers; answers are null when the query budget refused them. */
    public record NameCheck(String name, DnsAnswer<InetAddress> a, DnsAnswer<InetAddress> aaaa) {
        public boolean confirms(InetAddress ip) {
            return (a != null && a.values().contains(ip)) || (aaaa != null && aaaa.values().contains(ip));
        }

        public boolean tempFailed() {
            return (a != null && !a.isDefinitive()) || (aaaa != null && !aaaa.isDefinitive());
        }

        public boolean overBudget() {
            return a == null || aaaa == null;
        }

        public List<InetAddress> addresses() {
            List<InetAddress> all = new ArrayList<>(a == null ? List.of() : a.values());
            if (aaaa != null) {
                all.addAll(aaaa.values());
            }
            return all;
        }
    }

    /** The PTR answer and the forward check of each name. */
    public record Confirmation(InetAddress ip, DnsAnswer<String> ptr, List<NameCheck> names) {
        public Confirmation {
            names = List.copyOf(names);
        }

        public List<String> confirmedNames() {
            List<String> confirmed = new ArrayList<>(names.size());
            for (NameCheck n : names) {
                if (n.confirms(ip)) {
                    confirmed.add(n.name());
                }
            }
            return confirmed;
        }

        public boolean isConfirmed(String name) {
            for (NameCheck n : names) {
                if (n.name().equals(name) && n.confirms(ip)) {
                    return true;
                }
            }
            return false;
        }

        public boolean anyTempFailed() {
            for (NameCheck n : names) {
                if (n.tempFailed()) {
                    return true;
                }
            }
            return false;
        }

        public boolean anyOverBudget() {
            for (NameCheck n : names) {
                if (n.overBudget()) {
                    return true;
                }
            }
            return false;
        }

        /** The name to judge: the first confirmed one, else the first PTR name; null without PTR. */
        public String bestName() {
            for (NameCheck n : names) {
                if (n.confirms(ip)) {
                    return n.name();
                }
            }
            return ptr.values().isEmpty() ? null : ptr.values().get(0);
        }
    }

    /**
     * Looks up the PTR names and confirms every one. Completes exceptionally only when the
     * budget refuses the PTR question itself.
     */
    public static CompletableFuture<Confirmation> confirm(InetAddress ip, Resolver dns) {
        return dns.derive(new Key(ip), () -> lookup(ip, dns));
    }

    private record Key(InetAddress ip) {
    }

    private static CompletableFuture<Confirmation> lookup(InetAddress ip, Resolver dns) {
        return dns.ptr(ip).thenCompose(ptr -> {
            if (!(ptr instanceof DnsAnswer.Records<String> records)) {
                return CompletableFuture.completedFuture(new Confirmation(ip, ptr, List.of()));
            }
            List<CompletableFuture<NameCheck>> checks = new ArrayList<>();
            for (String name : new LinkedHashSet<>(records.records())) {
                CompletableFuture<DnsAnswer<InetAddress>> a = Budget.orNull(dns.addresses(name, RecordType.A));
                CompletableFuture<DnsAnswer<InetAddress>> aaaa = Budget.orNull(dns.addresses(name, RecordType.AAAA));
                checks.add(a.thenCombine(aaaa, (four, six) -> new NameCheck(name, four, six)));
            }
            return Futures.all(checks).thenApply(names -> new Confirmation(ip, ptr, names));
        });
    }
}
