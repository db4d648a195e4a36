package org.mxguard.testbed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mxguard.testbed.TestZones.*;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.MXRecord;
import org.xbill.DNS.Message;
import org.xbill.DNS.NSRecord;
import org.xbill.DNS.Name;
import org.xbill.DNS.PTRRecord;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.Type;
import org.xbill.DNS.WireParseException;

/** Proves that every scenario of {@link TestZones} answers through Unbound as intended. */
@ExtendWith(DnsTestBed.class)
@Timeout(60)
class DnsTestBedSmokeTest {

    private static final Duration NORMAL = Duration.ofSeconds(3);
    private static final Duration SHORT = Duration.ofMillis(1000);

    // ------------------------------------------------------------------ helpers

    private static Message query(SimpleResolver r, String name, int type) throws IOException {
        return r.send(Message.newQuery(Record.newRecord(Name.fromString(Zone.absolute(name)), type, DClass.IN)));
    }

    private static Message ask(DnsTestBed bed, String name, int type) throws IOException {
        return query(bed.resolverClient(NORMAL), name, type);
    }

    /** The answer-section records of {@code type} rendered as their rdata, lower case. */
    private static List<String> rdata(Message m, int type) {
        return m.getSection(Section.ANSWER).stream()
                .filter(r -> r.getType() == type)
                .map(r -> switch (r) {
                    case PTRRecord p -> p.getTarget().toString();
                    case ARecord a -> a.getAddress().getHostAddress();
                    case AAAARecord a -> a.getAddress().getHostAddress();
                    case MXRecord mx -> mx.getPriority() + " " + mx.getTarget();
                    case CNAMERecord c -> c.getTarget().toString();
                    case TXTRecord t -> String.join("", t.getStrings());
                    default -> r.rdataToString();
                })
                .map(s -> s.toLowerCase(Locale.ROOT))
                .toList();
    }

    private static String abs(String name) {
        return Zone.absolute(name);
    }

    private static void assertNxdomain(Message m) {
        assertThat(Rcode.string(m.getRcode())).as(m.toString()).isEqualTo("NXDOMAIN");
        assertThat(m.getSection(Section.ANSWER)).isEmpty();
    }

    private static void assertNodata(Message m) {
        assertThat(Rcode.string(m.getRcode())).as(m.toString()).isEqualTo("NOERROR");
        assertThat(m.getSection(Section.ANSWER)).as(m.toString()).isEmpty();
    }

    private static void assertServfail(Message m) {
        assertThat(Rcode.string(m.getRcode())).as(m.toString()).isEqualTo("SERVFAIL");
    }

    private static Message ptr(DnsTestBed bed, String ip) throws IOException {
        return ask(bed, Zone.reverseName(ip), Type.PTR);
    }

    // ------------------------------------------------------------------ reverse scenarios

    @Test
    void forwardConfirmedPtr(DnsTestBed bed) throws IOException {
        assertThat(rdata(ptr(bed, GOOD_IP), Type.PTR)).containsExactly(abs(GOOD_HOST));
        assertThat(rdata(ask(bed, GOOD_HOST, Type.A), Type.A)).containsExactly(GOOD_IP);
    }

    @Test
    void unconfirmedPtr(DnsTestBed bed) throws IOException {
        assertThat(rdata(ptr(bed, UNCONFIRMED_IP), Type.PTR)).containsExactly(abs(UNCONFIRMED_HOST));
        assertThat(rdata(ask(bed, UNCONFIRMED_HOST, Type.A), Type.A)).containsExactly(UNCONFIRMED_HOST_IP);
    }

    @Test
    void missingPtrIsNxdomain(DnsTestBed bed) throws IOException {
        assertNxdomain(ptr(bed, NO_PTR_IP));
        assertNxdomain(ptr(bed, NO_PTR_IP6));
    }

    @Test
    void genericPtrs(DnsTestBed bed) throws IOException {
        assertThat(rdata(ptr(bed, GENERIC_CONFIRMED_IP), Type.PTR)).containsExactly(abs(GENERIC_CONFIRMED_HOST));
        assertThat(rdata(ask(bed, GENERIC_CONFIRMED_HOST, Type.A), Type.A)).containsExactly(GENERIC_CONFIRMED_IP);
        assertThat(rdata(ptr(bed, GENERIC_UNCONFIRMED_IP), Type.PTR)).containsExactly(abs(GENERIC_UNCONFIRMED_HOST));
        assertNxdomain(ask(bed, GENERIC_UNCONFIRMED_HOST, Type.A));
    }

