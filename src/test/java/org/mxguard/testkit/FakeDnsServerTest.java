package org.mxguard.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.mxguard.dns.RecordType;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.MXRecord;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.PTRRecord;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;
import org.xbill.DNS.WireParseException;

/** The fake server itself, spoken to with plain sockets so that every byte it sends is visible. */
@Timeout(value = 5, unit = TimeUnit.SECONDS)
class FakeDnsServerTest {
    private FakeDnsServer server;
    private DatagramSocket socket;

    @BeforeEach
    void start() throws IOException {
        server = FakeDnsServer.start();
        socket = new DatagramSocket(0, InetAddress.getLoopbackAddress());
        socket.setSoTimeout(1000);
    }

    @AfterEach
    void stop() {
        socket.close();
        server.close();
    }

    private static Message query(String name, int type) {
        return Message.newQuery(Record.newRecord(Name.fromConstantString(name + "."), type, DClass.IN));
    }

    private void send(Message query) throws IOException {
        byte[] out = query.toWire();
        socket.send(new DatagramPacket(out, out.length, server.address()));
    }

    private byte[] receive() throws IOException {
        DatagramPacket in = new DatagramPacket(new byte[65_535], 65_535);
        socket.receive(in);
        byte[] bytes = new byte[in.getLength()];
        System.arraycopy(in.getData(), 0, bytes, 0, bytes.length);
        return bytes;
    }

    private Message udp(String name, int type) throws IOException {
        send(query(name, type));
        return new Message(receive());
    }

    private Message tcp(String name, int type) throws IOException {
        try (Socket s = new Socket(server.address().getAddress(), server.port())) {
            s.setSoTimeout(1000);
            byte[] out = query(name, type).toWire();
            DataOutputStream o = new DataOutputStream(s.getOutputStream());
            o.writeShort(out.length);
            o.write(out);
            o.flush();
            DataInputStream i = new DataInputStream(s.getInputStream());
            byte[] in = new byte[i.readUnsignedShort()];
            i.readFully(in);
            return new Message(in);
        }
    }

    @Test
    void listensOnLoopback() {
        assertThat(server.address().getAddress().isLoopbackAddress()).isTrue();
        assertThat(server.address().getPort()).isEqualTo(server.port()).isPositive();
    }

    @Test
    void answersWithRecordsAndTheirTtl() throws IOException {
        server.a("mail.example.org", 120, "192.0.2.1", "192.0.2.2").aaaa("mail.example.org", "2001:db8::1");

        Message m = udp("Mail.Example.org", Type.A);

        assertThat(m.getHeader().getFlag(Flags.QR)).isTrue();
        assertThat(m.getRcode()).isEqualTo(Rcode.NOERROR);
        assertThat(m.getSection(Section.ANSWER)).hasSize(2).allSatisfy(r -> {
            assertThat(r).isInstanceOf(ARecord.class);
            assertThat(r.getTTL()).isEqualTo(120);
        });
        assertThat(((AAAARecord) udp("mail.example.org", Type.AAAA).getSection(Section.ANSWER).getFirst()).getAddress())
                .isEqualTo(InetAddress.getByName("2001:db8::1"));
    }

    @Test
    void helpersBuildMxPtrAndCname() throws IOException {
        server.mx("example.org", 10, "mail.example.org").nullMx("null.example")
                .ptr("192.0.2.1", "mail.example.org").ptr("2001:db8::1", "v6.example.org")
                .cname("www.example.org", "mail.example.org").a("mail.example.org", "192.0.2.1");

        MXRecord mx = (MXRecord) udp("example.org", Type.MX).getSection(Section.ANSWER).getFirst();
        MXRecord nullMx = (MXRecord) udp("null.example", Type.MX).getSection(Section.ANSWER).getFirst();
        PTRRecord ptr4 = (PTRRecord) udp("1.2.0.192.in-addr.arpa", Type.PTR).getSection(Section.ANSWER).getFirst();
        PTRRecord ptr6 = (PTRRecord) udp("1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa", Type.PTR)
                .getSection(Section.ANSWER).getFirst();
        var chain = udp("www.example.org", Type.A).getSection(Section.ANSWER);

        assertThat(mx.getPriority()).isEqualTo(10);
        assertThat(mx.getTarget()).hasToString("mail.example.org.");
        assertThat(nullMx.getPriority()).isZero();
        assertThat(nullMx.getTarget()).isEqualTo(Name.root);
        assertThat(ptr4.getTarget()).hasToString("mail.example.org.");
        assertThat(ptr6.getTarget()).hasToString("v6.example.org.");
        assertThat(chain).hasSize(2);
        assertThat(chain.get(0)).isInstanceOf(CNAMERecord.class);
        assertThat(chain.get(1)).isInstanceOf(ARecord.class);
    }

