package org.mxguard.smtp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mxguard.smtp.ProxyProtocolException.Reason.BAD_ADDRESS;
import static org.mxguard.smtp.ProxyProtocolException.Reason.BAD_LENGTH;
import static org.mxguard.smtp.ProxyProtocolException.Reason.BAD_PORT;
import static org.mxguard.smtp.ProxyProtocolException.Reason.BAD_SYNTAX;
import static org.mxguard.smtp.ProxyProtocolException.Reason.NOT_PROXY;
import static org.mxguard.smtp.ProxyProtocolException.Reason.TOO_LONG;
import static org.mxguard.smtp.ProxyProtocolException.Reason.TRUNCATED;
import static org.mxguard.smtp.ProxyProtocolException.Reason.UNSUPPORTED;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.mxguard.dns.InetAddresses;

/** PROXY protocol v1 and v2 headers: the spec's examples, its limits, and everything it says to drop. */
class ProxyProtocolTest {
    /** What the client sends after the header; read must leave it all in the stream. */
    private static final byte[] EHLO = ascii("EHLO client.example\r\n");

    // ---- version 1

    @Test
    void v1Tcp4AsInTheSpec() throws IOException {
        ByteArrayInputStream in = stream(ascii("PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\n"), EHLO);

        ProxyHeader header = ProxyProtocol.read(in);

        assertThat(header).isEqualTo(ProxyHeader.proxied(at("192.168.0.1", 56324), at("192.168.0.11", 443)));
        assertThat(header.local()).isFalse();
        assertThat(in.readAllBytes()).isEqualTo(EHLO);
    }

    @Test
    void v1Tcp6CompressedAndFull() throws IOException {
        ByteArrayInputStream in = stream(ascii("PROXY TCP6 2001:db8::1 2001:DB8:0:0:0:0:0:2 65535 0\r\n"), EHLO);

        assertThat(ProxyProtocol.read(in))
                .isEqualTo(ProxyHeader.proxied(at("2001:db8::1", 65535), at("2001:db8::2", 0)));
        assertThat(in.readAllBytes()).isEqualTo(EHLO);
    }

    @Test
    void v1Tcp6LongestLine() throws IOException {
        String full = "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff";
        byte[] line = ascii("PROXY TCP6 " + full + " " + full + " 65535 65535\r\n");
        assertThat(line).hasSize(104); // the spec's figure

        assertThat(ProxyProtocol.read(stream(line, EHLO)).source()).contains(at(full, 65535));
    }

    @Test
    void v1Tcp6IpV4MappedIsTheIpV4Client() throws IOException {
        ProxyHeader header = ProxyProtocol.read(stream(ascii("PROXY TCP6 ::ffff:192.0.2.7 ::ffff:198.51.100.1 1025 25\r\n")));

        assertThat(header.source()).contains(at("192.0.2.7", 1025));
        assertThat(header.source().orElseThrow().getAddress().getAddress()).hasSize(4);
    }

    @Test
    void v1UnknownShortForm() throws IOException {
        ByteArrayInputStream in = stream(ascii("PROXY UNKNOWN\r\n"), EHLO);

        assertThat(ProxyProtocol.read(in)).isEqualTo(ProxyHeader.UNKNOWN);
        assertThat(in.readAllBytes()).isEqualTo(EHLO);
    }

    @Test
    void v1UnknownIgnoresTheRestUpToTheLongestLine() throws IOException {
        String full = "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff";
        byte[] worst = ascii("PROXY UNKNOWN " + full + " " + full + " 65535 65535\r\n");
        assertThat(worst).hasSize(ProxyProtocol.V1_MAX_LENGTH);
        ByteArrayInputStream in = stream(worst, EHLO);

        ProxyHeader header = ProxyProtocol.read(in);

        assertThat(header).isEqualTo(ProxyHeader.UNKNOWN);
        assertThat(header.known()).isFalse();
        assertThat(header.local()).isFalse();
        assertThat(in.readAllBytes()).isEqualTo(EHLO);
    }

    @Test
    void v1LineOfOneOctetTooManyIsRefused() {
        String full = "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff";
        byte[] line = ascii("PROXY UNKNOWN " + full + " " + full + " 65535 655355\r\n");
        assertThat(line).hasSize(ProxyProtocol.V1_MAX_LENGTH + 1);

        assertRefused(line, TOO_LONG);
    }

