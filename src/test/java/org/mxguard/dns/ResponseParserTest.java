package org.mxguard.dns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mxguard.dns.Answers.noData;
import static org.mxguard.dns.Answers.nxDomain;
import static org.mxguard.dns.Answers.recordValues;
import static org.mxguard.dns.Answers.records;
import static org.mxguard.dns.Answers.tempFail;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/** {@link ResponseParser} on hand-built responses, without a network. */
class ResponseParserTest {
    private static final DnsQuestion WWW_A = DnsQuestion.of("www.example.org", RecordType.A);

    private static Name n(String name) {
        return Name.fromConstantString(name + ".");
    }

    private static InetAddress ip(String literal) {
        return InetAddresses.require(literal);
    }

    private static Message response(String qname, int qtype, int rcode, Record... answers) {
        Message m = new Message(1);
        m.getHeader().setFlag(Flags.QR);
        m.getHeader().setRcode(rcode);
        m.addRecord(Record.newRecord(n(qname), qtype, DClass.IN), Section.QUESTION);
        for (Record r : answers) {
            m.addRecord(r, Section.ANSWER);
        }
        return m;
    }

    /** A NOERROR response to {@link #WWW_A} with these answers. */
    private static Message wwwAResponse(Record... answers) {
        return response("www.example.org", Type.A, Rcode.NOERROR, answers);
    }

    private static DnsAnswer<?> parse(Message m) {
        return ResponseParser.parse(WWW_A, m);
    }

    private static ARecord a(String name, long ttl, String address) {
        return new ARecord(n(name), DClass.IN, ttl, ip(address));
    }

    private static CNAMERecord cname(String alias, long ttl, String target) {
        return new CNAMERecord(n(alias), DClass.IN, ttl, n(target));
    }

    private static SOARecord soa(String zone, long ttl, long minimum) {
        return new SOARecord(n(zone), DClass.IN, ttl, n("ns." + zone), n("hostmaster." + zone), 1, 3600, 600, 86400, minimum);
    }

    @Test
    void aChainListedOutOfOrderIsStillFollowed() {
        Message m = wwwAResponse(
                a("host.example.com", 300, "192.0.2.7"),
                cname("alias.example.net", 300, "host.example.com"),
                cname("www.example.org", 300, "alias.example.net"));

        DnsAnswer<?> answer = parse(m);

        assertThat(recordValues(answer)).containsExactly(ip("192.0.2.7"));
        assertThat(records(answer).cnames()).containsExactly("alias.example.net", "host.example.com");
    }

    @Test
    void theShortestTtlInTheChainLimitsTheAnswer() {
        Message m = wwwAResponse(
                cname("www.example.org", 20, "host.example.com"),
                a("host.example.com", 300, "192.0.2.7"));

        assertThat(records(parse(m)).ttlSeconds()).isEqualTo(20);
    }

    @Test
    void aShortLivedAliasLimitsTheNegativeTtlToo() {
        Message m = wwwAResponse(cname("www.example.org", 20, "host.example.com"));
        m.addRecord(soa("example.com", 3600, 600), Section.AUTHORITY);

        DnsAnswer.NoData<?> answer = noData(parse(m));

        assertThat(answer.negativeTtlSeconds()).isEqualTo(20);
        assertThat(answer.cnames()).containsExactly("host.example.com");
    }

    @Test
    void recordsOfOtherOwnersAreIgnored() {
        Message m = wwwAResponse(a("evil.example", 300, "203.0.113.66"));

        assertThat(noData(parse(m)).cnames()).isEmpty();
    }

    @Test
    void recordsOfTheAliasItselfAreNotTheAnswer() {
        // after a CNAME, only the target's records count (a stray A for the alias is ignored)
        Message m = wwwAResponse(
                cname("www.example.org", 300, "host.example.com"),
                a("www.example.org", 300, "203.0.113.66"),
                a("host.example.com", 300, "192.0.2.7"));

        assertThat(recordValues(parse(m))).containsExactly(ip("192.0.2.7"));
    }

