package org.mxguard.postfix;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.mxguard.policy.Reply;

/** The wire format, octet for octet as Postfix's milter8.c writes and reads it, and every malformed packet refused. */
class MilterCodecTest {
    private static final int LIMIT = 1 << 20;

    private static byte[] hex(String h) {
        return HexFormat.of().parseHex(h.replace(" ", ""));
    }

    private static MilterEvent decode(byte[] wire) throws IOException {
        return MilterCodec.event(MilterFrame.read(new ByteArrayInputStream(wire), LIMIT).orElseThrow());
    }

    @Test
    void postfixsOptionNegotiation() throws IOException {
        // milter_protocol = 6: version 6, actions 0x1ff, protocol mask 0x1fffff
        MilterEvent e = decode(hex("0000000d 4f 00000006 000001ff 001fffff"));
        assertThat(e).isEqualTo(new MilterEvent.Negotiate(6, 0x1ff, 0x1fffff));
    }

    @Test
    void aConnectPacketAsPostfixSendsIt() throws IOException {
        byte[] data = ("[127.0.1.1]\0" + "4").getBytes(StandardCharsets.US_ASCII);
        ByteArrayOutputStream wire = new ByteArrayOutputStream();
        wire.writeBytes(hex("0000001a 43"));
        wire.writeBytes(data);
        wire.writeBytes(hex("d431")); // port 54321
        wire.writeBytes("127.0.1.1\0".getBytes(StandardCharsets.US_ASCII));
        assertThat(wire.size()).isEqualTo(4 + 0x1a);
        assertThat(decode(wire.toByteArray()))
                .isEqualTo(new MilterEvent.Connect("[127.0.1.1]", MilterEvent.Family.INET, 54321, "127.0.1.1"));
    }

    @Test
    void anUnknownFamilyHasNoPortOrAddress() throws IOException {
        assertThat(decode(hex("00000004 43 7800 55"))).isEqualTo(new MilterEvent.Connect("x", MilterEvent.Family.UNKNOWN, 0, ""));
    }

    @Test
    void macrosMailHeaderAndTheEmptyEvents() throws IOException {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("i", "4Xyz");
        m.put("{mail_addr}", "alice@good.test");
        MilterEvent macros = new MilterEvent.Macros('M', m);
        assertThat(decode(MilterCodec.frame(macros).bytes())).isEqualTo(macros);
        assertThat(decode("\0\0\0\u001cM<alice@good.test>\0SIZE=100\0".getBytes(StandardCharsets.US_ASCII)))
                .isEqualTo(new MilterEvent.Mail(List.of("<alice@good.test>", "SIZE=100")));
        assertThat(decode("\0\0\0\u0011LFrom\0a@b.test\nx\0".getBytes(StandardCharsets.US_ASCII)))
                .isEqualTo(new MilterEvent.Header("From", "a@b.test\nx"));
        assertThat(decode(hex("00000001 4e"))).isEqualTo(new MilterEvent.EndOfHeaders());
        assertThat(decode(hex("00000001 45"))).isEqualTo(new MilterEvent.EndOfMessage());
        assertThat(decode(hex("00000003 45 0d0a"))).as("a last body piece on EOB is dropped").isEqualTo(new MilterEvent.EndOfMessage());
        assertThat(decode(hex("00000001 41"))).isEqualTo(new MilterEvent.Abort());
        assertThat(decode(hex("00000001 51"))).isEqualTo(new MilterEvent.Quit());
        assertThat(decode(hex("00000001 4b"))).isEqualTo(new MilterEvent.QuitNewConnection());
        assertThat(decode(hex("00000005 42 61626364"))).isEqualTo(new MilterEvent.Body(4));
    }