    @Test
    void v1WithoutCrlfIsRefusedAfter107OctetsNotLater() {
        // an endless line: read must give up at the limit, not wait for more
        InputStream endless = new InputStream() {
            private final byte[] start = ascii("PROXY TCP4 192.168.0.1 192.168.0.11 56324 443");
            private int pos;

            @Override
            public int read() {
                if (pos > ProxyProtocol.V1_MAX_LENGTH) {
                    throw new AssertionError("read past the 107-octet limit");
                }
                return pos < start.length ? start[pos++] : (pos++ % 2 == 0 ? ' ' : '1');
            }
        };

        assertThatThrownBy(() -> ProxyProtocol.read(endless))
                .isInstanceOfSatisfying(ProxyProtocolException.class, e -> assertThat(e.reason()).isEqualTo(TOO_LONG));
    }

    static Stream<Arguments> malformedV1() {
        return Stream.of(
                // line ends
                Arguments.of("PROXY TCP4 192.0.2.1 192.0.2.2 1 2\n", BAD_SYNTAX),
                Arguments.of("PROXY TCP4 192.0.2.1 192.0.2.2 1 2\rX\n", BAD_SYNTAX),
                Arguments.of("PROXY TCP4 192.0.2.1\r192.0.2.2 1 2\r\n", BAD_SYNTAX),
                Arguments.of("PROXY TCP4 192.0.2.1 192.0.2.2 1 2", TRUNCATED),
                Arguments.of("PROXY TCP4 192.0.2.1 192.0.2.2 1 2\r", TRUNCATED),
                Arguments.of("", TRUNCATED),
                Arguments.of("PRO", TRUNCATED),
                // not the protocol at all
                Arguments.of("EHLO client.example\r\n", NOT_PROXY),
                Arguments.of("PROXX TCP4 192.0.2.1 192.0.2.2 1 2\r\n", NOT_PROXY),
                Arguments.of("PROXYTCP4 192.0.2.1 192.0.2.2 1 2\r\n", NOT_PROXY),
                Arguments.of("proxy TCP4 192.0.2.1 192.0.2.2 1 2\r\n", NOT_PROXY),
                // protocol names
                Arguments.of("PROXY \r\n", BAD_SYNTAX),
                Arguments.of("PROXY tcp4 192.0.2.1 192.0.2.2 1 2\r\n", BAD_SYNTAX),
                Arguments.of("PROXY TCP5 192.0.2.1 192.0.2.2 1 2\r\n", BAD_SYNTAX),
                Arguments.of("PROXY UDP4 192.0.2.1 192.0.2.2 1 2\r\n", BAD_SYNTAX),
                Arguments.of("PROXY UNKNOWNX\r\n", BAD_SYNTAX),
                Arguments.of("PROXY  TCP4 192.0.2.1 192.0.2.2 1 2\r\n", BAD_SYNTAX),
                // field counts and spacing
                Arguments.of("PROXY TCP4\r\n", BAD_SYNTAX),
                Arguments.of("PROXY TCP4 192.0.2.1 192.0.2.2 1\r\n", BAD_SYNTAX),
                Arguments.of("PROXY TCP4 192.0.2.1 192.0.2.2 1 2 3\r\n", BAD_SYNTAX),
                Arguments.of("PROXY TCP4 192.0.2.1  192.0.2.2 1 2\r\n", BAD_SYNTAX),
                Arguments.of("PROXY TCP4 192.0.2.1 192.0.2.2 1 2 \r\n", BAD_SYNTAX),
                Arguments.of("PROXY TCP4 192.0.2.1\t192.0.2.2 1 2\r\n", BAD_SYNTAX),
                // addresses
                Arguments.of("PROXY TCP4 256.0.2.1 192.0.2.2 1 2\r\n", BAD_ADDRESS),
                Arguments.of("PROXY TCP4 192.0.2.01 192.0.2.2 1 2\r\n", BAD_ADDRESS),
                Arguments.of("PROXY TCP4 192.0.2 192.0.2.2 1 2\r\n", BAD_ADDRESS),
                Arguments.of("PROXY TCP4 192.0.2.1. 192.0.2.2 1 2\r\n", BAD_ADDRESS),
                Arguments.of("PROXY TCP4 192.0.2.1 localhost 1 2\r\n", BAD_ADDRESS),
                Arguments.of("PROXY TCP4 2001:db8::1 192.0.2.2 1 2\r\n", BAD_ADDRESS),
                Arguments.of("PROXY TCP4 +1.0.2.1 192.0.2.2 1 2\r\n", BAD_ADDRESS),
                Arguments.of("PROXY TCP6 192.0.2.1 2001:db8::2 1 2\r\n", BAD_ADDRESS),
                Arguments.of("PROXY TCP6 2001:db8::1 192.0.2.2 1 2\r\n", BAD_ADDRESS),
                Arguments.of("PROXY TCP6 [2001:db8::1] 2001:db8::2 1 2\r\n", BAD_ADDRESS),
                Arguments.of("PROXY TCP6 fe80::1%eth0 2001:db8::2 1 2\r\n", BAD_ADDRESS),
                Arguments.of("PROXY TCP6 2001:db8::1::2 2001:db8::2 1 2\r\n", BAD_ADDRESS),
                Arguments.of("PROXY TCP6 2001:db8:0:0:0:0:0:0:1 2001:db8::2 1 2\r\n", BAD_ADDRESS),
                Arguments.of("PROXY TCP6 2001:db8::g 2001:db8::2 1 2\r\n", BAD_ADDRESS),
                Arguments.of("PROXY TCP4 192.0.2.1 19\u00e92.0.2.2 1 2\r\n", BAD_ADDRESS),
                // ports
                Arguments.of("PROXY TCP4 192.0.2.1 192.0.2.2 65536 25\r\n", BAD_PORT),
                Arguments.of("PROXY TCP4 192.0.2.1 192.0.2.2 1 99999\r\n", BAD_PORT),
                Arguments.of("PROXY TCP4 192.0.2.1 192.0.2.2 -1 25\r\n", BAD_PORT),
                Arguments.of("PROXY TCP4 192.0.2.1 192.0.2.2 +1 25\r\n", BAD_PORT),
                Arguments.of("PROXY TCP4 192.0.2.1 192.0.2.2 01 25\r\n", BAD_PORT),
                Arguments.of("PROXY TCP4 192.0.2.1 192.0.2.2 1024 025\r\n", BAD_PORT),
                Arguments.of("PROXY TCP4 192.0.2.1 192.0.2.2 smtp 25\r\n", BAD_PORT),
                Arguments.of("PROXY TCP4 192.0.2.1 192.0.2.2 1 \r\n", BAD_PORT),
                Arguments.of("PROXY TCP4 192.0.2.1 192.0.2.2 1 0x19\r\n", BAD_PORT));
    }