    @Test
    void negativeAnswersCarryAnSoa() throws IOException {
        server.soa(60, 300).a("mail.example.org", "192.0.2.1");

        Message nx = udp("nowhere.example.org", Type.A);
        Message nodata = udp("mail.example.org", Type.MX);

        assertThat(nx.getRcode()).isEqualTo(Rcode.NXDOMAIN);
        assertThat(nodata.getRcode()).isEqualTo(Rcode.NOERROR);
        assertThat(nodata.getSection(Section.ANSWER)).isEmpty();
        for (Message m : new Message[] {nx, nodata}) {
            SOARecord soa = (SOARecord) m.getSection(Section.AUTHORITY).getFirst();
            assertThat(soa.getTTL()).isEqualTo(60);
            assertThat(soa.getMinimum()).isEqualTo(300);
            assertThat(soa.getName()).hasToString("example.org.");
        }
    }

    @Test
    void behavioursOverrideRecords() throws IOException {
        server.a("mail.example.org", "192.0.2.1")
                .behave("mail.example.org", RecordType.A, Behaviour.NXDOMAIN)
                .behave("mail.example.org", RecordType.MX, Behaviour.SERVFAIL)
                .behave("mail.example.org", RecordType.AAAA, Behaviour.REFUSED)
                .rcode("mail.example.org", RecordType.PTR, Rcode.NOTIMP)
                .behave("nothing.example", RecordType.A, Behaviour.NODATA);

        assertThat(udp("mail.example.org", Type.A).getRcode()).isEqualTo(Rcode.NXDOMAIN);
        assertThat(udp("mail.example.org", Type.MX).getRcode()).isEqualTo(Rcode.SERVFAIL);
        assertThat(udp("mail.example.org", Type.AAAA).getRcode()).isEqualTo(Rcode.REFUSED);
        assertThat(udp("mail.example.org", Type.PTR).getRcode()).isEqualTo(Rcode.NOTIMP);
        assertThat(udp("nothing.example", Type.A).getRcode()).isEqualTo(Rcode.NOERROR);

        server.reset("mail.example.org", RecordType.A);
        assertThat(udp("mail.example.org", Type.A).getSection(Section.ANSWER)).hasSize(1);
    }

    @Test
    void defaultBehaviourForUnknownNames() throws IOException {
        assertThat(udp("unknown.example", Type.A).getRcode()).isEqualTo(Rcode.NXDOMAIN);

        server.defaultBehaviour(Behaviour.SERVFAIL);
        assertThat(udp("unknown.example", Type.A).getRcode()).isEqualTo(Rcode.SERVFAIL);
    }

    @Test
    void dropNeverAnswersButCounts() throws IOException {
        server.behave("slow.example", RecordType.A, Behaviour.DROP);
        socket.setSoTimeout(150);

        send(query("slow.example", Type.A));

        assertThatThrownBy(this::receive).isInstanceOf(SocketTimeoutException.class);
        assertThat(server.queries("slow.example", RecordType.A)).isEqualTo(1);
    }

    @Test
    void garbageCannotBeParsed() throws IOException {
        server.behave("x.example", RecordType.A, Behaviour.GARBAGE);
        Message q = query("x.example", Type.A);

        for (int i = 0; i < 20; i++) {
            send(q);
            byte[] in = receive();
            assertThat(((in[0] & 0xff) << 8) | (in[1] & 0xff)).isEqualTo(q.getHeader().getID());
            assertThatThrownBy(() -> new Message(in)).isInstanceOf(WireParseException.class);
        }
    }

    @Test
    void wrongIdAndWrongQuestion() throws IOException {
        server.a("x.example", "192.0.2.1").a("y.example", "192.0.2.2")
                .behave("x.example", RecordType.A, Behaviour.WRONG_ID)
                .behave("y.example", RecordType.A, Behaviour.WRONG_QUESTION);
        Message qx = query("x.example", Type.A);
        Message qy = query("y.example", Type.A);

        send(qx);
        Message wrongId = new Message(receive());
        send(qy);
        Message wrongQuestion = new Message(receive());

        assertThat(wrongId.getHeader().getID()).isNotEqualTo(qx.getHeader().getID());
        assertThat(wrongId.getSection(Section.ANSWER)).hasSize(1);
        assertThat(wrongQuestion.getHeader().getID()).isEqualTo(qy.getHeader().getID());
        assertThat(wrongQuestion.getQuestion().getName()).isNotEqualTo(qy.getQuestion().getName());
        assertThat(wrongQuestion.getSection(Section.ANSWER)).singleElement()
                .satisfies(r -> assertThat(r.getName()).isEqualTo(wrongQuestion.getQuestion().getName()));
    }

