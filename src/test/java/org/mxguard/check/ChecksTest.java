package org.mxguard.check;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;
import org.junit.jupiter.api.Test;
import org.mxguard.dns.InetAddresses;
import org.mxguard.dns.Lookups;
import org.mxguard.dns.RecordType;

/** Check logic against an in-memory resolver; the real-DNS behaviour is in the integration tests. */
class ChecksTest {
    private static final String IP = "192.0.2.7";

    private static SessionFacts facts(String ip) {
        return SessionFacts.connect(InetAddresses.require(ip));
    }

    private static CheckResult run(Check check, SessionFacts facts, MapResolver dns) {
        return check.run(facts, dns).join();
    }

    @Test
    void iprevConsidersEveryPtrName() {
        MapResolver dns = new MapResolver().ptr(IP, "a.example.org", "b.example.org", "c.example.org")
                .a("b.example.org", "192.0.2.99").a("c.example.org", IP);
        CheckResult r = run(new IprevCheck(), facts(IP), dns);
        assertThat(r.result()).isEqualTo(Result.PASS);
        assertThat(IprevCheck.confirmedNames(r)).containsExactly("c.example.org");
    }

    @Test
    void iprevFailsWithoutPtrAndWhenNoNameConfirms() {
        assertThat(run(new IprevCheck(), facts(IP), new MapResolver()).problem()).isEqualTo("no-ptr");
        MapResolver dns = new MapResolver().ptr(IP, "a.example.org").a("a.example.org", "192.0.2.8");
        CheckResult r = run(new IprevCheck(), facts(IP), dns);
        assertThat(r.result()).isEqualTo(Result.FAIL);
        assertThat(r.problem()).isEqualTo("unconfirmed");
    }

    @Test
    void iprevIsTemperrorWhenAnUnconfirmedNameFailedTemporarily() {
        MapResolver dns = new MapResolver().ptr(IP, "a.example.org").tempfail("a.example.org", RecordType.A);
        assertThat(run(new IprevCheck(), facts(IP), dns).result()).isEqualTo(Result.TEMPERROR);
        assertThat(run(new IprevCheck(), facts(IP), new MapResolver().tempfailPtr(IP)).result()).isEqualTo(Result.TEMPERROR);
    }

    @Test
    void iprevConfirmsIpv6WithAaaa() {
        String v6 = "2001:db8::25";
        MapResolver dns = new MapResolver().ptr(v6, "mail6.example.org").addresses("mail6.example.org", "2001:db8::25");
        assertThat(run(new IprevCheck(), facts(v6), dns).result()).isEqualTo(Result.PASS);
    }

    @Test
    void iprevOverBudgetIsPermerrorAndCostsAtMostTheBudget() {
        String[] names = new String[30];
        for (int i = 0; i < names.length; i++) {
            names[i] = "h" + i + ".many.example";
        }
        MapResolver dns = new MapResolver().ptr(IP, names);
        Lookups lookups = new Lookups(dns, 20);
        CheckResult r = new IprevCheck().run(facts(IP), lookups).join();
        assertThat(r.result()).isEqualTo(Result.PERMERROR);
        assertThat(dns.asked()).hasSizeLessThanOrEqualTo(20);
    }

    @Test
    void heloSyntaxAndLiterals() {
        HeloCheck helo = new HeloCheck(new LocalIdentity(Set.of("mx.us.example"), Set.of(InetAddresses.require("198.51.100.1"))));
        MapResolver dns = new MapResolver().a("mail.example.org", IP);
        assertThat(run(helo, facts(IP).withHelo("localhost"), dns).problem()).isEqualTo("localhost");
        assertThat(run(helo, facts(IP).withHelo("Mail-Server"), dns).problem()).isEqualTo("syntax");
        assertThat(run(helo, facts(IP).withHelo(IP), dns).problem()).isEqualTo("bare-ip");
        assertThat(run(helo, facts(IP).withHelo("[" + IP + "]"), dns).result()).isEqualTo(Result.PASS);
        assertThat(run(helo, facts(IP).withHelo("[192.0.2.8]"), dns).problem()).isEqualTo("literal-mismatch");
        assertThat(run(helo, facts(IP).withHelo("[198.51.100.1]"), dns).problem()).isEqualTo("our-address");
        // RFC 5321 §4.1.3: IPv6 literals carry their tag, IPv4 ones none
        assertThat(run(helo, facts("2001:db8::7").withHelo("[IPv6:2001:db8::7]"), dns).result()).isEqualTo(Result.PASS);
        assertThat(run(helo, facts("2001:db8::7").withHelo("[ipv6:2001:DB8:0::7]"), dns).result()).isEqualTo(Result.PASS);
        CheckResult untagged = run(helo, facts("2001:db8::7").withHelo("[2001:db8::7]"), dns);
        assertThat(untagged.problem()).isEqualTo("syntax");
        assertThat(untagged.reason()).contains("[IPv6:address]");
        assertThat(run(helo, facts(IP).withHelo("[IPv6:" + IP + "]"), dns).problem()).isEqualTo("syntax");
        assertThat(run(helo, facts(IP).withHelo("MX.us.example."), dns).problem()).isEqualTo("our-name");
        assertThat(run(helo, facts(IP).withHelo("bad_name.example.org"), dns).problem()).isEqualTo("syntax");
        assertThat(run(helo, facts(IP), dns).result()).isEqualTo(Result.NONE);
    }