    @Test
    void aCnameLoopIsATemporaryFailureNotNoData() {
        // NODATA would be definitive: iprev fail and a 550 for a broken alias Unbound calls SERVFAIL
        Message back = wwwAResponse(
                cname("www.example.org", 300, "loop.example.org"),
                cname("loop.example.org", 300, "www.example.org"));
        Message further = wwwAResponse(
                cname("www.example.org", 300, "a.example.org"),
                cname("a.example.org", 300, "b.example.org"),
                cname("b.example.org", 300, "a.example.org"),
                a("a.example.org", 300, "192.0.2.7"));

        assertThat(tempFail(parse(back))).contains("CNAME loop");
        assertThat(tempFail(parse(further))).contains("CNAME loop");
    }

    @Test
    void aChainLongerThanWeFollowIsATemporaryFailure() {
        List<Record> chain = new ArrayList<>();
        String owner = "www.example.org";
        for (int i = 1; i <= 17; i++) {
            chain.add(cname(owner, 300, "c" + i + ".example.org"));
            owner = "c" + i + ".example.org";
        }
        chain.add(a(owner, 300, "192.0.2.7"));

        assertThat(tempFail(parse(wwwAResponse(chain.toArray(Record[]::new))))).contains("longer than 16");
        // sixteen aliases are followed to the end
        List<Record> sixteen = new ArrayList<>(chain.subList(0, 16));
        sixteen.add(a("c16.example.org", 300, "192.0.2.7"));
        assertThat(recordValues(parse(wwwAResponse(sixteen.toArray(Record[]::new))))).containsExactly(ip("192.0.2.7"));
    }

    @Test
    void ownerNamesMatchCaseInsensitively() {
        Message m = response("WWW.Example.ORG", Type.A, Rcode.NOERROR, a("www.EXAMPLE.org", 300, "192.0.2.7"));

        assertThat(recordValues(parse(m))).containsExactly(ip("192.0.2.7"));
    }

    @Test
    void aCnameQuestionIsNotChased() {
        Message m = response("www.example.org", Type.CNAME, Rcode.NOERROR,
                cname("www.example.org", 300, "host.example.com"),
                cname("host.example.com", 300, "other.example.com"));

        DnsAnswer<?> answer = ResponseParser.parse(DnsQuestion.of("www.example.org", RecordType.CNAME), m);

        assertThat(recordValues(answer)).containsExactly("host.example.com");
    }

    @Test
    void negativeTtlIsTheSmallerOfSoaTtlAndMinimum() {
        Message nx = response("www.example.org", Type.A, Rcode.NXDOMAIN);
        nx.addRecord(soa("example.org", 90, 600), Section.AUTHORITY);
        Message nodata = wwwAResponse();
        nodata.addRecord(soa("example.org", 3600, 45), Section.AUTHORITY);

        assertThat(nxDomain(parse(nx)).negativeTtlSeconds()).isEqualTo(90);
        assertThat(noData(parse(nodata)).negativeTtlSeconds()).isEqualTo(45);
    }

    @Test
    void withoutSoaTheNegativeTtlIsZero() {
        Message nx = response("www.example.org", Type.A, Rcode.NXDOMAIN);

        assertThat(nxDomain(parse(nx)).negativeTtlSeconds()).isZero();
    }

    @Test
    void errorRcodesAreTempFail() {
        for (int rcode : new int[] {Rcode.SERVFAIL, Rcode.REFUSED, Rcode.FORMERR, Rcode.NOTIMP}) {
            assertThat(tempFail(parse(response("www.example.org", Type.A, rcode))))
                    .contains(Rcode.string(rcode));
        }
    }

    @Test
    void answersToAnotherQuestionAreTempFail() {
        Message otherName = response("mail.example.org", Type.A, Rcode.NOERROR, a("mail.example.org", 300, "192.0.2.1"));
        Message otherType = response("www.example.org", Type.AAAA, Rcode.NOERROR);
        Message noQuestion = new Message(1);

        assertThat(tempFail(parse(otherName))).contains("wrong question");
        assertThat(tempFail(parse(otherType))).contains("wrong question");
        assertThat(tempFail(parse(noQuestion))).contains("wrong question");
    }

    @Test
    void aTruncatedAnswerIsTempFail() {
        Message m = wwwAResponse(a("www.example.org", 300, "192.0.2.1"));
        m.getHeader().setFlag(Flags.TC);

        assertThat(tempFail(parse(m))).contains("truncated");
    }
}