    @Test
    void truncation() throws IOException {
        server.a("t.example", "192.0.2.1").a("tt.example", "192.0.2.2")
                .behave("t.example", RecordType.A, Behaviour.TRUNCATE_UDP)
                .behave("tt.example", RecordType.A, Behaviour.TRUNCATE_ALWAYS);

        Message udp = udp("t.example", Type.A);
        Message tcp = tcp("t.example", Type.A);
        Message udpAlways = udp("tt.example", Type.A);
        Message tcpAlways = tcp("tt.example", Type.A);

        assertThat(udp.getHeader().getFlag(Flags.TC)).isTrue();
        assertThat(udp.getSection(Section.ANSWER)).isEmpty();
        assertThat(tcp.getHeader().getFlag(Flags.TC)).isFalse();
        assertThat(tcp.getSection(Section.ANSWER)).hasSize(1);
        assertThat(udpAlways.getHeader().getFlag(Flags.TC)).isTrue();
        assertThat(tcpAlways.getHeader().getFlag(Flags.TC)).isTrue();
        assertThat(tcpAlways.getSection(Section.ANSWER)).isEmpty();
        assertThat(server.tcpQueries()).isEqualTo(2);
    }

    @Test
    void largeUdpAnswersAreTruncatedTo512BytesWithoutEdns() throws IOException {
        for (int i = 1; i <= 60; i++) {
            server.a("big.example", "198.51.100." + i);
        }

        Message udp = udp("big.example", Type.A);

        assertThat(udp.getHeader().getFlag(Flags.TC)).isTrue();
        assertThat(tcp("big.example", Type.A).getSection(Section.ANSWER)).hasSize(60);
    }

    @Test
    void countsQueriesPerQuestion() throws IOException {
        server.a("a.example", "192.0.2.1");

        udp("a.example", Type.A);
        udp("A.EXAMPLE", Type.A);
        udp("a.example", Type.AAAA);
        tcp("b.example", Type.MX);

        assertThat(server.queries()).isEqualTo(4);
        assertThat(server.queries("a.example", RecordType.A)).isEqualTo(2);
        assertThat(server.queries("a.example.", RecordType.AAAA)).isEqualTo(1);
        assertThat(server.queries("b.example", RecordType.MX)).isEqualTo(1);
        assertThat(server.queries("b.example", RecordType.A)).isZero();
        assertThat(server.tcpQueries()).isEqualTo(1);

        server.resetCounts();
        assertThat(server.queries()).isZero();
        assertThat(server.queries("a.example", RecordType.A)).isZero();
    }

    @Test
    void delayedAnswersDoNotQueueBehindEachOther() throws IOException {
        server.a("d.example", "192.0.2.1").delay(Duration.ofMillis(20));
        int n = 200;

        long start = System.nanoTime();
        for (int i = 0; i < n; i++) {
            send(query("d.example", Type.A));
        }
        for (int i = 0; i < n; i++) {
            receive();
        }
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

        // one at a time would take 200 × 20 ms = 4 s
        assertThat(millis).isBetween(20L, 3000L);
        assertThat(server.queries()).isEqualTo(n);
    }

    @Test
    void perQuestionDelayOverridesTheGlobalOne() throws IOException {
        server.a("fast.example", "192.0.2.1").a("slow.example", "192.0.2.2")
                .delay(Duration.ofMillis(300))
                .delay("fast.example", RecordType.A, Duration.ZERO);

        long start = System.nanoTime();
        udp("fast.example", Type.A);
        assertThat(System.nanoTime() - start).isLessThan(TimeUnit.MILLISECONDS.toNanos(250));

        start = System.nanoTime();
        udp("slow.example", Type.A);
        assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(300));
    }

    @Test
    void closeReleasesThePort() throws IOException {
        int port = server.port();
        server.close();

        try (DatagramSocket again = new DatagramSocket(port, InetAddress.getLoopbackAddress())) {
            assertThat(again.getLocalPort()).isEqualTo(port);
        }
    }

    @Test
    void badInputIsRejected() {
        assertThatThrownBy(() -> server.a("x.example", "not-an-address")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> server.aaaa("x.example", "192.0.2.1")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> server.a("a..example", "192.0.2.1")).isInstanceOf(IllegalArgumentException.class);
    }
}