    @Test
    void heloResolutionAndPtrEvidence() {
        HeloCheck helo = new HeloCheck(LocalIdentity.none());
        MapResolver dns = new MapResolver().a("mail.example.org", IP).ptr(IP, "out.example.org").a("out.example.org", IP)
                .exists("noaddr.example.org");
        CheckResult pass = run(helo, facts(IP).withHelo("mail.example.org"), dns);
        assertThat(pass.result()).isEqualTo(Result.PASS);
        assertThat(pass.evidence()).containsEntry("resolves-to-client", "yes")
                .containsEntry("matches-ptr", "same registrable domain (out.example.org)");
        assertThat(run(helo, facts(IP).withHelo("nx.example.org"), dns).problem()).isEqualTo("nxdomain");
        assertThat(run(helo, facts(IP).withHelo("noaddr.example.org"), dns).problem()).isEqualTo("no-address");
        MapResolver temp = new MapResolver().tempfail("mail.example.org", RecordType.A);
        assertThat(run(helo, facts(IP).withHelo("mail.example.org"), temp).result()).isEqualTo(Result.TEMPERROR);
    }

    @Test
    void senderDomainOutcomes() {
        SenderDomainCheck check = new SenderDomainCheck();
        MapResolver dns = new MapResolver().mx("mx.example", 10, "mail.mx.example").mx("null.example", 0, "")
                .a("null.example", "192.0.2.1").a("implicit.example", "192.0.2.2").exists("empty.example")
                .tempfail("slow.example", RecordType.MX);
        assertThat(run(check, facts(IP).withMailFrom("a@mx.example"), dns).result()).isEqualTo(Result.PASS);
        assertThat(run(check, facts(IP).withMailFrom("a@implicit.example"), dns).result()).isEqualTo(Result.PASS);
        assertThat(run(check, facts(IP).withMailFrom("a@null.example"), dns).problem()).isEqualTo("null-mx");
        assertThat(run(check, facts(IP).withMailFrom("a@nx.example"), dns).problem()).isEqualTo("nxdomain");
        assertThat(run(check, facts(IP).withMailFrom("a@empty.example"), dns).problem()).isEqualTo("no-mail-host");
        assertThat(run(check, facts(IP).withMailFrom("a@slow.example"), dns).result()).isEqualTo(Result.TEMPERROR);
        assertThat(run(check, facts(IP).withMailFrom(""), dns).result()).isEqualTo(Result.NONE);
    }

    @Test
    void reverseMxComparesTheClientWithTheMxHostsOfEachSource() {
        MapResolver dns = new MapResolver().mx("sender.example", 10, "mx1.sender.example", 20, "mx2.sender.example")
                .a("mx1.sender.example", "192.0.2.1").a("mx2.sender.example", IP)
                .a("implicit.example", IP).mx("other.example", 10, "mx.other.example").a("mx.other.example", "192.0.2.50")
                .ptr(IP, "relay.sender.example");
        SessionFacts f = facts(IP).withMailFrom("a@sender.example").withHeaders("Boss <b@other.example>", null);
        assertThat(run(new ReverseMxCheck(ReverseMxCheck.Source.MAIL_FROM), f, dns).result()).isEqualTo(Result.PASS);
        assertThat(run(new ReverseMxCheck(ReverseMxCheck.Source.FROM), f, dns).problem()).isEqualTo("not-mx");
        assertThat(run(new ReverseMxCheck(ReverseMxCheck.Source.REPLY_TO), f, dns).result()).isEqualTo(Result.NONE);
        assertThat(run(new ReverseMxCheck(ReverseMxCheck.Source.PTR), f, dns).result()).isEqualTo(Result.PASS);
        SessionFacts implicit = facts(IP).withMailFrom("x@implicit.example");
        assertThat(run(new ReverseMxCheck(ReverseMxCheck.Source.MAIL_FROM), implicit, dns).result()).isEqualTo(Result.PASS);
    }

    @Test
    void reverseMxAsksOnlyTheClientsAddressFamily() {
        MapResolver dns = new MapResolver().mx("sender.example", 10, "mx1.sender.example").a("mx1.sender.example", IP);
        run(new ReverseMxCheck(ReverseMxCheck.Source.MAIL_FROM), facts(IP).withMailFrom("a@sender.example"), dns);
        assertThat(dns.asked()).extracting(q -> q.type()).doesNotContain(RecordType.AAAA);
    }

    @Test
    void reverseMxNeverFailsOnATemporaryFailure() {
        MapResolver dns = new MapResolver().mx("sender.example", 10, "mx1.sender.example", 20, "mx2.sender.example")
                .a("mx1.sender.example", "192.0.2.1").tempfail("mx2.sender.example", RecordType.A);
        CheckResult r = run(new ReverseMxCheck(ReverseMxCheck.Source.MAIL_FROM), facts(IP).withMailFrom("a@sender.example"), dns);
        assertThat(r.result()).isEqualTo(Result.TEMPERROR);
    }

    @Test
    void reverseMxWithFiftyMxHostsStaysWithinTheBudget() {
        MapResolver dns = new MapResolver();
        Object[] mx = new Object[100];
        for (int i = 0; i < 50; i++) {
            mx[2 * i] = 10;
            mx[2 * i + 1] = "mx" + i + ".big.example";
            dns.a("mx" + i + ".big.example", "192.0.2." + (100 + i));
        }
        dns.mx("big.example", mx);
        CheckResult r = new ReverseMxCheck(ReverseMxCheck.Source.MAIL_FROM)
                .run(facts(IP).withMailFrom("a@big.example"), new Lookups(dns, 20)).join();
        assertThat(r.result()).isEqualTo(Result.PERMERROR);
        assertThat(dns.asked()).hasSizeLessThanOrEqualTo(20);
    }
}