    @Test
    void multiplePtrsOnlyTheThirdConfirms(DnsTestBed bed) throws IOException {
        assertThat(rdata(ptr(bed, MULTI_PTR_IP), Type.PTR))
                .containsExactly(abs(MULTI_PTR_NX_HOST), abs(MULTI_PTR_OTHER_HOST), abs(MULTI_PTR_GOOD_HOST));
        assertNxdomain(ask(bed, MULTI_PTR_NX_HOST, Type.A));
        assertThat(rdata(ask(bed, MULTI_PTR_OTHER_HOST, Type.A), Type.A)).containsExactly(MULTI_PTR_OTHER_HOST_IP);
        assertThat(rdata(ask(bed, MULTI_PTR_GOOD_HOST, Type.A), Type.A)).containsExactly(MULTI_PTR_IP);
    }

    @Test
    void ptrToNonexistentName(DnsTestBed bed) throws IOException {
        assertThat(rdata(ptr(bed, PTR_NX_TARGET_IP), Type.PTR)).containsExactly(abs(PTR_NX_TARGET_HOST));
        assertNxdomain(ask(bed, PTR_NX_TARGET_HOST, Type.A));
    }

    @Test
    void ptrsIntoFaultZonesExist(DnsTestBed bed) throws IOException {
        assertThat(rdata(ptr(bed, SLOW_PTR_IP), Type.PTR)).containsExactly(abs(SLOW_HOST));
        assertThat(rdata(ptr(bed, SERVFAIL_PTR_IP), Type.PTR)).containsExactly(abs(SERVFAIL_HOST));
        assertThat(rdata(ptr(bed, GARBAGE_PTR_IP), Type.PTR)).containsExactly(abs(GARBAGE_HOST));
    }

    @Test
    void ptrToCname(DnsTestBed bed) throws IOException {
        assertThat(rdata(ptr(bed, CNAME_PTR_IP), Type.PTR)).containsExactly(abs(CNAME_PTR_HOST));
        Message a = ask(bed, CNAME_PTR_HOST, Type.A);
        assertThat(rdata(a, Type.CNAME)).containsExactly(abs(CNAME_PTR_REAL_HOST));
        assertThat(rdata(a, Type.A)).containsExactly(CNAME_PTR_IP);
    }

    @Test
    void outsourcedRelay(DnsTestBed bed) throws IOException {
        assertThat(rdata(ptr(bed, OUTSOURCED_IP), Type.PTR)).containsExactly(abs(OUTSOURCED_HOST));
        assertThat(rdata(ask(bed, OUTSOURCED_HOST, Type.A), Type.A)).containsExactly(OUTSOURCED_IP);
        assertThat(rdata(ask(bed, OUTSOURCED_DOMAIN, Type.MX), Type.MX)).containsExactly("10 " + abs(OUTSOURCED_HOST));
    }

    @Test
    void thirtyPtrs(DnsTestBed bed) throws IOException {
        List<String> expected = IntStream.rangeClosed(1, MANY_PTR_COUNT).mapToObj(i -> abs(manyPtrHost(i))).toList();
        assertThat(rdata(ptr(bed, MANY_PTR_IP), Type.PTR)).containsExactlyInAnyOrderElementsOf(expected);
        assertThat(rdata(ask(bed, manyPtrHost(1), Type.A), Type.A)).containsExactly(MANY_PTR_OTHER_IP);
        assertThat(rdata(ask(bed, MANY_PTR_GOOD_HOST, Type.A), Type.A)).containsExactly(MANY_PTR_IP);
    }

    @Test
    void v6OnlyHost(DnsTestBed bed) throws IOException {
        assertThat(rdata(ptr(bed, V6ONLY_PTR_IP), Type.PTR)).containsExactly(abs(V6ONLY_HOST));
        assertNodata(ask(bed, V6ONLY_HOST, Type.A));
        assertThat(rdata(ask(bed, V6ONLY_HOST, Type.AAAA), Type.AAAA)).containsExactly("2001:db8:0:0:0:0:0:14");
    }

    @Test
    void ipv6Ptrs(DnsTestBed bed) throws IOException {
        assertThat(rdata(ptr(bed, GOOD_IP6), Type.PTR)).containsExactly(abs(GOOD_HOST6));
        assertThat(rdata(ask(bed, GOOD_HOST6, Type.AAAA), Type.AAAA)).containsExactly("2001:db8:0:0:0:0:0:25");
        assertThat(rdata(ptr(bed, UNCONFIRMED_IP6), Type.PTR)).containsExactly(abs(UNCONFIRMED_HOST6));
        assertThat(rdata(ask(bed, UNCONFIRMED_HOST6, Type.AAAA), Type.AAAA)).containsExactly("2001:db8:0:0:0:0:0:99");
    }