    @ParameterizedTest
    @MethodSource("malformedV1")
    void malformedV1IsRefused(String line, ProxyProtocolException.Reason reason) {
        assertRefused(line.getBytes(StandardCharsets.ISO_8859_1), reason);
    }

    @Test
    void aClientWithoutHeaderIsRefusedAtItsFirstOctet() throws IOException {
        // nothing more is read: a client that sent EHLO and waits for a reply must not be waited for
        ByteArrayInputStream in = stream(EHLO);

        assertRefused(in, NOT_PROXY);
        assertThat(in.available()).isEqualTo(EHLO.length - 1);
    }

    @Test
    void aWrongPrefixIsRefusedAtItsFirstWrongOctet() throws IOException {
        ByteArrayInputStream in = stream(ascii("PROXZ TCP4"));

        assertRefused(in, NOT_PROXY);
        assertThat(in.readAllBytes()).isEqualTo(ascii(" TCP4"));
    }

    // ---- version 2

    @Test
    void v2Tcp4() throws IOException {
        ByteArrayInputStream in = stream(v2(0x21, 0x11, ipv4Block("192.0.2.1", "198.51.100.2", 56324, 25)), EHLO);

        ProxyHeader header = ProxyProtocol.read(in);

        assertThat(header).isEqualTo(ProxyHeader.proxied(at("192.0.2.1", 56324), at("198.51.100.2", 25)));
        assertThat(in.readAllBytes()).isEqualTo(EHLO);
    }

    @Test
    void v2Tcp6() throws IOException {
        ByteArrayInputStream in = stream(v2(0x21, 0x21, ipv6Block("2001:db8::1", "2001:db8:ffff::25", 65535, 587)), EHLO);

        assertThat(ProxyProtocol.read(in))
                .isEqualTo(ProxyHeader.proxied(at("2001:db8::1", 65535), at("2001:db8:ffff::25", 587)));
        assertThat(in.readAllBytes()).isEqualTo(EHLO);
    }

    @Test
    void v2Tcp6IpV4MappedIsTheIpV4Client() throws IOException {
        ProxyHeader header = ProxyProtocol.read(stream(v2(0x21, 0x21, ipv6Block("::ffff:192.0.2.9", "::1", 1, 25))));

        assertThat(header.source()).contains(at("192.0.2.9", 1));
        assertThat(header.source().orElseThrow().getAddress().getAddress()).hasSize(4);
    }

