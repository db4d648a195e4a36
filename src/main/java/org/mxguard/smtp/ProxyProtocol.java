package org.mxguard.smtp;

import static org.mxguard.smtp.ProxyProtocolException.Reason.BAD_ADDRESS;
import static org.mxguard.smtp.ProxyProtocolException.Reason.BAD_LENGTH;
import static org.mxguard.smtp.ProxyProtocolException.Reason.BAD_PORT;
import static org.mxguard.smtp.ProxyProtocolException.Reason.BAD_SYNTAX;
import static org.mxguard.smtp.ProxyProtocolException.Reason.NOT_PROXY;
import static org.mxguard.smtp.ProxyProtocolException.Reason.TOO_LONG;
import static org.mxguard.smtp.ProxyProtocolException.Reason.TRUNCATED;
import static org.mxguard.smtp.ProxyProtocolException.Reason.UNSUPPORTED;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Optional;
import java.util.function.Function;

/**
 * Reads the HAProxy PROXY protocol header, version 1 (text) or 2 (binary), that a trusted proxy
 * puts in front of the client's bytes (https://www.haproxy.org/download/2.9/doc/proxy-protocol.txt).
 *
 * <p>It takes exactly the header from the stream and not one octet more, so the caller can hand
 * the same unbuffered stream to {@link SmtpInput} and the pregreet test still sees whatever the
 * client sent early. The v1 line is read octet by octet up to its CRLF; v2's length is known from
 * its fixed 16 octets. Anything that is not exactly the protocol is a
 * {@link ProxyProtocolException}, raised as early as the octets read allow, as the spec asks.
 */
