package org.mxguard.bench;

import java.util.concurrent.CompletableFuture;
import org.mxguard.dns.DnsAnswer;
import org.mxguard.dns.DnsQuestion;
import org.mxguard.dns.Resolver;

/** The baseline the concurrency is measured against: each lookup starts only when the previous one has answered. */
final class OneAtATimeResolver implements Resolver {
    private final Resolver delegate;
    private CompletableFuture<?> tail = CompletableFuture.completedFuture(null);

    OneAtATimeResolver(Resolver delegate) {
        this.delegate = delegate;
    }

    @Override
    public synchronized CompletableFuture<DnsAnswer<?>> lookup(DnsQuestion question) {
        CompletableFuture<DnsAnswer<?>> next = tail.thenCompose(previous -> delegate.lookup(question));
        tail = next;
        return next;
    }
}