    @Test
    void v2TlvsAreSkipped() throws IOException {
        ByteArrayOutputStream block = new ByteArrayOutputStream();
        block.writeBytes(ipv4Block("192.0.2.1", "198.51.100.2", 40000, 25));
        block.writeBytes(tlv(0x01, ascii("smtp")));                // PP2_TYPE_ALPN
        block.writeBytes(tlv(0x02, ascii("mx.example")));          // PP2_TYPE_AUTHORITY
        block.writeBytes(tlv(0x20, new byte[] {0x01, 0, 0, 0, 0})); // PP2_TYPE_SSL, client and verify
        block.writeBytes(tlv(0x04, new byte[0]));                  // PP2_TYPE_NOOP, empty
        ByteArrayInputStream in = stream(v2(0x21, 0x11, block.toByteArray()), EHLO);

        assertThat(ProxyProtocol.read(in).source()).contains(at("192.0.2.1", 40000));
        assertThat(in.readAllBytes()).isEqualTo(EHLO);
    }

    @Test
    void v2LocalUsesTheRealConnection() throws IOException {
        ByteArrayInputStream in = stream(v2(0x20, 0x00, new byte[0]), EHLO);

        ProxyHeader header = ProxyProtocol.read(in);

        assertThat(header).isEqualTo(ProxyHeader.LOCAL);
        assertThat(header.local()).isTrue();
        assertThat(header.clientOr(at("10.0.0.1", 5555))).isEqualTo(at("10.0.0.1", 5555));
        assertThat(in.readAllBytes()).isEqualTo(EHLO);
    }

    @Test
    void v2LocalSkipsWhateverBlockAndFamilyItHas() throws IOException {
        // the spec: receivers must skip the length given and ignore the family, even an unassigned one
        ByteArrayInputStream in = stream(v2(0x20, 0xff, ipv4Block("192.0.2.1", "192.0.2.2", 1, 2)), EHLO);

        assertThat(ProxyProtocol.read(in)).isEqualTo(ProxyHeader.LOCAL);
        assertThat(in.readAllBytes()).isEqualTo(EHLO);
    }

