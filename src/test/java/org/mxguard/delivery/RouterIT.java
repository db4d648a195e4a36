package org.mxguard.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mxguard.testbed.TestZones.*;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.mxguard.dns.CachingResolver;
import org.mxguard.dns.DnsClient;
import org.mxguard.dns.InetAddresses;
import org.mxguard.dns.Resolver;
import org.mxguard.testbed.DnsTestBed;

/** The router against real NSD + Unbound serving {@link org.mxguard.testbed.TestZones}. */
@ExtendWith(DnsTestBed.class)
@Timeout(30)
class RouterIT {
    private static final int PORT = 2525; // as --delivery-port would set it

    private Resolver dns;

    @BeforeEach
    void resolver(DnsTestBed bed) {
        dns = new CachingResolver(new DnsClient(List.of(bed.resolver()), Duration.ofMillis(500), 1, Runnable::run), 1000);
    }

    private Route route(Myself me, String domain) throws Exception {
        Router router = new Router(Transports.mxOnly().withDefaultPort(PORT), dns, me, new SplittableRandom(5));
        return router.route(domain).get(10, TimeUnit.SECONDS);
    }

    private static List<String> attempts(Route route) {
        assertThat(route).isInstanceOf(Route.Deliver.class);
        return ((Route.Deliver) route).attempts().stream()
                .map(a -> a.host() + " " + a.address().getAddress().getHostAddress() + ":" + a.address().getPort())
                .toList();
    }

    @Test
    void equalPreferencesInRandomOrderThenTheBackup() throws Exception {
        Router router = new Router(Transports.mxOnly().withDefaultPort(PORT), dns, Myself.unknown(), new SplittableRandom(5));
        Set<List<String>> seen = new java.util.HashSet<>();
        for (int i = 0; i < 200; i++) {
            seen.add(attempts(router.route(EQUAL_PREF_DOMAIN).get(10, TimeUnit.SECONDS)));
        }
        String a = EQUAL_PREF_HOST_A + " " + EQUAL_PREF_IP_A + ":" + PORT;
        String b = EQUAL_PREF_HOST_B + " " + EQUAL_PREF_IP_B + ":" + PORT;
        String c = EQUAL_PREF_HOST_C + " " + EQUAL_PREF_IP_C + ":" + PORT;
        assertThat(seen).containsExactlyInAnyOrder(List.of(a, b, c), List.of(b, a, c));
    }

    @Test
    void nullMxNxDomainAndNoHostsBounce() throws Exception {
        assertThat(route(Myself.unknown(), NULL_MX_DOMAIN)).isInstanceOfSatisfying(Route.Bounce.class,
                r -> assertThat(r.enhancedCode()).isEqualTo("5.1.10"));
        assertThat(route(Myself.unknown(), NX_DOMAIN)).isInstanceOfSatisfying(Route.Bounce.class,
                r -> assertThat(r.enhancedCode()).isEqualTo("5.1.2"));
        assertThat(route(Myself.unknown(), NO_HOSTS_DOMAIN)).isInstanceOfSatisfying(Route.Bounce.class,
                r -> assertThat(r.enhancedCode()).isEqualTo("5.1.2"));
        assertThat(route(Myself.unknown(), IP_LITERAL_MX_DOMAIN)).isInstanceOfSatisfying(Route.Bounce.class,
                r -> assertThat(r.enhancedCode()).isEqualTo("5.4.4"));
    }

    @Test
    void implicitMxAndAnAliasedMxTarget() throws Exception {
        assertThat(attempts(route(Myself.unknown(), NO_MX_DOMAIN))).containsExactly(NO_MX_DOMAIN + " " + NO_MX_DOMAIN_IP + ":" + PORT);

        Route aliased = route(Myself.unknown(), CNAME_MX_DOMAIN);
        assertThat(attempts(aliased)).containsExactly(CNAME_MX_HOST + " " + CNAME_MX_IP + ":" + PORT);
        assertThat(((Route.Deliver) aliased).notes()).singleElement().asString().contains("CNAME to " + CNAME_MX_REAL_HOST);
    }

    @Test
    void temporaryFailuresDeferOrSkipTheFailedHost() throws Exception {
        assertThat(route(Myself.unknown(), SLOW_DOMAIN)).isInstanceOfSatisfying(Route.Defer.class,
                r -> assertThat(r.enhancedCode()).isEqualTo("4.4.3"));
        assertThat(route(Myself.unknown(), SLOW_MX_HOST_DOMAIN)).isInstanceOfSatisfying(Route.Defer.class,
                r -> assertThat(r.enhancedCode()).isEqualTo("4.4.3"));

        Route partial = route(Myself.unknown(), PARTIAL_FAIL_MX_DOMAIN);
        assertThat(attempts(partial)).containsExactly(GOOD_HOST + " " + GOOD_IP + ":" + PORT);
        assertThat(((Route.Deliver) partial).notes()).singleElement().asString().startsWith("skipped " + SERVFAIL_HOST);
    }

    @Test
    void asABackupMxOnlyThePrimaryRemains() throws Exception {
        Myself backup = new Myself(Set.of(GOOD_HOST6), Set.of());
        assertThat(attempts(route(backup, GOOD_DOMAIN))).containsExactly(GOOD_HOST + " " + GOOD_IP + ":" + PORT);

        Myself primary = new Myself(Set.of(), Set.of(InetAddresses.require(GOOD_IP)));
        assertThat(route(primary, GOOD_DOMAIN)).isInstanceOfSatisfying(Route.Bounce.class,
                r -> assertThat(r.enhancedCode()).isEqualTo("5.4.6"));
    }
}