    @Test
    void repliesOnTheWire() {
        assertThat(MilterCodec.frame(new MilterReply.Negotiate(6, 0x11, 0x390)).bytes())
                .isEqualTo(hex("0000000d 4f 00000006 00000011 00000390"));
        assertThat(MilterCodec.frame(new MilterReply.Continue()).bytes()).isEqualTo(hex("00000001 63"));
        assertThat(MilterCodec.frame(MilterReply.ReplyCode.of(new Reply(550, "5.7.25", "no"))).bytes())
                .isEqualTo(concat(hex("0000000f 79"), "550 5.7.25 no\0"));
        assertThat(MilterCodec.frame(new MilterReply.InsertHeader(1, "X-A", "b")).bytes())
                .isEqualTo(concat(hex("0000000b 69 00000001"), "X-A\0b\0"));
        assertThat(MilterCodec.frame(new MilterReply.ChangeHeader(2, "A", "")).bytes())
                .isEqualTo(concat(hex("00000008 6d 00000002"), "A\0\0"));
    }

    private static byte[] concat(byte[] head, String tail) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(head);
        out.writeBytes(tail.getBytes(StandardCharsets.US_ASCII));
        return out.toByteArray();
    }

    @Test
    void replyTextIsMadeSafeForPostfix() {
        assertThat(MilterReply.ReplyCode.of(new Reply(550, "5.7.1", "100% bad\r\nline\u00e9")).reply())
                .isEqualTo("550 5.7.1 100%% bad  line?");
        assertThat(MilterReply.ReplyCode.of(new Reply(451, "4.4.3", "x".repeat(2000))).reply())
                .hasSizeLessThan(420);
        assertThatThrownBy(() -> new MilterReply.ReplyCode("250 2.0.0 ok")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aCleanEndBetweenPacketsIsNoPacket() throws IOException {
        assertThat(MilterFrame.read(new ByteArrayInputStream(new byte[0]), LIMIT)).isEqualTo(Optional.empty());
    }

    @Test
    void aPeerThatLeavesInsideAPacket() {
        assertThatThrownBy(() -> decode(hex("0000"))).isInstanceOf(EOFException.class).hasMessageContaining("packet length");
        assertThatThrownBy(() -> decode(hex("00000010 48 6162"))).isInstanceOf(EOFException.class)
                .hasMessageContaining("3 of 16 octets");
    }

    @Test
    void badLengths() {
        assertThatThrownBy(() -> decode(hex("00000000 51"))).isInstanceOf(MilterProtocolException.class)
                .hasMessageContaining("bad packet length 0");
        assertThatThrownBy(() -> MilterFrame.read(new ByteArrayInputStream(hex("00100001 48")), LIMIT))
                .isInstanceOf(MilterProtocolException.class).hasMessage("packet of 1048577 octets is over the limit of 1048576");
        assertThatThrownBy(() -> MilterFrame.read(new ByteArrayInputStream(hex("ffffffff 48")), LIMIT))
                .as("a length with the top bit set is large, not negative").isInstanceOf(MilterProtocolException.class)
                .hasMessageContaining("4294967295 octets");
    }

    @Test
    void malformedData() {
        assertThatThrownBy(() -> decode(hex("00000005 5a 00000000"))).isInstanceOf(MilterProtocolException.class)
                .hasMessage("unknown command 'Z'");
        assertThatThrownBy(() -> decode(hex("00000002 01 00"))).hasMessage("unknown command 0x01");
        assertThatThrownBy(() -> decode(hex("00000005 4f 00000006"))).hasMessageContaining("malformed 'O' packet");
        assertThatThrownBy(() -> decode(hex("00000003 48 6162"))).hasMessageContaining("without its NUL");
        assertThatThrownBy(() -> decode(hex("00000001 4d"))).hasMessageContaining("'M' packet: data ends where a string");
        assertThatThrownBy(() -> decode(hex("00000004 48 6100 62"))).hasMessageContaining("1 octets left over");
        assertThatThrownBy(() -> decode(hex("00000004 44 43 6100"))).hasMessageContaining("'D' packet");
        assertThatThrownBy(() -> decode(hex("00000004 43 7800 39"))).hasMessageContaining("address family '9'");
        assertThatThrownBy(() -> decode(hex("00000005 43 7800 34 00"))).hasMessageContaining("2-octet number");
    }
}