    static Stream<Arguments> v2WithoutUsableAddresses() {
        return Stream.of(
                Arguments.of("UNSPEC", 0x00, new byte[0]),
                Arguments.of("UNSPEC with a block", 0x00, ipv4Block("192.0.2.1", "192.0.2.2", 1, 2)),
                Arguments.of("TCP4 family, UNSPEC protocol", 0x10, ipv4Block("192.0.2.1", "192.0.2.2", 1, 2)),
                Arguments.of("UDP4", 0x12, ipv4Block("192.0.2.1", "192.0.2.2", 1, 2)),
                Arguments.of("UDP6", 0x22, ipv6Block("2001:db8::1", "2001:db8::2", 1, 2)),
                Arguments.of("UNIX stream", 0x31, new byte[216]),
                Arguments.of("UNIX datagram", 0x32, new byte[216]));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("v2WithoutUsableAddresses")
    void v2FamiliesOtherThanTcpAreUnknown(String what, int familyProtocol, byte[] block) throws IOException {
        ByteArrayInputStream in = stream(v2(0x21, familyProtocol, block), EHLO);

        assertThat(ProxyProtocol.read(in)).isEqualTo(ProxyHeader.UNKNOWN);
        assertThat(in.readAllBytes()).isEqualTo(EHLO);
    }

    static Stream<Arguments> malformedV2() {
        byte[] tcp4 = ipv4Block("192.0.2.1", "198.51.100.2", 56324, 25);
        byte[] whole = v2(0x21, 0x11, tcp4);
        byte[] badSignature = whole.clone();
        badSignature[7] = 'q';
        return Stream.of(
                Arguments.of("version 1", v2(0x11, 0x11, tcp4), UNSUPPORTED),
                Arguments.of("version 3", v2(0x31, 0x11, tcp4), UNSUPPORTED),
                Arguments.of("command 2", v2(0x22, 0x11, tcp4), UNSUPPORTED),
                Arguments.of("command 15", v2(0x2f, 0x11, tcp4), UNSUPPORTED),
                Arguments.of("family 4", v2(0x21, 0x41, tcp4), UNSUPPORTED),
                Arguments.of("protocol 3", v2(0x21, 0x13, tcp4), UNSUPPORTED),
                Arguments.of("TCP4 in 11 octets", v2(0x21, 0x11, Arrays.copyOf(tcp4, 11)), BAD_LENGTH),
                Arguments.of("TCP6 in a TCP4 block", v2(0x21, 0x21, tcp4), BAD_LENGTH),
                Arguments.of("signature", badSignature, NOT_PROXY),
                Arguments.of("an empty line", ascii("\r\nEHLO x\r\n"), NOT_PROXY),
                Arguments.of("cut in the signature", Arrays.copyOf(whole, 7), TRUNCATED),
                Arguments.of("cut in the fixed part", Arrays.copyOf(whole, 15), TRUNCATED),
                Arguments.of("cut in the block", Arrays.copyOf(whole, whole.length - 1), TRUNCATED),
                Arguments.of("TLVs cut", Arrays.copyOf(v2(0x21, 0x11, concat(tcp4, tlv(1, ascii("h2")))),
                        16 + 12 + 3), TRUNCATED));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformedV2")
    void malformedV2IsRefused(String what, byte[] header, ProxyProtocolException.Reason reason) {
        assertRefused(header, reason);
    }

    // ---- the header record

    @Test
    void theProxiedClientReplacesThePeer() {
        ProxyHeader header = ProxyHeader.proxied(at("192.0.2.1", 1), at("192.0.2.2", 25));

        assertThat(header.clientOr(at("10.0.0.1", 5555))).isEqualTo(at("192.0.2.1", 1));
        assertThat(header.known()).isTrue();
        assertThat(ProxyHeader.UNKNOWN.clientOr(at("10.0.0.1", 5555))).isEqualTo(at("10.0.0.1", 5555));
    }

    @Test
    void aHeaderIsConsistent() {
        assertThatThrownBy(() -> new ProxyHeader(Optional.of(at("192.0.2.1", 1)), Optional.empty(), false))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new ProxyHeader(Optional.of(at("192.0.2.1", 1)), Optional.of(at("192.0.2.2", 1)), true))
                .isInstanceOf(IllegalArgumentException.class);
    }

    // ---- helpers, also for the properties

    static void assertRefused(byte[] header, ProxyProtocolException.Reason reason) {
        assertRefused(stream(header), reason);
    }

    static void assertRefused(InputStream in, ProxyProtocolException.Reason reason) {
        assertThatThrownBy(() -> ProxyProtocol.read(in))
                .isInstanceOfSatisfying(ProxyProtocolException.class, e -> assertThat(e.reason()).isEqualTo(reason));
    }

    /** A v2 header: the signature, version/command, family/protocol, the block's length, the block. */
    static byte[] v2(int versionCommand, int familyProtocol, byte[] block) {
        ByteBuffer b = ByteBuffer.allocate(16 + block.length);
        b.put(ProxyProtocol.V2_SIGNATURE).put((byte) versionCommand).put((byte) familyProtocol)
                .putShort((short) block.length).put(block);
        return b.array();
    }

    static byte[] ipv4Block(String source, String destination, int sourcePort, int destinationPort) {
        return block(ip(source), ip(destination), sourcePort, destinationPort, 4);
    }

    static byte[] ipv6Block(String source, String destination, int sourcePort, int destinationPort) {
        return block(ip(source), ip(destination), sourcePort, destinationPort, 16);
    }

    static byte[] block(byte[] source, byte[] destination, int sourcePort, int destinationPort, int size) {
        ByteBuffer b = ByteBuffer.allocate(2 * size + 4);
        b.put(source).put(destination).putShort((short) sourcePort).putShort((short) destinationPort);
        return b.array();
    }

    static byte[] tlv(int type, byte[] value) {
        return ByteBuffer.allocate(3 + value.length).put((byte) type).putShort((short) value.length).put(value).array();
    }

    /** The address's 4 or 16 octets as sent: 16 even for an IPv4-mapped one, which InetAddress makes 4. */
    private static byte[] ip(String text) {
        byte[] bytes = com.google.common.net.InetAddresses.forString(text).getAddress();
        if (bytes.length == 4 && text.contains(":")) {
            return concat(new byte[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xff, (byte) 0xff}, bytes);
        }
        return bytes;
    }

    static InetSocketAddress at(String ip, int port) {
        InetAddress address = InetAddresses.require(ip);
        return new InetSocketAddress(address, port);
    }

    static ByteArrayInputStream stream(byte[]... parts) {
        return new ByteArrayInputStream(concat(parts));
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