    @Test
    void localhostAndCnameLoop(DnsTestBed bed) throws IOException {
        assertThat(rdata(ptr(bed, LOCALHOST_IP), Type.PTR)).containsExactly("localhost.");
        assertThat(rdata(ptr(bed, CNAME_LOOP_PTR_IP), Type.PTR)).containsExactly(abs(CNAME_LOOP_HOST));
        assertServfail(ask(bed, CNAME_LOOP_HOST, Type.A));
    }

    // ------------------------------------------------------------------ sender / MX domains

    @Test
    void goodDomain(DnsTestBed bed) throws IOException {
        assertThat(rdata(ask(bed, GOOD_DOMAIN, Type.MX), Type.MX))
                .containsExactly("10 " + abs(GOOD_HOST), "20 " + abs(GOOD_HOST6));
        assertThat(rdata(ask(bed, GOOD_DOMAIN, Type.A), Type.A)).containsExactly(GOOD_DOMAIN_IP);
        assertThat(rdata(ask(bed, GOOD_DOMAIN, Type.TXT), Type.TXT)).containsExactly(GOOD_DOMAIN_SPF);
    }

    @Test
    void nullMx(DnsTestBed bed) throws IOException {
        assertThat(rdata(ask(bed, NULL_MX_DOMAIN, Type.MX), Type.MX)).containsExactly("0 .");
        assertThat(rdata(ask(bed, NULL_MX_DOMAIN, Type.A), Type.A)).containsExactly(NULL_MX_DOMAIN_IP);
    }

    @Test
    void implicitMx(DnsTestBed bed) throws IOException {
        assertNodata(ask(bed, NO_MX_DOMAIN, Type.MX));
        assertThat(rdata(ask(bed, NO_MX_DOMAIN, Type.A), Type.A)).containsExactly(NO_MX_DOMAIN_IP);
    }

    @Test
    void domainWithoutHosts(DnsTestBed bed) throws IOException {
        assertNodata(ask(bed, NO_HOSTS_DOMAIN, Type.MX));
        assertNodata(ask(bed, NO_HOSTS_DOMAIN, Type.A));
        assertNodata(ask(bed, NO_HOSTS_DOMAIN, Type.AAAA));
        assertThat(rdata(ask(bed, NO_HOSTS_DOMAIN, Type.TXT), Type.TXT)).hasSize(1);
    }

    @Test
    void nonexistentDomain(DnsTestBed bed) throws IOException {
        assertNxdomain(ask(bed, NX_DOMAIN, Type.MX));
        assertNxdomain(ask(bed, NX_DOMAIN, Type.A));
    }

    @Test
    void mxPointingAtCname(DnsTestBed bed) throws IOException {
        assertThat(rdata(ask(bed, CNAME_MX_DOMAIN, Type.MX), Type.MX)).containsExactly("10 " + abs(CNAME_MX_HOST));
        Message a = ask(bed, CNAME_MX_HOST, Type.A);
        assertThat(rdata(a, Type.CNAME)).containsExactly(abs(CNAME_MX_REAL_HOST));
        assertThat(rdata(a, Type.A)).containsExactly(CNAME_MX_IP);
    }

    @Test
    void ipLiteralMx(DnsTestBed bed) throws IOException {
        assertThat(rdata(ask(bed, IP_LITERAL_MX_DOMAIN, Type.MX), Type.MX))
                .containsExactly("10 " + abs(IP_LITERAL_MX_TARGET));
        assertNxdomain(ask(bed, IP_LITERAL_MX_TARGET, Type.A));
    }

    @Test
    void equalPreferences(DnsTestBed bed) throws IOException {
        assertThat(rdata(ask(bed, EQUAL_PREF_DOMAIN, Type.MX), Type.MX)).containsExactlyInAnyOrder(
                "10 " + abs(EQUAL_PREF_HOST_A), "10 " + abs(EQUAL_PREF_HOST_B), "20 " + abs(EQUAL_PREF_HOST_C));
        assertThat(rdata(ask(bed, EQUAL_PREF_HOST_A, Type.A), Type.A)).containsExactly(EQUAL_PREF_IP_A);
        assertThat(rdata(ask(bed, EQUAL_PREF_HOST_B, Type.A), Type.A)).containsExactly(EQUAL_PREF_IP_B);
        assertThat(rdata(ask(bed, EQUAL_PREF_HOST_C, Type.A), Type.A)).containsExactly(EQUAL_PREF_IP_C);
    }

