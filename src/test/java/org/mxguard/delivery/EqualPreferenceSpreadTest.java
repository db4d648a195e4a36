package org.mxguard.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.mxguard.dns.CachingResolver;
import org.mxguard.dns.DnsClient;
import org.mxguard.testkit.FakeDnsServer;

/** RFC 5321 §5.1: a sender picks at random among hosts of equal preference, so load spreads evenly. */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class EqualPreferenceSpreadTest {
    private static final int ROUTES = 10_000;

    private FakeDnsServer server;
    private CachingResolver dns;

    @BeforeEach
    void start() {
        server = FakeDnsServer.start();
        server.mx("example.org", 10, "a.example.org").mx("example.org", 10, "b.example.org")
                .mx("example.org", 20, "c.example.org")
                .a("a.example.org", "192.0.2.1", "192.0.2.11").a("b.example.org", "192.0.2.2")
                .a("c.example.org", "192.0.2.3");
        // the cache answers all but the first route, as in the gateway
        dns = new CachingResolver(new DnsClient(List.of(server.address()), Duration.ofMillis(500), 1, Runnable::run), 100);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private List<List<String>> hostOrders(long seed, int routes) throws Exception {
        Router router = new Router(Transports.mxOnly(), dns, Myself.unknown(), new SplittableRandom(seed));
        List<List<String>> orders = new ArrayList<>(routes);
        for (int i = 0; i < routes; i++) {
            Route.Deliver route = (Route.Deliver) router.route("example.org").get(1, TimeUnit.SECONDS);
            orders.add(route.attempts().stream().map(a -> a.host() + " " + a.address().getAddress().getHostAddress()).toList());
        }
        return orders;
    }

    @Test
    void eachEqualHostComesFirstAboutHalfTheTime() throws Exception {
        List<List<String>> orders = hostOrders(20240601L, ROUTES);

        long aFirst = orders.stream().filter(o -> o.getFirst().startsWith("a.example.org")).count();
        assertThat(aFirst).isBetween(ROUTES * 45L / 100, ROUTES * 55L / 100);
        assertThat(orders).allSatisfy(o -> assertThat(o).isIn(
                List.of("a.example.org 192.0.2.1", "a.example.org 192.0.2.11", "b.example.org 192.0.2.2", "c.example.org 192.0.2.3"),
                List.of("b.example.org 192.0.2.2", "a.example.org 192.0.2.1", "a.example.org 192.0.2.11", "c.example.org 192.0.2.3")));
        assertThat(server.queries()).isEqualTo(7);
    }

    @Test
    void theSameSeedGivesTheSameOrders() throws Exception {
        assertThat(hostOrders(99, 1000)).isEqualTo(hostOrders(99, 1000)).isNotEqualTo(hostOrders(100, 1000));
    }
}
