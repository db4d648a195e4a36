package org.mxguard.testbed;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The single place that lists the DNS scenarios served by {@link DnsTestBed}.
 *
 * <p>Names are given without the trailing dot (as mxguard sees them in SMTP); IPs are literals.
 * Everything lives under {@code test.}, {@code 127.in-addr.arpa.} and
 * {@code 8.b.d.0.1.0.0.2.ip6.arpa.} (2001:db8::/32), all served by NSD; names outside those
 * (and outside Unbound's built-in local zones) get NXDOMAIN from a tiny root zone also served by
 * NSD, so the resolver never talks to the outside world. TTL 300, SOA minimum 60.
 *
 * <p>Three "fault" zones are not served by NSD: Unbound has a stub zone pointing each at a
 * misbehaving loopback endpoint (see {@link #FAULT_ZONES}); any name under them is a temporary
 * failure:
 * <ul>
 * <li>{@code slow.test} (silent endpoint): Unbound answers SERVFAIL after ~2.3 s the first time
 * (a client with a shorter timeout sees a timeout), then SERVFAIL at once for ~30 s
 * (infra-host-ttl) while the server is marked down, then ~2.3 s again;</li>
 * <li>{@code servfail.test} (dead port, queried over TCP): SERVFAIL within milliseconds;</li>
 * <li>{@code garbage.test} (garbage endpoint): SERVFAIL within milliseconds.</li>
 * </ul>
 * Unbound caches a SERVFAIL for ~5 s, and positive/negative answers for their TTL (300 / 60 s).
 */
public final class TestZones {

    private TestZones() {
    }

    // ---------------------------------------------------------------- zones

    /** Apex of every forward scenario. */
    public static final String TEST_ZONE = "test";
    /** IPv4 reverse zone (covers 127.0.0.0/8). */
    public static final String REVERSE4_ZONE = "127.in-addr.arpa";
    /** IPv6 reverse zone (covers 2001:db8::/32, the documentation prefix). */
    public static final String REVERSE6_ZONE = "8.b.d.0.1.0.0.2.ip6.arpa";
    /** Host named by every apex NS record; has A 127.0.0.1. */
    public static final String NS_HOST = "ns.test";
    /** Address of NS_HOST and of every glue record. */
    public static final String NS_HOST_IP = "127.0.0.1";

    // ---------------------------------------------------------------- reverse (PTR) scenarios

    /** PTR mail.good.test, which has A 127.0.1.1: forward-confirmed. */
    public static final String GOOD_IP = "127.0.1.1";
    /** Forward-confirmed name of GOOD_IP; also good.test's primary MX and a resolvable HELO. */
    public static final String GOOD_HOST = "mail.good.test";

    /** PTR mail.unconfirmed.test, whose A is 127.0.9.9: not confirmed. */
    public static final String UNCONFIRMED_IP = "127.0.1.2";
    /** PTR name of UNCONFIRMED_IP. */
    public static final String UNCONFIRMED_HOST = "mail.unconfirmed.test";
    /** The (wrong) A of UNCONFIRMED_HOST. */
    public static final String UNCONFIRMED_HOST_IP = "127.0.9.9";

    /** No PTR at all: 3.1.0.127.in-addr.arpa is NXDOMAIN. */
    public static final String NO_PTR_IP = "127.0.1.3";

    /** PTR 127-0-1-4.dyn.isp.test, which has A 127.0.1.4: generic-looking but confirmed. */
    public static final String GENERIC_CONFIRMED_IP = "127.0.1.4";
    /** Generic PTR name of GENERIC_CONFIRMED_IP. */
    public static final String GENERIC_CONFIRMED_HOST = "127-0-1-4.dyn.isp.test";

    /** Three PTRs; only MULTI_PTR_GOOD_HOST (the third) confirms. */
    public static final String MULTI_PTR_IP = "127.0.1.5";
    /** First PTR of MULTI_PTR_IP: the name does not exist (NXDOMAIN). */
    public static final String MULTI_PTR_NX_HOST = "bogus.multi.test";
    /** Second PTR of MULTI_PTR_IP: A 127.0.9.8 (does not confirm). */
    public static final String MULTI_PTR_OTHER_HOST = "other.multi.test";
    /** A of MULTI_PTR_OTHER_HOST. */
    public static final String MULTI_PTR_OTHER_HOST_IP = "127.0.9.8";
    /** Third PTR of MULTI_PTR_IP: A 127.0.1.5 (confirms). */
    public static final String MULTI_PTR_GOOD_HOST = "mail.multi.test";

    /** PTR nx-target.test, which does not exist. */
    public static final String PTR_NX_TARGET_IP = "127.0.1.6";
    /** PTR target of PTR_NX_TARGET_IP: NXDOMAIN. */
    public static final String PTR_NX_TARGET_HOST = "nx-target.test";

    /** PTR mail.slow.test; its forward lookup times out (SERVFAIL from Unbound). */
    public static final String SLOW_PTR_IP = "127.0.1.7";
    /** PTR name of SLOW_PTR_IP, under the silent fault zone. */
    public static final String SLOW_HOST = "mail.slow.test";

    /** PTR mail.cname.test, a CNAME to real.cname.test whose A is 127.0.1.9: confirms via CNAME. */
    public static final String CNAME_PTR_IP = "127.0.1.9";
    /** PTR name of CNAME_PTR_IP (a CNAME). */
    public static final String CNAME_PTR_HOST = "mail.cname.test";
    /** CNAME target of CNAME_PTR_HOST, with A 127.0.1.9. */
    public static final String CNAME_PTR_REAL_HOST = "real.cname.test";

    /** PTR relay.outsourced.test (A 127.0.1.10), which is outsourced.test's MX. */
    public static final String OUTSOURCED_IP = "127.0.1.10";
    /** PTR name of OUTSOURCED_IP, forward-confirmed. */
    public static final String OUTSOURCED_HOST = "relay.outsourced.test";
    /** Domain with MX 10 relay.outsourced.test. */
    public static final String OUTSOURCED_DOMAIN = "outsourced.test";

    /** 30 PTRs h1..h30.many-ptr.test; only h30 (A 127.0.1.11) confirms, the rest are A 127.0.9.1. */
    public static final String MANY_PTR_IP = "127.0.1.11";
    /** Number of PTR records of MANY_PTR_IP. */
    public static final int MANY_PTR_COUNT = 30;
    /** The only confirming PTR name of MANY_PTR_IP. */
    public static final String MANY_PTR_GOOD_HOST = "h30.many-ptr.test";
    /** A of h1..h29.many-ptr.test. */
    public static final String MANY_PTR_OTHER_IP = "127.0.9.1";

    /** PTR mail.servfail.test; its forward lookup gets a quick SERVFAIL (dead server). */
    public static final String SERVFAIL_PTR_IP = "127.0.1.12";
    /** PTR name of SERVFAIL_PTR_IP, under the dead-port fault zone. */
    public static final String SERVFAIL_HOST = "mail.servfail.test";

    /** PTR mail.garbage.test; its forward lookup fails (the server answers garbage). */
    public static final String GARBAGE_PTR_IP = "127.0.1.13";
    /** PTR name of GARBAGE_PTR_IP, under the garbage fault zone. */
    public static final String GARBAGE_HOST = "mail.garbage.test";

    /** PTR mail.v6only.test, which has only AAAA 2001:db8::14 (A is NODATA). */
    public static final String V6ONLY_PTR_IP = "127.0.1.14";
    /** PTR name of V6ONLY_PTR_IP. */
    public static final String V6ONLY_HOST = "mail.v6only.test";
    /** The only address of V6ONLY_HOST. */
    public static final String V6ONLY_HOST_IP6 = "2001:db8::14";

    /** PTR 127-0-1-15.dyn.isp.test, which has no address (NXDOMAIN): generic and unconfirmed. */
    public static final String GENERIC_UNCONFIRMED_IP = "127.0.1.15";
    /** Generic PTR name of GENERIC_UNCONFIRMED_IP (does not exist). */
    public static final String GENERIC_UNCONFIRMED_HOST = "127-0-1-15.dyn.isp.test";

    /** PTR mail6.good.test, which has AAAA 2001:db8::25: forward-confirmed over IPv6. */
    public static final String GOOD_IP6 = "2001:db8::25";
    /** Forward-confirmed name of GOOD_IP6; also good.test's secondary MX. */
    public static final String GOOD_HOST6 = "mail6.good.test";

    /** PTR mail6.unconfirmed.test, whose AAAA is 2001:db8::99: not confirmed. */
    public static final String UNCONFIRMED_IP6 = "2001:db8::26";
    /** PTR name of UNCONFIRMED_IP6. */
    public static final String UNCONFIRMED_HOST6 = "mail6.unconfirmed.test";
    /** The (wrong) AAAA of UNCONFIRMED_HOST6. */
    public static final String UNCONFIRMED_HOST6_IP6 = "2001:db8::99";

    /** No PTR (NXDOMAIN). */
    public static final String NO_PTR_IP6 = "2001:db8::dead";

    /** Extra: PTR loop.cnameloop.test, a name that is part of a CNAME loop (Unbound: SERVFAIL). */
    public static final String CNAME_LOOP_PTR_IP = "127.0.1.16";

    /** Extra: 127.0.0.1 PTR localhost (like every real resolver). */
    public static final String LOCALHOST_IP = "127.0.0.1";

    // ---------------------------------------------------------------- sender / MX domains

    /** MX 10 mail.good.test, MX 20 mail6.good.test; A 127.0.1.1; TXT v=spf1 ip4:127.0.1.1 -all. */
    public static final String GOOD_DOMAIN = "good.test";
    /** A of GOOD_DOMAIN. */
    public static final String GOOD_DOMAIN_IP = "127.0.1.1";
    /** The SPF TXT record of GOOD_DOMAIN (extra). */
    public static final String GOOD_DOMAIN_SPF = "v=spf1 ip4:127.0.1.1 -all";

    /** Null MX (RFC 7505: MX 0 .) and A 127.0.2.1. */
    public static final String NULL_MX_DOMAIN = "nullmx.test";
    /** A of NULL_MX_DOMAIN. */
    public static final String NULL_MX_DOMAIN_IP = "127.0.2.1";

    /** No MX, A 127.0.2.2: implicit MX (RFC 5321 5.1). */
    public static final String NO_MX_DOMAIN = "nomx.test";
    /** A of NO_MX_DOMAIN. */
    public static final String NO_MX_DOMAIN_IP = "127.0.2.2";

    /** Exists (TXT only); no MX, no A, no AAAA. */
    public static final String NO_HOSTS_DOMAIN = "nohosts.test";

    /** NXDOMAIN. */
    public static final String NX_DOMAIN = "doesnotexist.test";

    /** MX 10 alias.cnamemx.test, a CNAME to real.cnamemx.test (A 127.0.2.3). */
    public static final String CNAME_MX_DOMAIN = "cnamemx.test";
    /** MX target of CNAME_MX_DOMAIN (a CNAME, which RFC 2181 10.3 forbids). */
    public static final String CNAME_MX_HOST = "alias.cnamemx.test";
    /** CNAME target of CNAME_MX_HOST. */
    public static final String CNAME_MX_REAL_HOST = "real.cnamemx.test";
    /** A of CNAME_MX_REAL_HOST. */
    public static final String CNAME_MX_IP = "127.0.2.3";

    /** MX 10 127.0.2.4. — an IP literal written as the MX target name. */
    public static final String IP_LITERAL_MX_DOMAIN = "iplitmx.test";
    /** The MX "host name" of IP_LITERAL_MX_DOMAIN (a 4-label name; has no A). */
    public static final String IP_LITERAL_MX_TARGET = "127.0.2.4";

    /** MX 10 a., MX 10 b., MX 20 c.equalpref.test. */
    public static final String EQUAL_PREF_DOMAIN = "equalpref.test";
    /** Preference-10 MX of EQUAL_PREF_DOMAIN, A 127.0.3.1. */
    public static final String EQUAL_PREF_HOST_A = "a.equalpref.test";
    /** Preference-10 MX of EQUAL_PREF_DOMAIN, A 127.0.3.2. */
    public static final String EQUAL_PREF_HOST_B = "b.equalpref.test";
    /** Preference-20 MX of EQUAL_PREF_DOMAIN, A 127.0.3.3. */
    public static final String EQUAL_PREF_HOST_C = "c.equalpref.test";
    /** A of EQUAL_PREF_HOST_A. */
    public static final String EQUAL_PREF_IP_A = "127.0.3.1";
    /** A of EQUAL_PREF_HOST_B. */
    public static final String EQUAL_PREF_IP_B = "127.0.3.2";
    /** A of EQUAL_PREF_HOST_C. */
    public static final String EQUAL_PREF_IP_C = "127.0.3.3";

    /** 50 MX hosts mx1..mx50.many-mx.test, all preference 10, mxN has A 127.0.4.N. */
    public static final String MANY_MX_DOMAIN = "many-mx.test";
    /** Number of MX records of MANY_MX_DOMAIN. */
    public static final int MANY_MX_COUNT = 50;

    /** The n-th (1-based) MX host of MANY_MX_DOMAIN. */
    public static String manyMxHost(int n) {
        return "mx" + n + "." + MANY_MX_DOMAIN;
    }

    /** The A of {@link #manyMxHost(int)}. */
    public static String manyMxIp(int n) {
        return "127.0.4." + n;
    }

    /** The n-th (1-based) PTR name of MANY_PTR_IP. */
    public static String manyPtrHost(int n) {
        return "h" + n + ".many-ptr.test";
    }

    /** Fault zone delegated (stub) to the silent endpoint: Unbound times out, then SERVFAIL. */
    public static final String SLOW_DOMAIN = "slow.test";
    /** Fault zone delegated (stub) to a loopback port where nothing listens: quick SERVFAIL. */
    public static final String SERVFAIL_DOMAIN = "servfail.test";
    /** Fault zone delegated (stub) to the garbage endpoint: SERVFAIL. */
    public static final String GARBAGE_DOMAIN = "garbage.test";

    /** MX 10 mail.good.test: a domain whose MX is another domain's host. */
    public static final String DST_HOST_DOMAIN = "dsthost.test";

    /** Extra: MX 10 nowhere.mxnxhost.test, which does not exist (NXDOMAIN). */
    public static final String MX_NX_HOST_DOMAIN = "mxnxhost.test";
    /** Extra: the non-existent MX host of MX_NX_HOST_DOMAIN. */
    public static final String MX_NX_HOST = "nowhere.mxnxhost.test";

    /** Extra: MX 10 mail.slow.test — the MX lookup works, the host lookup times out. */
    public static final String SLOW_MX_HOST_DOMAIN = "slowmx.test";

    /** Extra: loop.cnameloop.test CNAME loop2.cnameloop.test CNAME loop.cnameloop.test. */
    public static final String CNAME_LOOP_HOST = "loop.cnameloop.test";

    /** Extra: MX 10 mail.good.test, MX 20 mail.servfail.test (second MX host fails). */
    public static final String PARTIAL_FAIL_MX_DOMAIN = "partialfail.test";

    // ---------------------------------------------------------------- audit scenarios (127.0.6.0/24)

    /** MX 10 mx1.multiwan.test only; two egress addresses, the second neither an MX address nor with a PTR. */
    public static final String MULTI_WAN_DOMAIN = "multiwan.test";
    /** The only MX host of MULTI_WAN_DOMAIN: A MULTI_WAN_IP_1, whose PTR is this name (confirmed). */
    public static final String MULTI_WAN_MX_HOST = "mx1.multiwan.test";
    /** First egress of MULTI_WAN_DOMAIN: the MX host's address, confirmed PTR. */
    public static final String MULTI_WAN_IP_1 = "127.0.6.1";
    /** Second egress of MULTI_WAN_DOMAIN: no PTR, not an address of any MX host. */
    public static final String MULTI_WAN_IP_2 = "127.0.6.2";

    /** MX 10 mx.genericmx.test, A GENERIC_CONFIRMED_IP (PTR 127-0-1-4.dyn.isp.test, confirmed but generic). */
    public static final String GENERIC_MX_DOMAIN = "genericmx.test";
    /** The MX host of GENERIC_MX_DOMAIN. */
    public static final String GENERIC_MX_HOST = "mx.genericmx.test";

    /** MX 10 mx.unconfirmedmx.test, A UNCONFIRMED_IP (PTR mail.unconfirmed.test, which resolves elsewhere). */
    public static final String UNCONFIRMED_MX_DOMAIN = "unconfirmedmx.test";
    /** The MX host of UNCONFIRMED_MX_DOMAIN. */
    public static final String UNCONFIRMED_MX_HOST = "mx.unconfirmedmx.test";

    // ---------------------------------------------------------------- audit --probe scenarios (127.0.7.0/24)
    // The probe tests start their own SMTP listeners on these addresses, all on one port.

    /** MX 10 mx1.nolisting.test (PROBE_DEAD_IP: nothing listens), MX 20 mx2.nolisting.test (PROBE_GOOD_IP). */
    public static final String NOLISTING_DOMAIN = "nolisting.test";
    public static final String NOLISTING_DEAD_HOST = "mx1.nolisting.test";
    public static final String NOLISTING_GOOD_HOST = "mx2.nolisting.test";
    /** MX 10 mx1.trapmx.test (PROBE_PLAIN_IP), MX 90 trap.trapmx.test (PROBE_421_IP). */
    public static final String TRAP_MX_DOMAIN = "trapmx.test";
    public static final String TRAP_MX_GOOD_HOST = "mx1.trapmx.test";
    public static final String TRAP_MX_TRAP_HOST = "trap.trapmx.test";
    /** MX 10 mx1.trapmx.test (PROBE_PLAIN_IP), MX 90 trap.trapmx5.test (PROBE_554_IP). */
    public static final String TRAP_MX_5XX_DOMAIN = "trapmx5.test";
    public static final String TRAP_MX_5XX_TRAP_HOST = "trap.trapmx5.test";
    /** MX 10 mx.deadmx.test (PROBE_DEAD2_IP: nothing listens). */
    public static final String DEAD_MX_DOMAIN = "deadmx.test";
    public static final String DEAD_MX_HOST = "mx.deadmx.test";
    /** Nothing listens here. PTR mx1.nolisting.test. */
    public static final String PROBE_DEAD_IP = "127.0.7.1";
    /** Greets as mx2.nolisting.test (its PTR), offers STARTTLS. */
    public static final String PROBE_GOOD_IP = "127.0.7.2";
    /** Greets as other.example (its PTR is mx1.trapmx.test), no STARTTLS. */
    public static final String PROBE_PLAIN_IP = "127.0.7.3";
    /** Greets with 421. PTR trap.trapmx.test. */
    public static final String PROBE_421_IP = "127.0.7.4";
    /** Greets with 554. PTR trap.trapmx5.test. */
    public static final String PROBE_554_IP = "127.0.7.5";
    /** Nothing listens here. PTR mx.deadmx.test. */
    public static final String PROBE_DEAD2_IP = "127.0.7.6";

    /** The forward records of the probe scenarios. */
    private static void probeScenarios(Zone z) {
        z.mx(NOLISTING_DOMAIN, 10, NOLISTING_DEAD_HOST);
        z.mx(NOLISTING_DOMAIN, 20, NOLISTING_GOOD_HOST);
        z.a(NOLISTING_DEAD_HOST, PROBE_DEAD_IP);
        z.a(NOLISTING_GOOD_HOST, PROBE_GOOD_IP);
        z.mx(TRAP_MX_DOMAIN, 10, TRAP_MX_GOOD_HOST);
        z.mx(TRAP_MX_DOMAIN, 90, TRAP_MX_TRAP_HOST);
        z.a(TRAP_MX_GOOD_HOST, PROBE_PLAIN_IP);
        z.a(TRAP_MX_TRAP_HOST, PROBE_421_IP);
        z.mx(TRAP_MX_5XX_DOMAIN, 10, TRAP_MX_GOOD_HOST);
        z.mx(TRAP_MX_5XX_DOMAIN, 90, TRAP_MX_5XX_TRAP_HOST);
        z.a(TRAP_MX_5XX_TRAP_HOST, PROBE_554_IP);
        z.mx(DEAD_MX_DOMAIN, 10, DEAD_MX_HOST);
        z.a(DEAD_MX_HOST, PROBE_DEAD2_IP);
    }

    /** The PTR records of the probe scenarios. */
    private static void probeScenarioPtrs(Zone z) {
        z.ptrFor(PROBE_DEAD_IP, NOLISTING_DEAD_HOST);
        z.ptrFor(PROBE_GOOD_IP, NOLISTING_GOOD_HOST);
        z.ptrFor(PROBE_PLAIN_IP, TRAP_MX_GOOD_HOST);
        z.ptrFor(PROBE_421_IP, TRAP_MX_TRAP_HOST);
        z.ptrFor(PROBE_554_IP, TRAP_MX_5XX_TRAP_HOST);
        z.ptrFor(PROBE_DEAD2_IP, DEAD_MX_HOST);
    }
    // ---------------------------------------------------------------- end of audit --probe scenarios

    // ---------------------------------------------------------------- HELO names

    /** A HELO name that resolves (A 127.0.1.1). */
    public static final String HELO_GOOD = GOOD_HOST;
    /** A HELO name that exists with TXT only: NODATA for A/AAAA. */
    public static final String HELO_NODATA = "noaddr.good.test";
    /** A HELO name that does not exist (NXDOMAIN). */
    public static final String HELO_NX = "nx.good.test";

    // ---------------------------------------------------------------- fault zones

    /** How a fault zone misbehaves; {@link DnsTestBed} points Unbound's stub zone at it. */
    public enum Fault {
        /** The silent endpoint: accepts UDP/TCP and never answers. */
        SILENT,
        /** A loopback port where nothing listens (ICMP port unreachable / connection refused). */
        DEAD_PORT,
        /** The garbage endpoint: answers every query with unparseable bytes. */
        GARBAGE
    }

    /** Fault zones (absolute names) and their behaviour, in a fixed order. */
    public static final Map<String, Fault> FAULT_ZONES;

    static {
        Map<String, Fault> m = new LinkedHashMap<>();
        m.put(Zone.absolute(SLOW_DOMAIN), Fault.SILENT);
        m.put(Zone.absolute(SERVFAIL_DOMAIN), Fault.DEAD_PORT);
        m.put(Zone.absolute(GARBAGE_DOMAIN), Fault.GARBAGE);
        FAULT_ZONES = java.util.Collections.unmodifiableMap(m);
    }

    // ---------------------------------------------------------------- rendering

    /**
     * The zones NSD serves: the root (NXDOMAIN for anything unknown), {@code test.},
     * {@code 127.in-addr.arpa.} and {@code 8.b.d.0.1.0.0.2.ip6.arpa.}. Fresh objects each call.
     */
    public static List<Zone> authoritativeZones() {
        List<Zone> zones = new ArrayList<>();
        zones.add(root());
        zones.add(forward());
        zones.add(reverse4());
        zones.add(reverse6());
        return zones;
    }

    private static Zone root() {
        // Just SOA + NS: every name outside our zones is NXDOMAIN, no traffic leaves loopback.
        return new Zone(".");
    }

    private static Zone forward() {
        Zone z = new Zone(TEST_ZONE);
        z.a(NS_HOST, NS_HOST_IP);

        // reverse scenarios: forward data
        z.a(GOOD_HOST, GOOD_IP);
        z.a(UNCONFIRMED_HOST, UNCONFIRMED_HOST_IP);
        z.a(GENERIC_CONFIRMED_HOST, GENERIC_CONFIRMED_IP);
        z.a(MULTI_PTR_OTHER_HOST, MULTI_PTR_OTHER_HOST_IP);
        z.a(MULTI_PTR_GOOD_HOST, MULTI_PTR_IP);
        z.cname(CNAME_PTR_HOST, CNAME_PTR_REAL_HOST);
        z.a(CNAME_PTR_REAL_HOST, CNAME_PTR_IP);
        z.a(OUTSOURCED_HOST, OUTSOURCED_IP);
        z.mx(OUTSOURCED_DOMAIN, 10, OUTSOURCED_HOST);
        for (int i = 1; i <= MANY_PTR_COUNT; i++) {
            z.a(manyPtrHost(i), i == MANY_PTR_COUNT ? MANY_PTR_IP : MANY_PTR_OTHER_IP);
        }
        z.aaaa(V6ONLY_HOST, V6ONLY_HOST_IP6);
        z.aaaa(GOOD_HOST6, GOOD_IP6);
        z.aaaa(UNCONFIRMED_HOST6, UNCONFIRMED_HOST6_IP6);
        // also gives dyn.isp.test / isp.test existence (empty non-terminals): fine.

        // sender / MX domains
        z.mx(GOOD_DOMAIN, 10, GOOD_HOST);
        z.mx(GOOD_DOMAIN, 20, GOOD_HOST6);
        z.a(GOOD_DOMAIN, GOOD_DOMAIN_IP);
        z.txt(GOOD_DOMAIN, GOOD_DOMAIN_SPF);
        z.txt(HELO_NODATA, "this name has no address");

        z.mx(NULL_MX_DOMAIN, 0, ".");
        z.a(NULL_MX_DOMAIN, NULL_MX_DOMAIN_IP);

        z.a(NO_MX_DOMAIN, NO_MX_DOMAIN_IP);

        z.txt(NO_HOSTS_DOMAIN, "exists, but no MX and no address");

        z.mx(CNAME_MX_DOMAIN, 10, CNAME_MX_HOST);
        z.cname(CNAME_MX_HOST, CNAME_MX_REAL_HOST);
        z.a(CNAME_MX_REAL_HOST, CNAME_MX_IP);

        z.mx(IP_LITERAL_MX_DOMAIN, 10, IP_LITERAL_MX_TARGET);

        z.mx(EQUAL_PREF_DOMAIN, 10, EQUAL_PREF_HOST_A);
        z.mx(EQUAL_PREF_DOMAIN, 10, EQUAL_PREF_HOST_B);
        z.mx(EQUAL_PREF_DOMAIN, 20, EQUAL_PREF_HOST_C);
        z.a(EQUAL_PREF_HOST_A, EQUAL_PREF_IP_A);
        z.a(EQUAL_PREF_HOST_B, EQUAL_PREF_IP_B);
        z.a(EQUAL_PREF_HOST_C, EQUAL_PREF_IP_C);

        for (int i = 1; i <= MANY_MX_COUNT; i++) {
            z.mx(MANY_MX_DOMAIN, 10, manyMxHost(i));
            z.a(manyMxHost(i), manyMxIp(i));
        }

        z.mx(DST_HOST_DOMAIN, 10, GOOD_HOST);
        z.mx(MX_NX_HOST_DOMAIN, 10, MX_NX_HOST);
        z.mx(SLOW_MX_HOST_DOMAIN, 10, SLOW_HOST);
        z.mx(PARTIAL_FAIL_MX_DOMAIN, 10, GOOD_HOST);
        z.mx(PARTIAL_FAIL_MX_DOMAIN, 20, SERVFAIL_HOST);

        z.mx(MULTI_WAN_DOMAIN, 10, MULTI_WAN_MX_HOST);
        z.a(MULTI_WAN_MX_HOST, MULTI_WAN_IP_1);
        z.mx(GENERIC_MX_DOMAIN, 10, GENERIC_MX_HOST);
        z.a(GENERIC_MX_HOST, GENERIC_CONFIRMED_IP);
        z.mx(UNCONFIRMED_MX_DOMAIN, 10, UNCONFIRMED_MX_HOST);
        z.a(UNCONFIRMED_MX_HOST, UNCONFIRMED_IP);

        probeScenarios(z); // audit --probe (127.0.7.0/24)

        z.cname(CNAME_LOOP_HOST, "loop2.cnameloop.test");
        z.cname("loop2.cnameloop.test", CNAME_LOOP_HOST);

        // Fault zones: real delegations (NS + glue) for anyone asking NSD directly; Unbound
        // overrides them with stub zones carrying the endpoints' ports.
        for (String fault : FAULT_ZONES.keySet()) {
            z.delegate(fault, "ns." + fault, NS_HOST_IP);
        }
        return z;
    }

    private static Zone reverse4() {
        Zone z = new Zone(REVERSE4_ZONE);
        z.ptrFor(LOCALHOST_IP, "localhost");
        z.ptrFor(GOOD_IP, GOOD_HOST);
        z.ptrFor(UNCONFIRMED_IP, UNCONFIRMED_HOST);
        // NO_PTR_IP: nothing
        z.ptrFor(GENERIC_CONFIRMED_IP, GENERIC_CONFIRMED_HOST);
        z.ptrFor(MULTI_PTR_IP, MULTI_PTR_NX_HOST, MULTI_PTR_OTHER_HOST, MULTI_PTR_GOOD_HOST);
        z.ptrFor(PTR_NX_TARGET_IP, PTR_NX_TARGET_HOST);
        z.ptrFor(SLOW_PTR_IP, SLOW_HOST);
        z.ptrFor(CNAME_PTR_IP, CNAME_PTR_HOST);
        z.ptrFor(OUTSOURCED_IP, OUTSOURCED_HOST);
        for (int i = 1; i <= MANY_PTR_COUNT; i++) {
            z.ptrFor(MANY_PTR_IP, manyPtrHost(i));
        }
        z.ptrFor(SERVFAIL_PTR_IP, SERVFAIL_HOST);
        z.ptrFor(GARBAGE_PTR_IP, GARBAGE_HOST);
        z.ptrFor(V6ONLY_PTR_IP, V6ONLY_HOST);
        z.ptrFor(GENERIC_UNCONFIRMED_IP, GENERIC_UNCONFIRMED_HOST);
        z.ptrFor(CNAME_LOOP_PTR_IP, CNAME_LOOP_HOST);
        z.ptrFor(MULTI_WAN_IP_1, MULTI_WAN_MX_HOST);
        // MULTI_WAN_IP_2: nothing
        probeScenarioPtrs(z); // audit --probe (127.0.7.0/24)
        return z;
    }

    private static Zone reverse6() {
        Zone z = new Zone(REVERSE6_ZONE);
        z.ptrFor(GOOD_IP6, GOOD_HOST6);
        z.ptrFor(UNCONFIRMED_IP6, UNCONFIRMED_HOST6);
        // NO_PTR_IP6: nothing
        return z;
    }
}