    @Test
    void fiftyMx(DnsTestBed bed) throws IOException {
        List<String> expected = IntStream.rangeClosed(1, MANY_MX_COUNT).mapToObj(i -> "10 " + abs(manyMxHost(i))).toList();
        assertThat(rdata(ask(bed, MANY_MX_DOMAIN, Type.MX), Type.MX)).containsExactlyInAnyOrderElementsOf(expected);
        assertThat(rdata(ask(bed, manyMxHost(50), Type.A), Type.A)).containsExactly(manyMxIp(50));
    }

    @Test
    void otherMxDomains(DnsTestBed bed) throws IOException {
        assertThat(rdata(ask(bed, DST_HOST_DOMAIN, Type.MX), Type.MX)).containsExactly("10 " + abs(GOOD_HOST));
        assertThat(rdata(ask(bed, MX_NX_HOST_DOMAIN, Type.MX), Type.MX)).containsExactly("10 " + abs(MX_NX_HOST));
        assertNxdomain(ask(bed, MX_NX_HOST, Type.A));
        assertThat(rdata(ask(bed, SLOW_MX_HOST_DOMAIN, Type.MX), Type.MX)).containsExactly("10 " + abs(SLOW_HOST));
        assertThat(rdata(ask(bed, PARTIAL_FAIL_MX_DOMAIN, Type.MX), Type.MX))
                .containsExactly("10 " + abs(GOOD_HOST), "20 " + abs(SERVFAIL_HOST));
    }

    @Test
    void heloNames(DnsTestBed bed) throws IOException {
        assertThat(rdata(ask(bed, HELO_GOOD, Type.A), Type.A)).containsExactly(GOOD_IP);
        assertNodata(ask(bed, HELO_NODATA, Type.A));
        assertNodata(ask(bed, HELO_NODATA, Type.AAAA));
        assertNxdomain(ask(bed, HELO_NX, Type.A));
    }

    @Test
    void namesOutsideTheTestZonesAreNxdomainWithoutLeavingLoopback(DnsTestBed bed) throws IOException {
        assertNxdomain(ask(bed, "example.com", Type.MX));
        assertNxdomain(ptr(bed, "192.0.2.1"));
    }

    // ------------------------------------------------------------------ fault zones

