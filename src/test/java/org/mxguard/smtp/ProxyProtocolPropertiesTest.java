package org.mxguard.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.Tuple.Tuple2;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.statistics.Statistics;
import org.mxguard.dns.DnsNames;

/**
 * Whatever a connection starts with, reading its PROXY header ends with a header or a
 * {@link ProxyProtocolException}, nothing else, and never takes more than the header. Streams are
 * finite, so a read that waited for more would fail rather than hang.
 */
class ProxyProtocolPropertiesTest {
    private static final byte[] EHLO = "EHLO client.example\r\n".getBytes(StandardCharsets.US_ASCII);

    @Property(tries = 2000)
    void anyBytesGiveAHeaderOrAProxyProtocolException(@ForAll("starts") byte[] bytes) {
        ByteArrayInputStream in = new ByteArrayInputStream(bytes);
        String outcome;
        try {
            ProxyHeader header = ProxyProtocol.read(in);
            int taken = bytes.length - in.available();
            assertThat(taken).isLessThanOrEqualTo(bytes[0] == 'P' ? ProxyProtocol.V1_MAX_LENGTH : 16 + 65535);
            outcome = header.local() ? "LOCAL" : header.known() ? "header" : "UNKNOWN";
        } catch (ProxyProtocolException e) {
            outcome = e.reason().name();
        } catch (IOException | RuntimeException e) {
            throw new AssertionError("neither a header nor a ProxyProtocolException", e);
        }
        // the damaged headers must reach well past the first octet, or this property proves little
        Statistics.label("outcome").collect(outcome).coverage(c -> {
            for (String reached : List.of("header", "UNKNOWN", "LOCAL", "NOT_PROXY", "TRUNCATED", "BAD_SYNTAX",
                    "BAD_ADDRESS", "BAD_PORT", "UNSUPPORTED", "BAD_LENGTH")) {
                c.check(reached).count(n -> n > 0);
            }
        });
    }

    @Property
    void v1RoundTrip(@ForAll("endpoints") Tuple2<InetSocketAddress, InetSocketAddress> endpoints,
            @ForAll @Size(max = 40) byte[] after) throws IOException {
        InetSocketAddress source = endpoints.get1();
        InetSocketAddress destination = endpoints.get2();
        String family = source.getAddress().getAddress().length == 4 ? "TCP4" : "TCP6";
        byte[] line = ("PROXY " + family + " " + source.getAddress().getHostAddress() + " "
                + destination.getAddress().getHostAddress() + " " + source.getPort() + " " + destination.getPort()
                + "\r\n").getBytes(StandardCharsets.US_ASCII);
        ByteArrayInputStream in = ProxyProtocolTest.stream(line, after);

        assertThat(ProxyProtocol.read(in)).isEqualTo(ProxyHeader.proxied(source, destination));
        assertThat(in.readAllBytes()).isEqualTo(after);
    }

    @Property
    void v2RoundTrip(@ForAll("endpoints") Tuple2<InetSocketAddress, InetSocketAddress> endpoints,
            @ForAll @Size(max = 3) List<@Size(max = 20) byte[]> tlvValues, @ForAll @Size(max = 40) byte[] after)
            throws IOException {
        InetSocketAddress source = endpoints.get1();
        InetSocketAddress destination = endpoints.get2();
        int size = source.getAddress().getAddress().length;
        byte[] block = ProxyProtocolTest.block(source.getAddress().getAddress(), destination.getAddress().getAddress(),
                source.getPort(), destination.getPort(), size);
        for (byte[] value : tlvValues) {
            block = ProxyProtocolTest.concat(block, ProxyProtocolTest.tlv(0xe0, value));
        }
        ByteArrayInputStream in = ProxyProtocolTest.stream(ProxyProtocolTest.v2(0x21, size == 4 ? 0x11 : 0x21, block), after);

        assertThat(ProxyProtocol.read(in)).isEqualTo(ProxyHeader.proxied(source, destination));
        assertThat(in.readAllBytes()).isEqualTo(after);
    }

