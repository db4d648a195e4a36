package org.mxguard.dns;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** Finds a domain's {@link MailHosts}: the MX query, then the address queries only when there is no MX. */
public final class MailHostsLookup {
    private MailHostsLookup() {
    }

    public static CompletableFuture<MailHosts> find(String domain, Resolver dns) {
        String d = DnsNames.normalize(domain);
        return dns.derive(new Key(d), () -> lookup(d, dns));
    }

    private record Key(String domain) {
    }

    private static CompletableFuture<MailHosts> lookup(String d, Resolver dns) {
        return dns.mx(d).thenCompose(answer -> switch (answer) {
            case DnsAnswer.Records<MxRecord> r -> CompletableFuture.completedFuture(fromMx(d, r.records()));
            case DnsAnswer.NxDomain<MxRecord> n -> CompletableFuture.completedFuture(new MailHosts.NoSuchDomain(d));
            case DnsAnswer.TempFail<MxRecord> t -> CompletableFuture.completedFuture(new MailHosts.Unknown(d, t.toString()));
            case DnsAnswer.NoData<MxRecord> n -> implicit(d, dns);
        });
    }

    private static MailHosts fromMx(String domain, List<MxRecord> records) {
        List<MxRecord> real = new ArrayList<>(records.size());
        for (MxRecord mx : records) {
            if (!mx.isNullMx()) {
                real.add(mx);
            }
        }
        if (real.isEmpty()) {
            return new MailHosts.NullMx(domain);
        }
        Collections.sort(real);
        return new MailHosts.Mx(domain, real);
    }

    private static CompletableFuture<MailHosts> implicit(String domain, Resolver dns) {
        CompletableFuture<DnsAnswer<InetAddress>> a = dns.addresses(domain, RecordType.A);
        CompletableFuture<DnsAnswer<InetAddress>> aaaa = dns.addresses(domain, RecordType.AAAA);
        return a.thenCombine(aaaa, (four, six) -> {
            if (four instanceof DnsAnswer.Records<InetAddress> || six instanceof DnsAnswer.Records<InetAddress>) {
                return new MailHosts.ImplicitMx(domain, four, six);
            }
            if (four instanceof DnsAnswer.TempFail<InetAddress> t) {
                return new MailHosts.Unknown(domain, t.toString());
            }
            if (six instanceof DnsAnswer.TempFail<InetAddress> t) {
                return new MailHosts.Unknown(domain, t.toString());
            }
            return new MailHosts.NoMailHosts(domain);
        });
    }
}
