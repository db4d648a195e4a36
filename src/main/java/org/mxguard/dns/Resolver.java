package org.mxguard.dns;

import java.net.InetAddress;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * Asks DNS questions asynchronously. Implementations never complete a future exceptionally for a
 * DNS problem: those are {@link DnsAnswer.TempFail} answers. Only a {@link QueryBudgetExceededException}
 * (from a per-verdict {@link Lookups}) completes a future exceptionally.
 */
public interface Resolver {
    CompletableFuture<DnsAnswer<?>> lookup(DnsQuestion question);

    /**
     * A result derived from several lookups (a domain's mail hosts, a PTR confirmation), computed
     * once per key where the resolver keeps per-verdict state ({@link Lookups}), so checks that
     * need the same derivation share it. Here, without such state, it is simply computed.
     */
    default <T> CompletableFuture<T> derive(Object key, Supplier<CompletableFuture<T>> computation) {
        return computation.get();
    }

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