    // ---- generators

    /** Random octets, and valid headers with octets changed and cut, so that every branch is reached. */
    @Provide
    Arbitrary<byte[]> starts() {
        Arbitrary<byte[]> noise = Arbitraries.bytes().array(byte[].class).ofMaxSize(200);
        Arbitrary<byte[]> v1 = Arbitraries.oneOf(endpoints().map(ProxyProtocolPropertiesTest::v1Line),
                endpoints().map(e -> unknown(v1Line(e))), Arbitraries.just(ProxyProtocolTest.ascii("PROXY UNKNOWN\r\n")));
        Arbitrary<Integer> versionCommand = Arbitraries.frequencyOf(
                Tuple.of(8, Arbitraries.of(0x21, 0x20)), Tuple.of(1, Arbitraries.integers().between(0, 0xff)));
        Arbitrary<Integer> familyProtocol = Arbitraries.frequencyOf(
                Tuple.of(8, Arbitraries.of(0x00, 0x11, 0x12, 0x21, 0x22, 0x31, 0x32)),
                Tuple.of(1, Arbitraries.integers().between(0, 0xff)));
        Arbitrary<byte[]> block = Arbitraries.frequencyOf(
                Tuple.of(4, endpoints().map(e -> ProxyProtocolTest.block(e.get1().getAddress().getAddress(),
                        e.get2().getAddress().getAddress(), e.get1().getPort(), e.get2().getPort(),
                        e.get1().getAddress().getAddress().length))),
                Tuple.of(1, Arbitraries.bytes().array(byte[].class).ofMaxSize(40)),
                Tuple.of(1, Arbitraries.bytes().array(byte[].class).ofSize(216)));
        Arbitrary<byte[]> v2 = Combinators.combine(versionCommand, familyProtocol, block).as(ProxyProtocolTest::v2);
        Arbitrary<byte[]> valid = Arbitraries.oneOf(v1, v2);
        Arbitrary<Integer> cut = Arbitraries.frequencyOf(Tuple.of(3, Arbitraries.just(Integer.MAX_VALUE)),
                Tuple.of(1, Arbitraries.integers().between(0, 120)));
        Arbitrary<byte[]> damaged = Combinators.combine(valid, mutations(), cut).as(ProxyProtocolPropertiesTest::damage);
        Arbitrary<byte[]> v2Short = Combinators.combine(Arbitraries.of(0x11, 0x21),
                Arbitraries.bytes().array(byte[].class).ofMaxSize(35)).as((fp, b) -> ProxyProtocolTest.v2(0x21, fp, b));
        return Arbitraries.frequencyOf(Tuple.of(1, noise), Tuple.of(1, valid), Tuple.of(4, damaged),
                Tuple.of(2, v1Fields()), Tuple.of(1, v2Short)).filter(b -> b.length > 0);
    }

    /** v1 lines whose fields are each drawn from good ones, mostly, and bad ones. */
    private Arbitrary<byte[]> v1Fields() {
        Arbitrary<Integer> ipVersion = Arbitraries.of(4, 16);
        return ipVersion.flatMap(size -> {
            Arbitrary<String> protocol = Arbitraries.frequencyOf(Tuple.of(8, Arbitraries.just(size == 4 ? "TCP4" : "TCP6")),
                    Tuple.of(1, Arbitraries.of("TCP4", "TCP6", "UNKNOWN", "TCP5", "")));
            Arbitrary<String> address = Arbitraries.frequencyOf(
                    Tuple.of(8, address(size).map(b -> endpoint(b, 0).getAddress().getHostAddress())),
                    Tuple.of(1, Arbitraries.of("256.1.1.1", "1.2.3", "01.2.3.4", "::g", "1::2::3", "[::1]", "localhost", "")));
            Arbitrary<String> port = Arbitraries.frequencyOf(
                    Tuple.of(4, Arbitraries.integers().between(0, 65535).map(String::valueOf)),
                    Tuple.of(1, Arbitraries.of("65536", "01", "-1", "+1", "x", "", "999999")));
            Arbitrary<Integer> fields = Arbitraries.frequencyOf(Tuple.of(8, Arbitraries.just(6)),
                    Tuple.of(1, Arbitraries.integers().between(2, 7)));
            return Combinators.combine(protocol, address, address, port, port, fields)
                    .as((p, a, b, x, y, n) -> ProxyProtocolTest.ascii(String.join(" ",
                            List.of("PROXY", p, a, b, x, y, "extra").subList(0, n)) + "\r\n"));
        });
    }

