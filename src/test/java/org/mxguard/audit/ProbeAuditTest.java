package org.mxguard.audit;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.mxguard.dns.DnsAnswer;
import org.mxguard.dns.DnsQuestion;
import org.mxguard.dns.HostAddresses;
import org.mxguard.dns.InetAddresses;
import org.mxguard.dns.MailHosts;
import org.mxguard.dns.MailRoute;
import org.mxguard.dns.MxRecord;
import org.mxguard.dns.RecordType;
import org.mxguard.smtp.SmtpProbe;

/** The probe's layouts on made-up probe results: the cases the listener test does not set up. */
class ProbeAuditTest {
    private static final String D = "example.net";

    private static final SmtpProbe.Result REFUSED =
            new SmtpProbe.Result(SmtpProbe.Outcome.REFUSED, Optional.empty(), Optional.empty(), "connection refused", Optional.empty());
    private static final SmtpProbe.Result BUSY = greeted("421 4.3.2 busy");
    private static final SmtpProbe.Result OPEN = greeted("220 x.example.net ESMTP");

    private static SmtpProbe.Result greeted(String line) {
        return new SmtpProbe.Result(SmtpProbe.Outcome.GREETED, Optional.of(List.of(line)), Optional.empty(), line, Optional.empty());
    }

    /** One MX host: preference, name, addresses. */
    private record Host(int preference, String name, List<String> ips) {
    }

    private static MailRoute route(List<Host> hosts) {
        List<MxRecord> records = new ArrayList<>();
        List<HostAddresses> addresses = new ArrayList<>();
        for (Host h : hosts) {
            MxRecord mx = new MxRecord(h.preference(), h.name());
            records.add(mx);
            List<InetAddress> ips = h.ips().stream().map(InetAddresses::require).toList();
            addresses.add(new HostAddresses(mx, new DnsAnswer.Records<>(DnsQuestion.of(h.name(), RecordType.A), ips, 300, List.of()),
                    new DnsAnswer.NoData<>(DnsQuestion.of(h.name(), RecordType.AAAA), 300, List.of())));
        }
        return new MailRoute(new MailHosts.Mx(D, records), addresses);
    }

    private static ProbeAudit.Probed probed(String ip, String host, SmtpProbe.Result r) {
        return new ProbeAudit.Probed(InetAddresses.require(ip), 25, host, "probe.invalid", r);
    }

    private static List<String> ids(List<Finding> findings) {
        return findings.stream().map(f -> f.id() + " " + f.severity().label() + " " + f.subject()).toList();
    }

    @Test
    void threePreferencesCanBeNolistingAndTrapAtOnceAndOneAcceptingAddressMakesAHostAccept() {
        MailRoute route = route(List.of(new Host(10, "a.example.net", List.of("192.0.2.1")),
                new Host(20, "b.example.net", List.of("192.0.2.2", "192.0.2.3")),
                new Host(30, "c.example.net", List.of("192.0.2.4"))));
        List<Finding> f = ProbeAudit.findings(D, route, List.of(probed("192.0.2.1", "a.example.net", REFUSED),
                probed("192.0.2.2", "b.example.net", REFUSED), probed("192.0.2.3", "b.example.net", OPEN),
                probed("192.0.2.4", "c.example.net", BUSY)), Map.of());
        assertThat(ids(f)).contains("layout-nolisting warn " + D, "layout-trap-mx pass " + D,
                "smtp-unreachable warn 192.0.2.1", "smtp-unreachable warn 192.0.2.2", "smtp-accepts pass 192.0.2.3",
                "smtp-greeting-refused warn 192.0.2.4");
        assertThat(ids(f)).as("no reverse DNS given: nothing to compare the banner with")
                .noneMatch(id -> id.startsWith("smtp-banner"));
        assertThat(ids(f)).doesNotContain("smtp-none-accepts fail " + D);
    }

    @Test
    void aPreferenceGroupWithOneAcceptingHostIsNotNolisting() {
        MailRoute route = route(List.of(new Host(10, "a.example.net", List.of("192.0.2.1")),
                new Host(10, "b.example.net", List.of("192.0.2.2")), new Host(20, "c.example.net", List.of("192.0.2.3"))));
        List<Finding> f = ProbeAudit.findings(D, route, List.of(probed("192.0.2.1", "a.example.net", REFUSED),
                probed("192.0.2.2", "b.example.net", OPEN), probed("192.0.2.3", "c.example.net", OPEN)), Map.of());
        assertThat(ids(f)).noneMatch(id -> id.startsWith("layout-"));
    }

    @Test
    void aPreferredHostThatGreets421IsNotNolistingForNothingListensThere() {
        MailRoute route = route(List.of(new Host(10, "a.example.net", List.of("192.0.2.1")),
                new Host(20, "b.example.net", List.of("192.0.2.2"))));
        List<Finding> f = ProbeAudit.findings(D, route, List.of(probed("192.0.2.1", "a.example.net", BUSY),
                probed("192.0.2.2", "b.example.net", OPEN)), Map.of());
        assertThat(ids(f)).noneMatch(id -> id.startsWith("layout-")).contains("smtp-greeting-refused warn 192.0.2.1");
    }

    @Test
    void aSingleHostHasNoLayoutAndWhenItRefusesNothingAccepts() {
        MailRoute route = route(List.of(new Host(10, "a.example.net", List.of("192.0.2.1"))));
        List<Finding> f = ProbeAudit.findings(D, route, List.of(probed("192.0.2.1", "a.example.net", REFUSED)), Map.of());
        assertThat(ids(f)).containsExactly("smtp-unreachable warn 192.0.2.1", "smtp-none-accepts fail " + D);
    }
}
