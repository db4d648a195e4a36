package org.mxguard.dns;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.mxguard.testkit.Behaviour;
import org.mxguard.testkit.FakeDns;
import org.mxguard.testkit.FakeDnsServer;

@Timeout(value = 5, unit = TimeUnit.SECONDS)
class MailRouteLookupTest {
    @RegisterExtension
    final FakeDns dns = new FakeDns();
    private final FakeDnsServer server = dns.server();
    private final DnsClient client = dns.client(Duration.ofMillis(200), 1);

    private MailRoute find(String domain) throws Exception {
        return MailRouteLookup.find(domain, client).get(3, TimeUnit.SECONDS);
    }

    private static InetAddress ip(String literal) {
        return InetAddresses.require(literal);
    }

    private static List<String> hostNames(List<HostAddresses> hosts) {
        return hosts.stream().map(h -> h.mx().host()).toList();
    }

    @Test
    void equalPreferencesFormOneGroup() throws Exception {
        server.mx("example.org", 20, "backup.example.org")
                .mx("example.org", 10, "mx1.example.org")
                .mx("example.org", 10, "mx2.example.org")
                .a("mx1.example.org", "192.0.2.1")
                .a("mx2.example.org", "192.0.2.2").aaaa("mx2.example.org", "2001:db8::2")
                .a("backup.example.org", "192.0.2.9");

        MailRoute route = find("example.org");

        assertThat(route.hosts()).isInstanceOf(MailHosts.Mx.class);
        assertThat(route.groups()).extracting(MailRoute.PreferenceGroup::preference).containsExactly(10, 20);
        assertThat(hostNames(route.groups().get(0).hosts())).containsExactlyInAnyOrder("mx1.example.org", "mx2.example.org");
        assertThat(hostNames(route.groups().get(1).hosts())).containsExactly("backup.example.org");
        HostAddresses mx2 = route.mxHosts().stream().filter(h -> h.mx().host().equals("mx2.example.org")).findFirst().orElseThrow();
        assertThat(mx2.addresses()).containsExactly(ip("192.0.2.2"), ip("2001:db8::2"));
        assertThat(route.mxHosts()).noneMatch(HostAddresses::isCname).noneMatch(HostAddresses::isIpLiteral)
                .noneMatch(HostAddresses::hasTempFail);
        // one MX query, then A and AAAA for each of the three hosts
        assertThat(server.queries()).isEqualTo(7);
    }

    @Test
    void anAliasedMxTargetIsDetected() throws Exception {
        server.mx("example.org", 10, "alias.example.org")
                .cname("alias.example.org", "real.example.net")
                .a("real.example.net", "192.0.2.5");

        HostAddresses host = find("example.org").mxHosts().getFirst();

        assertThat(host.isCname()).isTrue();
        assertThat(host.aliasChain()).containsExactly("real.example.net");
        assertThat(host.addresses()).containsExactly(ip("192.0.2.5"));
        assertThat(host.aaaa()).isInstanceOf(DnsAnswer.NoData.class);
    }

    @Test
    void anAliasIsDetectedFromAaaaAlone() throws Exception {
        server.mx("example.org", 10, "alias.example.org")
                .cname("alias.example.org", "real.example.net")
                .aaaa("real.example.net", "2001:db8::5")
                .behave("alias.example.org", RecordType.A, Behaviour.SERVFAIL);

        HostAddresses host = find("example.org").mxHosts().getFirst();

        assertThat(host.isCname()).isTrue();
        assertThat(host.hasTempFail()).isTrue();
    }

    @Test
    void anIpLiteralMxTargetIsDetected() throws Exception {
        server.mx("example.org", 10, "192.0.2.1");

        HostAddresses host = find("example.org").mxHosts().getFirst();

        assertThat(host.isIpLiteral()).isTrue();
        assertThat(host.mx().host()).isEqualTo("192.0.2.1");
        assertThat(host.addresses()).isEmpty();
    }

    @Test
    void aHostWithAFailedLookupIsFlagged() throws Exception {
        server.mx("example.org", 10, "mx.example.org")
                .a("mx.example.org", "192.0.2.1")
                .behave("mx.example.org", RecordType.AAAA, Behaviour.DROP);

        HostAddresses host = find("example.org").mxHosts().getFirst();

        assertThat(host.hasTempFail()).isTrue();
        assertThat(host.addresses()).containsExactly(ip("192.0.2.1"));
    }

    @Test
    void routesWithoutMxHostsHaveNoHostLookups() throws Exception {
        server.a("implicit.example", "192.0.2.1").nullMx("null.example");

        MailRoute implicit = find("implicit.example");
        MailRoute nullMx = find("null.example");
        MailRoute nowhere = find("nowhere.example");

        assertThat(implicit.hosts()).isInstanceOf(MailHosts.ImplicitMx.class);
        assertThat(nullMx.hosts()).isInstanceOf(MailHosts.NullMx.class);
        assertThat(nowhere.hosts()).isInstanceOf(MailHosts.NoSuchDomain.class);
        assertThat(List.of(implicit, nullMx, nowhere)).allSatisfy(r -> {
            assertThat(r.mxHosts()).isEmpty();
            assertThat(r.groups()).isEmpty();
        });
    }
}
