package org.mxguard.dns;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.ResolverConfig;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.WireParseException;

/**
 * Sends questions to recursive resolvers over the network with dnsjava and turns each response
 * into a typed {@link DnsAnswer}. dnsjava retries over TCP when a UDP answer is truncated; a
 * timeout or network error moves on to the next server, up to {@code retries} more attempts, and
 * so does an answer that is a temporary failure (SERVFAIL, REFUSED, ...) when there is another
 * server to ask.
 */
public final class DnsClient implements Resolver {
    /**
     * Questions on the way at once (retries included); more wait for a free slot. Well below
     * Unbound's own limit per thread (512 or 1024), so that our bursts do not fill it.
     */
    public static final int MAX_IN_FLIGHT = 256;

    private final List<SimpleResolver> servers;
    private final InFlightLimit inFlight = new InFlightLimit(MAX_IN_FLIGHT);
    private final int retries;
    private final Duration timeout;
    private final Executor executor;
    private final DnsObserver observer;

    public DnsClient(List<InetSocketAddress> servers, Duration timeout, int retries, Executor executor) {
        this(servers, timeout, retries, executor, DnsObserver.NONE);
    }

    /** @param observer told of every query sent and how long its answer took (metrics) */
    public DnsClient(List<InetSocketAddress> servers, Duration timeout, int retries, Executor executor,
            DnsObserver observer) {
        this.observer = java.util.Objects.requireNonNull(observer, "observer");
        if (servers.isEmpty()) {
            throw new IllegalArgumentException("no DNS servers configured");
        }
        this.servers = new ArrayList<>();
        for (InetSocketAddress address : servers) {
            SimpleResolver r = new SimpleResolver(address);
            r.setTimeout(timeout);
            r.setEDNS(0, 1232, 0, List.of());
            this.servers.add(r);
        }
        this.retries = Math.max(0, retries);
        this.timeout = timeout;
        this.executor = executor;
    }

    /** The resolvers of /etc/resolv.conf (or the platform's equivalent). */
    public static List<InetSocketAddress> systemServers() {
        List<InetSocketAddress> found = ResolverConfig.getCurrentConfig().servers();
        return found.isEmpty() ? List.of(new InetSocketAddress("127.0.0.1", 53)) : found;
    }

    @Override
    public CompletableFuture<DnsAnswer<?>> lookup(DnsQuestion question) {
        Message query;
        try {
            Record q = Record.newRecord(Name.fromString(question.name() + "."), question.type().wireType(), DClass.IN);
            query = Message.newQuery(q);
        } catch (TextParseException | IllegalArgumentException e) {
            // A syntactically impossible name cannot exist: a definitive "no such name".
            return CompletableFuture.completedFuture(new DnsAnswer.NxDomain<>(question, 0));
        }
        return inFlight.submit(() -> timed(question, query));
    }

    private CompletableFuture<DnsAnswer<?>> timed(DnsQuestion question, Message query) {
        long start = System.nanoTime();
        return attempt(question, query, 0).whenComplete((answer, error) -> {
            try {
                observer.answered(Duration.ofNanos(System.nanoTime() - start), DnsObserver.outcome(answer));
            } catch (RuntimeException e) {
                // an observer's failure must not fail the lookup
            }
        });
    }

    private CompletableFuture<DnsAnswer<?>> attempt(DnsQuestion question, Message query, int attempt) {
        SimpleResolver server = servers.get(attempt % servers.size());
        // dnsjava checks its own timeouts only when its NIO selector wakes up idle (at most once a
        // second, and not while other sockets keep it busy): enforce the per-attempt timeout here.
        return server.sendAsync(query, executor).toCompletableFuture()
                .orTimeout(timeout.toNanos(), TimeUnit.NANOSECONDS)
                .<DnsAnswer<?>>thenCompose(response -> {
                    DnsAnswer<?> answer = ResponseParser.parse(question, response);
                    // SERVFAIL, REFUSED and the like are this server's word: ask the next, as the
                    // system's stub resolver does, or one resolver that refuses us defers all mail
                    if (answer instanceof DnsAnswer.TempFail<?> && servers.size() > 1 && attempt < retries) {
                        return attempt(question, query, attempt + 1);
                    }
                    return CompletableFuture.completedFuture(answer);
                })
                .exceptionallyComposeAsync(error -> { // off the JDK's shared timeout thread
                    Throwable cause = unwrap(error);
                    if (isTransient(cause) && attempt < retries) {
                        return attempt(question, query, attempt + 1);
                    }
                    return CompletableFuture.completedFuture(new DnsAnswer.TempFail<>(question, describe(cause, server)));
                }, executor);
    }

    /**
     * Worth another attempt: timeouts, network errors, and malformed answers too (dnsjava reports
     * a reply with the wrong id or question as malformed), so one stray or spoofed packet does not
     * decide the answer.
     */
    private static boolean isTransient(Throwable cause) {
        return cause instanceof TimeoutException || cause instanceof IOException;
    }

    private static String describe(Throwable cause, SimpleResolver server) {
        String where = " from " + server.getAddress().getHostString() + ":" + server.getAddress().getPort();
        if (cause instanceof TimeoutException || cause instanceof SocketTimeoutException) {
            return "timeout" + where;
        }
        if (cause instanceof WireParseException) {
            return "malformed answer" + where + ": " + cause.getMessage();
        }
        return "network error" + where + ": " + cause;
    }

    private static Throwable unwrap(Throwable t) {
        Throwable c = t;
        while (c instanceof CompletionException && c.getCause() != null) {
            c = c.getCause();
        }
        return c;
    }

}
