package org.mxguard.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.mxguard.check.GenericNameClassifier;
import org.mxguard.check.MapResolver;
import org.mxguard.dns.InetAddresses;
import org.mxguard.dns.RecordType;

/** The cases the test bed's zones do not cover, on an in-memory resolver. */
class AuditorTest {
    private static final String D = "example.net";

    static AuditReport audit(MapResolver dns, List<String> egress, List<String> helo) {
        List<InetAddress> ips = egress.stream().map(InetAddresses::require).toList();
        return new Auditor(dns, GenericNameClassifier.standard()).audit(D, ips, helo).join();
    }

    static Finding only(AuditReport r, String id, String subject) {
        List<Finding> found = r.findings().stream().filter(f -> f.id().equals(id) && f.subject().equals(subject)).toList();
        assertThat(found).as("%s %s in %s", id, subject, r.findings()).hasSize(1);
        return found.get(0);
    }

    static List<String> ids(AuditReport r) {
        return r.findings().stream().map(f -> f.id() + " " + f.subject()).toList();
    }

    static MapResolver twoHosts() {
        return new MapResolver().mx(D, 10, "a.example.net", 10, "b.example.net", 20, "a.example.net")
                .a("a.example.net", "192.0.2.1").ptr("192.0.2.1", "a.example.net")
                .a("b.example.net", "192.0.2.2").ptr("192.0.2.2", "b.example.net");
    }

    @Test
    void equalPreferencesAreExplainedAndARepeatedHostWarned() {
        AuditReport r = audit(twoHosts(), List.of(), List.of());
        assertThat(only(r, "mx-equal-preference", D).summary()).contains("a.example.net, b.example.net").contains("at random");
        Finding dup = only(r, "mx-duplicate-host", "a.example.net");
        assertThat(dup.severity()).isEqualTo(Severity.WARN);
        assertThat(dup.fix().orElseThrow().advice()).contains("example.net. IN MX 20 a.example.net.");
        assertThat(ids(r)).doesNotContain("mx-single-host " + D).doesNotContain("mx-backup " + D);
    }

    @Test
    void findingsAreOrderedMostSevereFirst() {
        AuditReport r = audit(twoHosts(), List.of("192.0.2.9"), List.of()); // no PTR, not an MX address
        assertThat(r.findings()).extracting(Finding::severity).isSortedAccordingTo(Enum::compareTo);
        assertThat(r.findings().get(0).severity()).isEqualTo(Severity.FAIL);
    }

    @Test
    void anUnconfirmedPtrInTheDomainIsFixedWithAnAddressRecordOfOurOwn() {
        MapResolver dns = twoHosts().ptr("192.0.2.7", "out.example.net").a("out.example.net", "192.0.2.70");
        Finding f = only(audit(dns, List.of("192.0.2.7"), List.of()), "ptr-not-confirmed", "192.0.2.7");
        assertThat(f.fix().orElseThrow().records()).containsExactly("out.example.net. IN A 192.0.2.7");
        assertThat(f.fix().orElseThrow().askIpOwner()).isEmpty();
    }

    @Test
    void anEgressWithAConfirmedPtrInTheDomainKeepsItsNameAsTheNewMxHost() {
        MapResolver dns = twoHosts().ptr("192.0.2.8", "out.example.net").a("out.example.net", "192.0.2.8");
        AuditReport r = audit(dns, List.of("192.0.2.8"), List.of());
        Fix fix = only(r, "egress-not-mx-address", "192.0.2.8").fix().orElseThrow();
        assertThat(fix.records()).containsExactly("example.net. IN MX 30 out.example.net.", "out.example.net. IN A 192.0.2.8");
        assertThat(fix.askIpOwner()).containsExactly("8.2.0.192.in-addr.arpa. IN PTR out.example.net.");
        only(r, "ptr-confirmed", "192.0.2.8");
    }

    @Test
    void anIpv6EgressGetsAnAaaaRecordAndAnIp6ArpaPtr() {
        AuditReport r = audit(twoHosts(), List.of("2001:db8::7"), List.of());
        Fix fix = only(r, "egress-not-mx-address", "2001:db8::7").fix().orElseThrow();
        assertThat(fix.records()).containsExactly("example.net. IN MX 30 mx1.example.net.", "mx1.example.net. IN AAAA 2001:db8::7");
        assertThat(fix.askIpOwner()).singleElement().asString()
                .startsWith("7.0.0.0.").endsWith(".8.b.d.0.1.0.0.2.ip6.arpa. IN PTR mx1.example.net.");
    }

    @Test
    void anEgressOfAnImplicitMxDomainKeepsTheImplicitMxExplicitly() {
        MapResolver dns = new MapResolver().a(D, "192.0.2.1").ptr("192.0.2.1", D);
        Fix fix = only(audit(dns, List.of("192.0.2.5"), List.of()), "egress-not-mx-address", "192.0.2.5").fix().orElseThrow();
        assertThat(fix.records()).containsExactly(
                "example.net. IN MX 10 example.net.", "example.net. IN MX 10 mx1.example.net.", "mx1.example.net. IN A 192.0.2.5");
    }

    @Test
    void heloNamesPairWithEgressAddressesInOrder() {
        AuditReport r = audit(twoHosts(), List.of("192.0.2.1", "192.0.2.2"), List.of("a.example.net", "a.example.net"));
        only(r, "helo-matches-ptr", "192.0.2.1");
        Finding mismatch = only(r, "helo-not-ptr", "192.0.2.2");
        assertThat(mismatch.fix().orElseThrow().advice()).contains("HELO b.example.net");
        assertThatThrownBy(() -> audit(twoHosts(), List.of(), List.of("a.example.net")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--egress");
    }

    @Test
    void aForwardLookupThatFailsTemporarilyIsATemperrorNotAnUnconfirmedPtr() {
        MapResolver dns = twoHosts().ptr("192.0.2.6", "slow.example.net").tempfail("slow.example.net", RecordType.A);
        AuditReport r = audit(dns, List.of("192.0.2.6"), List.of());
        assertThat(only(r, "ptr-tempfail", "192.0.2.6").severity()).isEqualTo(Severity.TEMPERROR);
        assertThat(ids(r)).doesNotContain("ptr-not-confirmed 192.0.2.6");
    }

    @Test
    void aDomainWithoutMailHostsFails() {
        AuditReport r = audit(new MapResolver().exists(D), List.of(), List.of());
        Finding f = only(r, "mx-missing", D);
        assertThat(f.severity()).isEqualTo(Severity.FAIL);
        assertThat(f.fix().orElseThrow().records()).containsExactly("example.net. IN MX 10 mx1.example.net.", "mx1.example.net. IN A <address>");
        assertThat(only(audit(new MapResolver(), List.of(), List.of()), "mx-domain-nxdomain", D).severity()).isEqualTo(Severity.FAIL);
    }
}
