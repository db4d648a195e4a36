package org.mxguard.testkit;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.mxguard.dns.DnsClient;

/**
 * The DNS unit tests' fixture: a {@link FakeDnsServer} and a virtual-thread executor for one
 * test, and {@link DnsClient}s on that server. Both are closed after the test.
 *
 * <pre>{@code
 * @RegisterExtension
 * final FakeDns dns = new FakeDns();
 * private final FakeDnsServer server = dns.server();
 * private final DnsClient client = dns.client(Duration.ofMillis(200), 1);
 * }</pre>
 *
 * Register it on an instance field (not a static one): JUnit makes a test instance per test, so
 * each test gets a fresh server, and the field initialisers after it can already use it.
 */
public final class FakeDns implements AfterEachCallback {
    private final FakeDnsServer server = FakeDnsServer.start();
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();

    public FakeDnsServer server() {
        return server;
    }

    /** Runs the clients' lookups; tests may use it for their own concurrent callers too. */
    public ExecutorService executor() {
        return executor;
    }

    /** A client that asks only this test's server. */
    public DnsClient client(Duration timeout, int retries) {
        return new DnsClient(List.of(server.address()), timeout, retries, executor);
    }

    @Override
    public void afterEach(ExtensionContext context) {
        server.close();
        executor.shutdownNow();
    }
}
