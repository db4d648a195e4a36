package org.mxguard.dns;

import java.net.InetAddress;
import java.util.concurrent.CompletableFuture;

/**
 * Asks DNS questions asynchronously. Implementations never complete a future exceptionally for a
 * DNS problem: those are {@link DnsAnswer.TempFail} answers. Only a {@link QueryBudgetExceededException}
 * (from a per-verdict {@link Lookups}) completes a future exceptionally.
 */
public interface Resolver {
    CompletableFuture<DnsAnswer<?>> lookup(DnsQuestion question);

    @SuppressWarnings({"unchecked", "rawtypes"})
    default CompletableFuture<DnsAnswer<InetAddress>> addresses(String name, RecordType type) {
        if (type != RecordType.A && type != RecordType.AAAA) {
            throw new IllegalArgumentException("not an address type: " + type);
        }
        return (CompletableFuture) lookup(new DnsQuestion(name, type));
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    default CompletableFuture<DnsAnswer<MxRecord>> mx(String domain) {
        return (CompletableFuture) lookup(new DnsQuestion(domain, RecordType.MX));
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    default CompletableFuture<DnsAnswer<String>> ptr(InetAddress address) {
        return (CompletableFuture) lookup(new DnsQuestion(DnsNames.reverseName(address), RecordType.PTR));
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    default CompletableFuture<DnsAnswer<String>> cname(String name) {
        return (CompletableFuture) lookup(new DnsQuestion(name, RecordType.CNAME));
    }
}