    /** Octets to replace, each at a fraction of the header's length so that most land inside it. */
    private static Arbitrary<List<Tuple2<Double, Byte>>> mutations() {
        Arbitrary<Byte> octet = Arbitraries.oneOf(Arbitraries.bytes(),
                Arbitraries.of((byte) ' ', (byte) '\r', (byte) '\n', (byte) ':', (byte) '.', (byte) '0', (byte) 0xff));
        return Combinators.combine(Arbitraries.doubles().between(0, 1), octet).as(Tuple::of).list().ofMaxSize(3);
    }

    /** Replaces octets of the header, adds the client's EHLO, then cuts to {@code cut} octets when that is shorter. */
    private static byte[] damage(byte[] header, List<Tuple2<Double, Byte>> changes, int cut) {
        byte[] b = ProxyProtocolTest.concat(header, EHLO);
        for (Tuple2<Double, Byte> change : changes) {
            b[(int) Math.min(header.length - 1, change.get1() * header.length)] = change.get2();
        }
        return java.util.Arrays.copyOf(b, Math.min(b.length, cut));
    }

    /** The same line with UNKNOWN for its protocol: the addresses are then to be ignored. */
    private static byte[] unknown(byte[] line) {
        String text = new String(line, StandardCharsets.US_ASCII);
        return ProxyProtocolTest.ascii("PROXY UNKNOWN" + text.substring("PROXY TCP4".length()));
    }

    private static byte[] v1Line(Tuple2<InetSocketAddress, InetSocketAddress> e) {
        String family = e.get1().getAddress().getAddress().length == 4 ? "TCP4" : "TCP6";
        return ("PROXY " + family + " " + e.get1().getAddress().getHostAddress() + " "
                + e.get2().getAddress().getHostAddress() + " " + e.get1().getPort() + " " + e.get2().getPort() + "\r\n")
                .getBytes(StandardCharsets.US_ASCII);
    }

    /** Two endpoints of one family, as a proxy would report them. */
    @Provide
    Arbitrary<Tuple2<InetSocketAddress, InetSocketAddress>> endpoints() {
        Arbitrary<Integer> port = Arbitraries.integers().between(0, 65535);
        Arbitrary<Tuple2<InetSocketAddress, InetSocketAddress>> v4 = Combinators.combine(
                address(4), port, address(4), port).as((a, p, b, q) -> Tuple.of(endpoint(a, p), endpoint(b, q)));
        Arbitrary<Tuple2<InetSocketAddress, InetSocketAddress>> v6 = Combinators.combine(
                address(16), port, address(16), port).as((a, p, b, q) -> Tuple.of(endpoint(a, p), endpoint(b, q)));
        return Arbitraries.oneOf(v4, v6);
    }

    private static Arbitrary<byte[]> address(int size) {
        return Arbitraries.bytes().array(byte[].class).ofSize(size);
    }

    /** As the parser gives it: an IPv4-mapped IPv6 address (rare here, but possible) is IPv4. */
    private static InetSocketAddress endpoint(byte[] address, int port) {
        try {
            return new InetSocketAddress(DnsNames.canonical(InetAddress.getByAddress(address)), port);
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }
}