    @Test
    void servfailZoneFailsQuickly(DnsTestBed bed) throws IOException {
        long t0 = System.nanoTime();
        assertServfail(query(bed.resolverClient(SHORT), SERVFAIL_HOST, Type.A));
        assertServfail(query(bed.resolverClient(SHORT), "anything." + SERVFAIL_DOMAIN, Type.MX));
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofMillis(1500));
    }

    @Test
    void garbageZoneFails(DnsTestBed bed) throws IOException {
        assertServfail(query(bed.resolverClient(SHORT), GARBAGE_HOST, Type.A));
        assertServfail(query(bed.resolverClient(SHORT), GARBAGE_DOMAIN, Type.MX));
        assertThat(bed.garbageEndpoint().queriesAnswered()).isPositive();
    }

    @Test
    void slowZoneTimesOutOrFails(DnsTestBed bed) {
        long t0 = System.nanoTime();
        try {
            assertServfail(query(bed.resolverClient(SHORT), SLOW_HOST, Type.A));
        } catch (IOException timeout) {
            // Unbound has not given up yet (it does after ~2.3 s): a timeout is the other valid outcome
            assertThat(timeout).hasMessageContaining("imed out");
        }
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofMillis(1900));
        assertThat(bed.silentEndpoint().udpQueriesReceived()).isPositive();
    }

    // ------------------------------------------------------------------ endpoints used directly

    @Test
    void garbageEndpointSendsUnparseableReplies(DnsTestBed bed) {
        SimpleResolver udp = new SimpleResolver(bed.garbage());
        udp.setTimeout(SHORT);
        assertThatThrownBy(() -> query(udp, GOOD_HOST, Type.A)).isInstanceOf(WireParseException.class);
        SimpleResolver tcp = new SimpleResolver(bed.garbage());
        tcp.setTimeout(SHORT);
        tcp.setTCP(true);
        assertThatThrownBy(() -> query(tcp, GOOD_HOST, Type.A)).isInstanceOf(WireParseException.class);
    }

    @Test
    void garbageIsNeverParseable() {
        byte[] q = new byte[] {0x12, 0x34, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0};
        for (int i = 0; i < 200; i++) {
            byte[] g = GarbageDnsEndpoint.garbageFor(q, q.length);
            assertThat(g[0]).isEqualTo((byte) 0x12);
            assertThatThrownBy(() -> new Message(g)).isInstanceOf(WireParseException.class);
        }
    }

    @Test
    void silentEndpointNeverAnswers(DnsTestBed bed) {
        SimpleResolver udp = new SimpleResolver(bed.silent());
        udp.setTimeout(Duration.ofMillis(300));
        assertThatThrownBy(() -> query(udp, GOOD_HOST, Type.A)).isInstanceOf(IOException.class);
        SimpleResolver tcp = new SimpleResolver(bed.silent());
        tcp.setTimeout(Duration.ofMillis(300));
        tcp.setTCP(true);
        assertThatThrownBy(() -> query(tcp, GOOD_HOST, Type.A)).isInstanceOf(IOException.class);
    }

    @Test
    void authoritativeServerAnswersDirectly(DnsTestBed bed) throws IOException {
        SimpleResolver nsd = new SimpleResolver(bed.authoritative());
        nsd.setTimeout(NORMAL);
        Message soa = query(nsd, TEST_ZONE, Type.SOA);
        assertThat(soa.getHeader().getFlag(Flags.AA)).isTrue();
        assertThat(soa.getSection(Section.ANSWER)).hasSize(1);
        // the fault zones are real delegations on the authoritative side
        Message referral = query(nsd, SLOW_HOST, Type.A);
        assertThat(referral.getHeader().getFlag(Flags.AA)).isFalse();
        assertThat(referral.getSection(Section.AUTHORITY)).anySatisfy(r -> {
            assertThat(r).isInstanceOf(NSRecord.class);
            assertThat(r.getName().toString()).isEqualTo(abs(SLOW_DOMAIN));
        });
    }

    @Test
    void addressesAreLoopbackHostPorts(DnsTestBed bed) {
        for (InetSocketAddress a : List.of(bed.resolver(), bed.authoritative(), bed.silent(), bed.garbage(),
                bed.deadPort())) {
            assertThat(a.getAddress().getHostAddress()).isEqualTo("127.0.0.1");
            assertThat(a.getPort()).isPositive();
        }
        assertThat(bed.resolverHostPort()).isEqualTo("127.0.0.1:" + bed.resolver().getPort());
        assertThat(bed.authoritativeHostPort()).isEqualTo("127.0.0.1:" + bed.authoritative().getPort());
        assertThat(bed.silentHostPort()).isEqualTo("127.0.0.1:" + bed.silent().getPort());
        assertThat(bed.garbageHostPort()).isEqualTo("127.0.0.1:" + bed.garbage().getPort());
        assertThat(bed.isRunning()).isTrue();
    }

    // ------------------------------------------------------------------ lifecycle

    @Test
    void privateBedLeavesNoProcessBehind() throws IOException {
        DnsTestBed bed = DnsTestBed.startPrivate();
        List<ProcessHandle> processes;
        Path dir;
        try {
            assertThat(bed.isRunning()).isTrue();
            assertThat(rdata(ask(bed, GOOD_HOST, Type.A), Type.A)).containsExactly(GOOD_IP);
            processes = bed.serverProcesses();
            dir = bed.workDir();
            // nsd forks a server child and xfrd; unbound runs alone
            assertThat(processes).hasSizeGreaterThanOrEqualTo(3);
            assertThat(processes).allSatisfy(p -> assertThat(p.info().command().orElse(""))
                    .matches(".*/(nsd|unbound)$"));
        } finally {
            bed.close();
        }
        assertThat(processes).allMatch(DnsTestBed::hasExited);
        assertThat(bed.serverProcesses()).isEmpty();
        assertThat(bed.isRunning()).isFalse();
        assertThat(Files.exists(dir)).isFalse();
        String marker = dir.toString();
        assertThat(ProcessHandle.allProcesses()
                .filter(p -> String.join(" ", p.info().arguments().orElse(new String[0])).contains(marker))
                .toList()).isEmpty();
        assertThatThrownBy(bed::resolver).isInstanceOf(IllegalStateException.class);
    }

    // ------------------------------------------------------------------ zone rendering

    @Test
    void zoneRendering() {
        assertThat(Zone.reverseName("127.0.1.1")).isEqualTo("1.1.0.127.in-addr.arpa.");
        assertThat(Zone.reverseName("2001:db8::25"))
                .isEqualTo("5.2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.");
        String text = new Zone("x.test").mx("x.test", 0, ".").a("a.x.test", "127.0.0.9").render();
        assertThat(text).contains("x.test. 300 IN MX 0 .", "a.x.test. 300 IN A 127.0.0.9", "IN SOA ns.test.");
        assertThatThrownBy(() -> new Zone("x.test").a("y.test", "127.0.0.1"))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