public final class ProxyProtocol {
    /** v1's longest line with its CRLF: "PROXY UNKNOWN" with two full IPv6 addresses and ports. */
    public static final int V1_MAX_LENGTH = 107;
    /** The 12 octets that start a v2 header. */
    static final byte[] V2_SIGNATURE = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};

    private static final byte[] V1_PREFIX = "PROXY ".getBytes(StandardCharsets.US_ASCII);
    private static final int V2_IPV4_BLOCK = 4 + 4 + 2 + 2;
    private static final int V2_IPV6_BLOCK = 16 + 16 + 2 + 2;

    private ProxyProtocol() {
    }

    /**
     * Reads the header at the start of a connection. Pass the socket's own stream, not a buffered
     * one, and give the socket a read timeout first: a proxy that stalls must not hold the thread.
     *
     * @throws ProxyProtocolException the stream does not start with a valid header, or ends in it
     * @throws IOException            reading failed (a timeout, a reset)
     */
    public static ProxyHeader read(InputStream in) throws IOException {
        int first = next(in);
        if (first == V1_PREFIX[0]) {
            return v1(in);
        }
        if (first == V2_SIGNATURE[0]) {
            return v2(in);
        }
        throw new ProxyProtocolException(NOT_PROXY, "starts with octet 0x%02x".formatted(first));
    }

    // ---- version 1: "PROXY TCP4 192.0.2.1 198.51.100.1 56324 25\r\n"

    private static ProxyHeader v1(InputStream in) throws IOException {
        byte[] line = new byte[V1_MAX_LENGTH];
        line[0] = V1_PREFIX[0];
        int length = 1;
        while (true) {
            if (length == V1_MAX_LENGTH) {
                throw new ProxyProtocolException(TOO_LONG, "no CRLF within " + V1_MAX_LENGTH + " octets");
            }
            int b = next(in);
            line[length++] = (byte) b;
            if (length <= V1_PREFIX.length) {
                if (b != V1_PREFIX[length - 1]) {
                    // fail at the first wrong octet: a client that sent EHLO is not kept waiting
                    throw new ProxyProtocolException(NOT_PROXY, "does not start with \"PROXY \"");
                }
            } else if (line[length - 2] == '\r') {
                if (b != '\n') {
                    throw new ProxyProtocolException(BAD_SYNTAX, "CR without LF");
                }
                break;
            } else if (b == '\n') {
                throw new ProxyProtocolException(BAD_SYNTAX, "LF without CR");
            }
        }
        // non-ASCII octets decode to U+FFFD, which no field accepts
        String fields = new String(line, V1_PREFIX.length, length - V1_PREFIX.length - 2, StandardCharsets.US_ASCII);
        return v1Fields(fields);
    }

    private static ProxyHeader v1Fields(String text) throws ProxyProtocolException {
        String[] f = text.split(" ", -1); // exactly one space between fields: "a  b" has an empty field
        if (f[0].equals("UNKNOWN")) {
            return ProxyHeader.UNKNOWN; // the spec: ignore whatever follows UNKNOWN
        }
        Function<String, Optional<InetAddress>> family = switch (f[0]) {
            case "TCP4" -> IpLiteral::ipv4;
            case "TCP6" -> IpLiteral::ipv6;
            default -> throw new ProxyProtocolException(BAD_SYNTAX, "unknown protocol " + quoted(f[0]));
        };
        if (f.length != 5) {
            throw new ProxyProtocolException(BAD_SYNTAX, "expected 6 fields, got " + (f.length + 1));
        }
        InetAddress source = v1Address(f[1], f[0], family);
        InetAddress destination = v1Address(f[2], f[0], family);
        return ProxyHeader.proxied(new InetSocketAddress(source, v1Port(f[3])),
                new InetSocketAddress(destination, v1Port(f[4])));
    }

    private static InetAddress v1Address(String text, String protocol, Function<String, Optional<InetAddress>> family)
            throws ProxyProtocolException {
        return family.apply(text).orElseThrow(() -> new ProxyProtocolException(BAD_ADDRESS,
                "not a " + protocol + " address: " + quoted(text)));
    }

    private static int v1Port(String text) throws ProxyProtocolException {
        int port = IpLiteral.decimal(text, 65535);
        if (port < 0) {
            throw new ProxyProtocolException(BAD_PORT, "not a port: " + quoted(text));
        }
        return port;
    }

    // ---- version 2: signature, version and command, family and protocol, length, address block

    private static ProxyHeader v2(InputStream in) throws IOException {
        for (int i = 1; i < V2_SIGNATURE.length; i++) {
            if (next(in) != (V2_SIGNATURE[i] & 0xff)) {
                throw new ProxyProtocolException(NOT_PROXY, "not the v2 signature");
            }
        }
        int versionCommand = next(in);
        if (versionCommand >> 4 != 2) {
            throw new ProxyProtocolException(UNSUPPORTED, "version " + (versionCommand >> 4));
        }
        int command = versionCommand & 0x0f;
        if (command > 1) {
            throw new ProxyProtocolException(UNSUPPORTED, "command " + command);
        }
        int familyProtocol = next(in);
        int family = familyProtocol >> 4;
        int protocol = familyProtocol & 0x0f;
        boolean proxied = command == 1;
        if (proxied && (family > 3 || protocol > 2)) {
            // LOCAL ignores the family; PROXY must name an assigned one
            throw new ProxyProtocolException(UNSUPPORTED, "family and protocol 0x%02x".formatted(familyProtocol));
        }
        // TCP over IPv4 or IPv6 only; UNSPEC, UNIX and datagrams fall back to the connection's addresses
        boolean tcp = proxied && protocol == 1 && (family == 1 || family == 2);
        int length = next(in) << 8 | next(in);
        int needed = !tcp ? 0 : family == 1 ? V2_IPV4_BLOCK : V2_IPV6_BLOCK;
        if (length < needed) {
            throw new ProxyProtocolException(BAD_LENGTH,
                    "address block of " + length + " octets, " + (family == 1 ? "TCP4" : "TCP6") + " needs " + needed);
        }
        byte[] block = in.readNBytes(length); // read whole even when unused: the client's bytes follow it
        if (block.length < length) {
            throw new ProxyProtocolException(TRUNCATED, "address block of " + length + " octets cut at " + block.length);
        }
        if (!tcp) {
            return proxied ? ProxyHeader.UNKNOWN : ProxyHeader.LOCAL;
        }
        int addressLength = family == 1 ? 4 : 16;
        // the octets after the addresses are TLVs (ALPN, TLS details, ...): nothing this gateway uses
        InetAddress source = IpLiteral.address(Arrays.copyOfRange(block, 0, addressLength));
        InetAddress destination = IpLiteral.address(Arrays.copyOfRange(block, addressLength, 2 * addressLength));
        int ports = 2 * addressLength;
        return ProxyHeader.proxied(new InetSocketAddress(source, unsigned16(block, ports)),
                new InetSocketAddress(destination, unsigned16(block, ports + 2)));
    }

    private static int unsigned16(byte[] b, int at) {
        return (b[at] & 0xff) << 8 | (b[at + 1] & 0xff);
    }

    /** One octet; the end of the stream inside a header is an error like any other malformation. */
    private static int next(InputStream in) throws IOException {
        int b = in.read();
        if (b < 0) {
            throw new ProxyProtocolException(TRUNCATED, "the stream ended inside the header");
        }
        return b;
    }

    private static String quoted(String field) {
        return "'" + EsmtpParameter.printable(field) + "'";
    }
}
