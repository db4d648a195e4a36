package org.mxguard.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.mxguard.dns.DnsClient;
import org.mxguard.dns.DnsNames;
import org.mxguard.dns.InetAddresses;
import org.mxguard.dns.RecordType;
import org.mxguard.dns.Resolver;
import org.mxguard.testkit.Behaviour;
import org.mxguard.testkit.FakeDnsServer;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Name;
import org.xbill.DNS.TXTRecord;

@Timeout(value = 10, unit = TimeUnit.SECONDS)
class RouterTest {
    private static final Transports MX_ONLY = Transports.mxOnly();

    private FakeDnsServer server;
    private Resolver dns;

    @BeforeEach
    void start() {
        server = FakeDnsServer.start();
        dns = new DnsClient(List.of(server.address()), Duration.ofMillis(500), 1, Runnable::run);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private Route route(String domain) throws Exception {
        return route(MX_ONLY, Myself.unknown(), domain);
    }

    private Route route(Transports transports, String domain) throws Exception {
        return route(transports, Myself.unknown(), domain);
    }

    private Route route(Myself me, String domain) throws Exception {
        return route(MX_ONLY, me, domain);
    }

    private Route route(Transports transports, Myself me, String domain) throws Exception {
        return new Router(transports, dns, me, new SplittableRandom(7)).route(domain).get(5, TimeUnit.SECONDS);
    }

    private static Route.Deliver deliver(Route route) {
        assertThat(route).isInstanceOf(Route.Deliver.class);
        return (Route.Deliver) route;
    }

    private static List<String> hosts(Route route) {
        return deliver(route).attempts().stream().map(Attempt::host).toList();
    }

    /** "host ip:port/preference" for each attempt. */
    private static List<String> attempts(Route route) {
        return deliver(route).attempts().stream().map(a -> a.host() + " " + hostPort(a.address()) + "/" + a.preference())
                .toList();
    }

    private static String hostPort(InetSocketAddress address) {
        String ip = DnsNames.text(address.getAddress());
        return (ip.contains(":") ? "[" + ip + "]" : ip) + ":" + address.getPort();
    }

    private static Myself named(String... hostNames) {
        return new Myself(Set.of(hostNames), Set.of());
    }

    private static Myself at(String... addresses) {
        return new Myself(Set.of(), java.util.Arrays.stream(addresses).map(InetAddresses::require)
                .collect(java.util.stream.Collectors.toSet()));
    }

    private static InetAddress ip(String literal) {
        return InetAddresses.require(literal);
    }

    // ---------------------------------------------------------------- MX order

    @Test
    void lowestPreferenceFirstOnTheDefaultPort() throws Exception {
        server.mx("example.org", 30, "c.example.org").mx("example.org", 10, "a.example.org")
                .mx("example.org", 20, "b.example.org")
                .a("a.example.org", "192.0.2.1").a("b.example.org", "192.0.2.2").a("c.example.org", "192.0.2.3");

        Route route = route("Example.ORG.");

        assertThat(attempts(route)).containsExactly("a.example.org 192.0.2.1:25/10", "b.example.org 192.0.2.2:25/20",
                "c.example.org 192.0.2.3:25/30");
        assertThat(route.domain()).isEqualTo("example.org");
        assertThat(deliver(route).notes()).isEmpty();
    }

    @Test
    void everyAddressOfAHostBeforeTheNextIpv4First() throws Exception {
        server.mx("example.org", 10, "a.example.org").mx("example.org", 20, "b.example.org")
                .a("a.example.org", "192.0.2.1", "192.0.2.11").aaaa("a.example.org", "2001:db8::1")
                .a("b.example.org", "192.0.2.2").aaaa("b.example.org", "2001:db8::2");

        assertThat(attempts(route("example.org"))).containsExactly(
                "a.example.org 192.0.2.1:25/10", "a.example.org 192.0.2.11:25/10", "a.example.org [2001:db8::1]:25/10",
                "b.example.org 192.0.2.2:25/20", "b.example.org [2001:db8::2]:25/20");
        assertThat(attempts(route(MX_ONLY.withAddressOrder(AddressOrder.IPV6_FIRST).withDefaultPort(2525), "example.org")))
                .containsExactly("a.example.org [2001:db8::1]:2525/10", "a.example.org 192.0.2.1:2525/10",
                        "a.example.org 192.0.2.11:2525/10", "b.example.org [2001:db8::2]:2525/20",
                        "b.example.org 192.0.2.2:2525/20");
    }

    @Test
    void anAddressSharedByTwoHostsIsTriedOnce() throws Exception {
        server.mx("example.org", 10, "a.example.org").mx("example.org", 20, "b.example.org")
                .a("a.example.org", "192.0.2.1").a("b.example.org", "192.0.2.1", "192.0.2.2");

        assertThat(attempts(route("example.org"))).containsExactly("a.example.org 192.0.2.1:25/10",
                "b.example.org 192.0.2.2:25/20");
    }

    @Test
    void implicitMxIsTheDomainsOwnAddresses() throws Exception {
        server.a("example.org", "192.0.2.5").aaaa("example.org", "2001:db8::5");

        Route route = route("example.org");

        assertThat(attempts(route)).containsExactly("example.org 192.0.2.5:25/0", "example.org [2001:db8::5]:25/0");
        assertThat(deliver(route).notes()).singleElement().asString().contains("implicit MX");
    }

    // ---------------------------------------------------------------- no route

    @Test
    void nullMxBouncesAtOnce() throws Exception {
        server.nullMx("example.org").a("example.org", "192.0.2.5");

        Route route = route("example.org");

        assertThat(route).isEqualTo(new Route.Bounce("example.org", "5.1.10",
                "Recipient domain example.org has a null MX: it accepts no mail (RFC 7505)"));
        assertThat(server.queries("example.org", RecordType.A)).isZero();
    }

    @Test
    void nxDomainAndNoMailHostsBounce() throws Exception {
        server.add(new TXTRecord(Name.fromConstantString("nohosts.example."), DClass.IN, 300, "v=spf1 -all"));

        assertThat(route("nowhere.example")).isInstanceOfSatisfying(Route.Bounce.class, b -> {
            assertThat(b.enhancedCode()).isEqualTo("5.1.2");
            assertThat(b.text()).contains("does not exist");
        });
        assertThat(route("nohosts.example")).isInstanceOfSatisfying(Route.Bounce.class, b -> {
            assertThat(b.enhancedCode()).isEqualTo("5.1.2");
            assertThat(b.text()).contains("no mail hosts");
        });
    }

    @Test
    void aTemporaryMxFailureDefers() throws Exception {
        server.behave("example.org", RecordType.MX, Behaviour.SERVFAIL);

        assertThat(route("example.org")).isInstanceOfSatisfying(Route.Defer.class, d -> {
            assertThat(d.enhancedCode()).isEqualTo("4.4.3");
            assertThat(d.text()).contains("SERVFAIL");
        });
    }

    @Test
    void everyHostFailingTemporarilyDefers() throws Exception {
        server.mx("example.org", 10, "a.example.org").mx("example.org", 20, "b.example.org")
                .behave("a.example.org", RecordType.A, Behaviour.SERVFAIL)
                .behave("a.example.org", RecordType.AAAA, Behaviour.SERVFAIL)
                .behave("b.example.org", RecordType.A, Behaviour.DROP)
                .behave("b.example.org", RecordType.AAAA, Behaviour.NODATA);

        assertThat(route("example.org")).isInstanceOfSatisfying(Route.Defer.class, d -> {
            assertThat(d.enhancedCode()).isEqualTo("4.4.3");
            assertThat(d.text()).contains("a.example.org (preference 10)", "b.example.org (preference 20)", "timeout");
        });
    }

    @Test
    void someHostsTemporarilyFailedAndTheRestMissingDefers() throws Exception {
        server.mx("example.org", 10, "a.example.org").mx("example.org", 20, "gone.example.org")
                .behave("a.example.org", RecordType.A, Behaviour.SERVFAIL)
                .behave("a.example.org", RecordType.AAAA, Behaviour.SERVFAIL);

        assertThat(route("example.org")).isInstanceOfSatisfying(Route.Defer.class,
                d -> assertThat(d.enhancedCode()).isEqualTo("4.4.3"));
    }

    @Test
    void mxHostsThatDoNotExistOrAreIpLiteralsBounce() throws Exception {
        server.mx("example.org", 10, "gone.example.org").mx("example.org", 20, "192.0.2.9");

        assertThat(route("example.org")).isInstanceOfSatisfying(Route.Bounce.class, b -> {
            assertThat(b.enhancedCode()).isEqualTo("5.4.4");
            assertThat(b.text()).contains("gone.example.org (preference 10): no address", "192.0.2.9 (preference 20)");
        });
    }

    // ---------------------------------------------------------------- hosts skipped or followed

    @Test
    void unusableHostsAreSkippedWithANote() throws Exception {
        server.mx("example.org", 10, "192.0.2.9").mx("example.org", 20, "broken.example.org")
                .mx("example.org", 30, "gone.example.org").mx("example.org", 40, "ok.example.org")
                .behave("broken.example.org", RecordType.A, Behaviour.SERVFAIL)
                .behave("broken.example.org", RecordType.AAAA, Behaviour.SERVFAIL)
                .a("ok.example.org", "192.0.2.4");

        Route route = route("example.org");

        assertThat(hosts(route)).containsExactly("ok.example.org");
        assertThat(deliver(route).notes()).satisfiesExactly(
                n -> assertThat(n).startsWith("skipped 192.0.2.9 (preference 10): an IP address is not a host name"),
                n -> assertThat(n).startsWith("skipped broken.example.org (preference 20): A broken.example.org = TEMPFAIL"),
                n -> assertThat(n).startsWith("skipped gone.example.org (preference 30): no address"));
    }

    @Test
    void anAliasedMxTargetIsFollowedAndNoted() throws Exception {
        server.mx("example.org", 10, "alias.example.org").cname("alias.example.org", "real.example.net")
                .a("real.example.net", "192.0.2.5");

        Route route = route("example.org");

        assertThat(attempts(route)).containsExactly("alias.example.org 192.0.2.5:25/10");
        assertThat(deliver(route).notes()).singleElement().asString()
                .contains("alias.example.org (preference 10)", "CNAME to real.example.net", "RFC 2181", "followed");
    }

    @Test
    void aHostWithOneFamilyFailingIsUsedWithWhatItHas() throws Exception {
        server.mx("example.org", 10, "a.example.org").a("a.example.org", "192.0.2.1")
                .behave("a.example.org", RecordType.AAAA, Behaviour.SERVFAIL);

        Route route = route("example.org");

        assertThat(hosts(route)).containsExactly("a.example.org");
        assertThat(deliver(route).notes()).singleElement().asString()
                .startsWith("using only some addresses of a.example.org (preference 10): AAAA a.example.org = TEMPFAIL");
    }

    // ---------------------------------------------------------------- ourselves among the MX hosts

    @Test
    void whenWeAreAnMxHostByNameOnlyBetterHostsRemain() throws Exception {
        server.mx("example.org", 10, "a.example.org").mx("example.org", 20, "us.example.net")
                .mx("example.org", 20, "peer.example.org").mx("example.org", 30, "c.example.org")
                .a("a.example.org", "192.0.2.1").a("us.example.net", "192.0.2.20")
                .a("peer.example.org", "192.0.2.21").a("c.example.org", "192.0.2.3");

        Route route = route(named("US.example.net."), "example.org");

        assertThat(attempts(route)).containsExactly("a.example.org 192.0.2.1:25/10");
        assertThat(deliver(route).notes()).containsExactly(
                "this gateway is MX host us.example.net (preference 20): only hosts of lower preference are tried");
    }

    @Test
    void whenWeAreAnMxHostByAddressOnlyBetterHostsRemain() throws Exception {
        server.mx("example.org", 10, "a.example.org").mx("example.org", 10, "b.example.org")
                .mx("example.org", 20, "backup.example.org")
                .a("a.example.org", "192.0.2.1").a("b.example.org", "192.0.2.2")
                .a("backup.example.org", "192.0.2.30").aaaa("backup.example.org", "2001:db8::30");

        Route route = route(at("2001:db8::30"), "example.org");

        assertThat(hosts(route)).containsExactlyInAnyOrder("a.example.org", "b.example.org");
        assertThat(deliver(route).notes()).singleElement().asString().contains("backup.example.org (preference 20)");
    }

    @Test
    void whenWeAreTheBestMxHostMailLoopsBackToMyself() throws Exception {
        server.mx("example.org", 10, "a.example.org").mx("example.org", 10, "us.example.org")
                .mx("example.org", 20, "c.example.org")
                .a("a.example.org", "192.0.2.1").a("us.example.org", "192.0.2.20").a("c.example.org", "192.0.2.3");

        for (Myself me : List.of(named("us.example.org"), at("192.0.2.20"))) {
            assertThat(route(me, "example.org")).isInstanceOfSatisfying(Route.Bounce.class, b -> {
                assertThat(b.enhancedCode()).isEqualTo("5.4.6");
                assertThat(b.text()).isEqualTo("mail for example.org loops back to myself: "
                        + "this gateway is its best mail host, us.example.org (preference 10)");
            });
        }
    }

    @Test
    void anImplicitMxThatIsUsLoops() throws Exception {
        server.a("example.org", "192.0.2.20");

        assertThat(route(at("192.0.2.20"), "example.org")).isInstanceOfSatisfying(Route.Bounce.class,
                b -> assertThat(b.enhancedCode()).isEqualTo("5.4.6"));
        assertThat(route(named("example.org"), "example.org")).isInstanceOfSatisfying(Route.Bounce.class,
                b -> assertThat(b.enhancedCode()).isEqualTo("5.4.6"));
    }

    @Test
    void aBackupMxWhoseBetterHostCannotBeResolvedDefers() throws Exception {
        server.mx("example.org", 10, "primary.example.org").mx("example.org", 20, "us.example.org")
                .behave("primary.example.org", RecordType.A, Behaviour.SERVFAIL)
                .behave("primary.example.org", RecordType.AAAA, Behaviour.SERVFAIL)
                .a("us.example.org", "192.0.2.20")
                .mx("missing.example", 10, "gone.missing.example").mx("missing.example", 20, "us.example.org");

        for (String domain : List.of("example.org", "missing.example")) {
            assertThat(route(named("us.example.org"), domain)).isInstanceOfSatisfying(Route.Defer.class, d -> {
                assertThat(d.enhancedCode()).isEqualTo("4.4.4");
                assertThat(d.text()).startsWith("unable to find primary relay for " + domain + ": ");
            });
        }
    }

    // ---------------------------------------------------------------- transports from the configuration

    @Test
    void aRelayDomainGoesToItsNextHopWithoutAnMxLookup() throws Exception {
        server.mx("example.org", 10, "mx.example.org").a("mx.example.org", "192.0.2.1")
                .a("relay.internal", "10.0.0.5").aaaa("relay.internal", "fd00::5");
        Transports transports = MX_ONLY.withRelayDomain("example.org", NextHop.parse("[relay.internal]:2525"));

        Route route = route(transports, "example.org");

        assertThat(attempts(route)).containsExactly("relay.internal 10.0.0.5:2525/0", "relay.internal [fd00::5]:2525/0");
        assertThat(deliver(route).notes()).containsExactly("relay domain example.org: next hop relay.internal:2525");
        assertThat(server.queries("example.org", RecordType.MX)).isZero();
        assertThat(server.queries("relay.internal", RecordType.MX)).isZero();
    }

    @Test
    void aRelayDomainWithALeadingDotCoversSubdomainsOnly() throws Exception {
        server.mx("example.org", 10, "mx.example.org").a("mx.example.org", "192.0.2.1");
        Transports transports = MX_ONLY.withRelayDomain(".example.org", NextHop.parse("10.0.0.5"))
                .withRelayDomain("special.example.org", NextHop.parse("10.0.0.6:26"))
                .withDefaultPort(2525);

        assertThat(attempts(route(transports, "a.b.example.org"))).containsExactly("10.0.0.5 10.0.0.5:2525/0");
        assertThat(attempts(route(transports, "special.example.org"))).containsExactly("10.0.0.6 10.0.0.6:26/0");
        assertThat(attempts(route(transports, "example.org"))).containsExactly("mx.example.org 192.0.2.1:2525/10");
        assertThat(server.queries("a.b.example.org", RecordType.MX)).isZero();
    }

    @Test
    void theSmartHostTakesEverythingButRelayDomains() throws Exception {
        server.a("smart.isp.example", "192.0.2.99");
        Transports transports = new Transports(Map.of("example.org", NextHop.of("10.0.0.5")),
                Optional.of(NextHop.parse("smart.isp.example:587")), 25, AddressOrder.IPV4_FIRST);

        Route other = route(transports, "elsewhere.example");

        assertThat(attempts(other)).containsExactly("smart.isp.example 192.0.2.99:587/0");
        assertThat(deliver(other).notes()).containsExactly("smart host smart.isp.example:587");
        assertThat(attempts(route(transports, "example.org"))).containsExactly("10.0.0.5 10.0.0.5:25/0");
        assertThat(attempts(route(transports, "[192.0.2.7]"))).containsExactly("smart.isp.example 192.0.2.99:587/0");
        assertThat(server.queries("elsewhere.example", RecordType.MX)).isZero();
    }

    @Test
    void aNextHopWithoutAnAddressDefers() throws Exception {
        server.behave("broken.internal", RecordType.A, Behaviour.SERVFAIL);

        assertThat(route(MX_ONLY.withSmartHost(NextHop.of("gone.internal")), "example.org"))
                .isInstanceOfSatisfying(Route.Defer.class, d -> {
                    assertThat(d.enhancedCode()).isEqualTo("4.4.4");
                    assertThat(d.text()).startsWith("next hop gone.internal for example.org has no address");
                });
        assertThat(route(MX_ONLY.withSmartHost(NextHop.of("broken.internal")), "example.org"))
                .isInstanceOfSatisfying(Route.Defer.class, d -> assertThat(d.enhancedCode()).isEqualTo("4.4.3"));
    }

    @Test
    void anAddressLiteralGoesToThatAddressUnlessItIsOurs() throws Exception {
        Route route = route(MX_ONLY.withDefaultPort(2525), at("192.0.2.20"), "[IPv6:2001:DB8::7]");

        assertThat(attempts(route)).containsExactly("2001:db8::7 [2001:db8::7]:2525/0");
        assertThat(route(at("192.0.2.20"), "[192.0.2.20]")).isInstanceOfSatisfying(Route.Bounce.class,
                b -> assertThat(b.enhancedCode()).isEqualTo("5.4.6"));
        assertThat(route("[192.0.2.300]")).isInstanceOfSatisfying(Route.Bounce.class,
                b -> assertThat(b.enhancedCode()).isEqualTo("5.1.3"));
        assertThat(server.queries()).isZero();
    }
}
