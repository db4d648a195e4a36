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
import org.xbill.DNS.DClass;
import org.xbill.DNS.Name;
import org.xbill.DNS.TXTRecord;

@Timeout(value = 5, unit = TimeUnit.SECONDS)
class MailHostsLookupTest {
    @RegisterExtension
    final FakeDns dns = new FakeDns();
    private final FakeDnsServer server = dns.server();
    private final DnsClient client = dns.client(Duration.ofMillis(200), 1);

    private MailHosts find(String domain) throws Exception {
        return MailHostsLookup.find(domain, client).get(3, TimeUnit.SECONDS);
    }

    private static InetAddress ip(String literal) {
        return InetAddresses.require(literal);
    }

    /** A record that makes the name exist without giving it MX, A or AAAA. */
    private static TXTRecord spf(String domain) {
        return new TXTRecord(Name.fromConstantString(domain + "."), DClass.IN, 300, "v=spf1 -all");
    }

    @Test
    void mxHostsSortedByPreference() throws Exception {
        server.mx("example.org", 30, "c.example.org")
                .mx("example.org", 10, "a.example.org")
                .mx("example.org", 20, "b.example.org");

        MailHosts hosts = find("Example.ORG.");

        assertThat(hosts).isEqualTo(new MailHosts.Mx("example.org", List.of(
                new MxRecord(10, "a.example.org"), new MxRecord(20, "b.example.org"), new MxRecord(30, "c.example.org"))));
        assertThat(server.queries("example.org", RecordType.A)).isZero();
        assertThat(server.queries("example.org", RecordType.AAAA)).isZero();
    }

    @Test
    void nullMx() throws Exception {
        server.nullMx("no-mail.example").a("no-mail.example", "192.0.2.1");

        assertThat(find("no-mail.example")).isEqualTo(new MailHosts.NullMx("no-mail.example"));
        assertThat(server.queries()).isEqualTo(1);
    }

    @Test
    void aStrayNullMxAmongRealOnesIsDropped() throws Exception {
        server.nullMx("mixed.example").mx("mixed.example", 10, "mail.mixed.example");

        assertThat(find("mixed.example"))
                .isEqualTo(new MailHosts.Mx("mixed.example", List.of(new MxRecord(10, "mail.mixed.example"))));
    }

    @Test
    void noMxMeansTheDomainItselfWithItsAddresses() throws Exception {
        server.a("example.org", "192.0.2.1").aaaa("example.org", "2001:db8::1");

        MailHosts hosts = find("example.org");

        assertThat(hosts).isInstanceOf(MailHosts.ImplicitMx.class);
        MailHosts.ImplicitMx implicit = (MailHosts.ImplicitMx) hosts;
        assertThat(implicit.addresses()).containsExactly(ip("192.0.2.1"), ip("2001:db8::1"));
        assertThat(implicit.family(RecordType.A).values()).containsExactly(ip("192.0.2.1"));
        assertThat(implicit.family(RecordType.AAAA).values()).containsExactly(ip("2001:db8::1"));
    }

    @Test
    void implicitMxWithOneFamilyOnly() throws Exception {
        server.aaaa("v6only.example", "2001:db8::25");

        MailHosts hosts = find("v6only.example");

        assertThat(hosts).isInstanceOf(MailHosts.ImplicitMx.class);
        MailHosts.ImplicitMx implicit = (MailHosts.ImplicitMx) hosts;
        assertThat(implicit.a()).isInstanceOf(DnsAnswer.NoData.class);
        assertThat(implicit.addresses()).containsExactly(ip("2001:db8::25"));
    }

    @Test
    void implicitMxEvenIfTheOtherFamilyFailsTemporarily() throws Exception {
        server.a("example.org", "192.0.2.1").behave("example.org", RecordType.AAAA, Behaviour.SERVFAIL);

        MailHosts hosts = find("example.org");

        assertThat(hosts).isInstanceOf(MailHosts.ImplicitMx.class);
        assertThat(((MailHosts.ImplicitMx) hosts).aaaa()).isInstanceOf(DnsAnswer.TempFail.class);
    }

    @Test
    void noMxAndNoAddressIsNoMailHosts() throws Exception {
        server.add(spf("txt-only.example"));

        assertThat(find("txt-only.example")).isEqualTo(new MailHosts.NoMailHosts("txt-only.example"));
        assertThat(server.queries()).isEqualTo(3);
    }

    @Test
    void nxDomainIsNoSuchDomain() throws Exception {
        assertThat(find("nowhere.example")).isEqualTo(new MailHosts.NoSuchDomain("nowhere.example"));
        assertThat(server.queries()).isEqualTo(1);
    }

    @Test
    void tempFailOnMxIsUnknown() throws Exception {
        server.a("example.org", "192.0.2.1").behave("example.org", RecordType.MX, Behaviour.SERVFAIL);

        MailHosts hosts = find("example.org");

        assertThat(hosts).isInstanceOf(MailHosts.Unknown.class);
        assertThat(((MailHosts.Unknown) hosts).reason()).contains("SERVFAIL");
        assertThat(server.queries("example.org", RecordType.A)).isZero();
    }

    @Test
    void timeoutOnMxIsUnknown() throws Exception {
        server.behave("example.org", RecordType.MX, Behaviour.DROP);

        assertThat(find("example.org")).isInstanceOf(MailHosts.Unknown.class);
    }

    @Test
    void aTempFailWhileAaaaIsNoDataIsUnknown() throws Exception {
        server.add(spf("example.org")).behave("example.org", RecordType.A, Behaviour.SERVFAIL);

        MailHosts hosts = find("example.org");

        assertThat(hosts).isInstanceOf(MailHosts.Unknown.class);
        assertThat(((MailHosts.Unknown) hosts).reason()).contains("SERVFAIL").contains("A example.org");
    }

    @Test
    void aaaaTempFailWhileAIsNoDataIsUnknown() throws Exception {
        server.add(spf("example.org")).behave("example.org", RecordType.AAAA, Behaviour.GARBAGE);

        assertThat(find("example.org")).isInstanceOf(MailHosts.Unknown.class);
    }
}
