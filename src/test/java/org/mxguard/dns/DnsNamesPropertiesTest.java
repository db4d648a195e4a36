package org.mxguard.dns;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.xbill.DNS.ReverseMap;

/** Reverse names and address text against independent implementations (dnsjava, Guava), and back. */
class DnsNamesPropertiesTest {

    @Provide
    Arbitrary<InetAddress> ipv4() {
        return Arbitraries.bytes().array(byte[].class).ofSize(4).map(DnsNamesPropertiesTest::address);
    }

    /** IPv6 addresses, biased towards zero groups so that "::" compression is exercised. */
    @Provide
    Arbitrary<InetAddress> ipv6() {
        Arbitrary<Integer> group = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(3, Arbitraries.just(0)),
                net.jqwik.api.Tuple.of(1, Arbitraries.integers().between(1, 0xffff)),
                net.jqwik.api.Tuple.of(1, Arbitraries.of(1, 0xff, 0x100, 0xffff)));
        return group.list().ofSize(8).map(groups -> {
            byte[] b = new byte[16];
            for (int i = 0; i < 8; i++) {
                b[2 * i] = (byte) (groups.get(i) >>> 8);
                b[2 * i + 1] = (byte) (int) groups.get(i);
            }
            return address(b);
        }).filter(a -> a instanceof Inet6Address);
    }

    @Provide
    Arbitrary<InetAddress> anyAddress() {
        return Arbitraries.oneOf(ipv4(), ipv6());
    }

    @Property(tries = 300)
    void reverseNameIsDnsjavasReverseMap(@ForAll("anyAddress") InetAddress address) {
        String expected = ReverseMap.fromAddress(address).toString();

        assertThat(DnsNames.reverseName(address) + ".").isEqualTo(expected);
    }

    @Property(tries = 300)
    void reverseNameReadsBackToTheAddress(@ForAll("anyAddress") InetAddress address) {
        assertThat(fromReverseName(DnsNames.reverseName(address))).isEqualTo(address);
    }

    @Property(tries = 300)
    void reverseNamesHaveTheRightShape(@ForAll("anyAddress") InetAddress address) {
        String name = DnsNames.reverseName(address);
        if (address instanceof Inet4Address) {
            assertThat(name).endsWith(".in-addr.arpa").matches("(\\d{1,3}\\.){4}in-addr\\.arpa");
        } else {
            assertThat(name).endsWith(".ip6.arpa").matches("([0-9a-f]\\.){32}ip6\\.arpa");
        }
    }

    @Property(tries = 300)
    void textIsGuavasCanonicalForm(@ForAll("anyAddress") InetAddress address) {
        assertThat(DnsNames.text(address)).isEqualTo(com.google.common.net.InetAddresses.toAddrString(address));
    }

    @Property(tries = 300)
    void textParsesBackToTheAddress(@ForAll("anyAddress") InetAddress address) {
        assertThat(InetAddresses.parse(DnsNames.text(address))).contains(address);
    }

    @Property(tries = 300)
    void ipv4MappedIpv6BecomesIpv4(@ForAll("ipv4") InetAddress v4) throws UnknownHostException {
        byte[] mapped = new byte[16];
        mapped[10] = (byte) 0xff;
        mapped[11] = (byte) 0xff;
        System.arraycopy(v4.getAddress(), 0, mapped, 12, 4);
        InetAddress v6 = Inet6Address.getByAddress(null, mapped, -1);

        assertThat(v6).isInstanceOf(Inet6Address.class);
        assertThat(DnsNames.canonical(v6)).isEqualTo(v4);
        assertThat(DnsNames.canonical(v4)).isSameAs(v4);
        assertThat(InetAddresses.parse("::ffff:" + v4.getHostAddress())).contains(v4);
    }

    @Example
    void rfc5952Examples() {
        assertThat(DnsNames.text(InetAddresses.require("2001:DB8:0:0:0:0:2:1"))).isEqualTo("2001:db8::2:1");
        assertThat(DnsNames.text(InetAddresses.require("2001:db8:0:1:1:1:1:1"))).isEqualTo("2001:db8:0:1:1:1:1:1");
        assertThat(DnsNames.text(InetAddresses.require("2001:0:0:1:0:0:0:1"))).isEqualTo("2001:0:0:1::1");
        assertThat(DnsNames.text(InetAddresses.require("2001:db8:0:0:1:0:0:1"))).isEqualTo("2001:db8::1:0:0:1");
        assertThat(DnsNames.text(InetAddresses.require("::"))).isEqualTo("::");
        assertThat(DnsNames.text(InetAddresses.require("::1"))).isEqualTo("::1");
        assertThat(DnsNames.text(InetAddresses.require("fe80::"))).isEqualTo("fe80::");
    }

    @Example
    void reverseNameExamples() {
        assertThat(DnsNames.reverseName(InetAddresses.require("192.0.2.1"))).isEqualTo("1.2.0.192.in-addr.arpa");
        assertThat(DnsNames.reverseName(InetAddresses.require("2001:db8::567:89ab")))
                .isEqualTo("b.a.9.8.7.6.5.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa");
    }

    /** Independent inverse of reverseName. */
    private static InetAddress fromReverseName(String name) {
        if (name.endsWith(".in-addr.arpa")) {
            String[] parts = name.substring(0, name.length() - ".in-addr.arpa".length()).split("\\.");
            byte[] b = new byte[parts.length];
            for (int i = 0; i < parts.length; i++) {
                b[parts.length - 1 - i] = (byte) Integer.parseInt(parts[i]);
            }
            return address(b);
        }
        String[] nibbles = name.substring(0, name.length() - ".ip6.arpa".length()).split("\\.");
        byte[] b = new byte[16];
        for (int i = 0; i < 32; i++) {
            int nibble = Integer.parseInt(nibbles[31 - i], 16);
            b[i / 2] |= (byte) (i % 2 == 0 ? nibble << 4 : nibble);
        }
        return address(b);
    }

    private static InetAddress address(byte[] bytes) {
        try {
            return InetAddress.getByAddress(bytes);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }
}
