package org.mxguard.testkit;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/** Builds the wire reply of a {@link FakeDnsServer} to one query. */
final class FakeResponses {
    /** Bytes to send and when. */
    record Reply(byte[] bytes, Duration delay) {
    }

    /** A TCP reply of no bytes: close the connection without answering. */
    static final byte[] CLOSE = new byte[0];
    private static final int MAX_CHAIN = 16;
    private static final Name DECOY = Name.fromConstantString("wrong-question.invalid.");
    private static final Name SOA_HOST = Name.fromConstantString("ns.fake-dns.invalid.");
    private static final Name SOA_ADMIN = Name.fromConstantString("hostmaster.fake-dns.invalid.");

    private final FakeDnsServer server;

    FakeResponses(FakeDnsServer server) {
        this.server = server;
    }

    /** The reply to {@code query}, or null to send nothing. */
    byte[] reply(Message query, FakeDnsServer.Key key, FakeDnsServer.Rule rule, boolean overTcp) {
        Record question = query.getQuestion();
        if (rule != null && rule.rcode() >= 0) {
            Message m = header(query);
            m.getHeader().setRcode(rule.rcode());
            return wire(m, query, overTcp);
        }
        Behaviour behaviour = rule != null ? rule.behaviour()
                : server.names.contains(key.name()) ? Behaviour.ANSWER : server.defaultBehaviour;
        Message m;
        switch (behaviour) {
            case DROP -> {
                return null;
            }
            case GARBAGE -> {
                return garbage(query.getHeader().getID());
            }
            case NXDOMAIN -> {
                m = header(query);
                m.getHeader().setRcode(Rcode.NXDOMAIN);
                m.addRecord(soa(question.getName()), Section.AUTHORITY);
            }
            case NODATA -> {
                m = header(query);
                m.addRecord(soa(question.getName()), Section.AUTHORITY);
            }
            case SERVFAIL -> {
                m = header(query);
                m.getHeader().setRcode(Rcode.SERVFAIL);
            }
            case REFUSED -> {
                m = header(query);
                m.getHeader().setRcode(Rcode.REFUSED);
            }
            case ANSWER -> m = answer(query);
            case WRONG_ID -> {
                m = answer(query);
                m.getHeader().setID((query.getHeader().getID() + 1) & 0xffff);
            }
            case WRONG_QUESTION -> m = decoy(query, answer(query));
            case TRUNCATE_UDP -> m = overTcp ? answer(query) : truncated(query);
            case TRUNCATE_ALWAYS -> m = truncated(query);
            case TRUNCATE_UDP_TCP_CLOSED -> {
                if (overTcp) {
                    return CLOSE;
                }
                m = truncated(query);
            }
            case SHORT -> {
                byte[] whole = wire(answer(query), query, overTcp);
                return Arrays.copyOf(whole, 12 + (whole.length - 12) / 2);
            }
            case WRONG_TYPE -> {
                Message real = answer(query);
                m = new Message(query.getHeader().getID());
                m.getHeader().setFlag(Flags.QR);
                m.getHeader().setFlag(Flags.RA);
                m.getHeader().setFlag(Flags.RD);
                m.getHeader().setRcode(real.getRcode());
                m.addRecord(Record.newRecord(question.getName(), Type.TXT, DClass.IN), Section.QUESTION);
                for (Record r : real.getSection(Section.ANSWER)) {
                    m.addRecord(r, Section.ANSWER);
                }
            }
            default -> throw new IllegalStateException("unhandled " + behaviour);
        }
        return wire(m, query, overTcp);
    }

    /** Empty response: the query's id and question, QR, RD as asked, RA. */
    private static Message header(Message query) {
        Message m = new Message(query.getHeader().getID());
        m.getHeader().setFlag(Flags.QR);
        m.getHeader().setFlag(Flags.RA);
        if (query.getHeader().getFlag(Flags.RD)) {
            m.getHeader().setFlag(Flags.RD);
        }
        m.addRecord(query.getQuestion(), Section.QUESTION);
        return m;
    }

    /** Answer from the records, following CNAMEs as a recursive resolver would. */
    private Message answer(Message query) {
        Message m = header(query);
        int type = query.getQuestion().getType();
        Name owner = query.getQuestion().getName();
        for (int i = 0; i <= MAX_CHAIN; i++) {
            List<Record> found = server.records.get(FakeDnsServer.Key.of(owner, type));
            if (found != null) {
                found.forEach(r -> m.addRecord(r, Section.ANSWER));
                return m;
            }
            List<Record> alias = type == Type.CNAME ? null : server.records.get(FakeDnsServer.Key.of(owner, Type.CNAME));
            if (alias == null) {
                break;
            }
            CNAMERecord c = (CNAMERecord) alias.getFirst();
            m.addRecord(c, Section.ANSWER);
            owner = c.getTarget();
        }
        if (!server.names.contains(FakeDnsServer.Key.of(owner, 0).name())) {
            m.getHeader().setRcode(Rcode.NXDOMAIN);
        }
        m.addRecord(soa(owner), Section.AUTHORITY);
        return m;
    }

    /** The same answer, but for another question name. */
    private static Message decoy(Message query, Message real) {
        Message m = new Message(query.getHeader().getID());
        m.getHeader().setFlag(Flags.QR);
        m.getHeader().setFlag(Flags.RA);
        m.getHeader().setFlag(Flags.RD);
        m.getHeader().setRcode(real.getRcode());
        m.addRecord(Record.newRecord(DECOY, query.getQuestion().getType(), DClass.IN), Section.QUESTION);
        for (Record r : real.getSection(Section.ANSWER)) {
            m.addRecord(r.withName(DECOY), Section.ANSWER);
        }
        return m;
    }

    private static Message truncated(Message query) {
        Message m = header(query);
        m.getHeader().setFlag(Flags.TC);
        return m;
    }

    /** SOA of the name's zone, taken as its last two labels. */
    private SOARecord soa(Name name) {
        Name zone = name.labels() > 3 ? new Name(name, name.labels() - 3) : name;
        return new SOARecord(zone, DClass.IN, server.soaTtl, SOA_HOST, SOA_ADMIN, 1, 3600, 600, 86400, server.soaMinimum);
    }

    /**
     * The query's id, QR, then a header promising 1 question and 65535 records of each section,
     * and a few random bytes starting with a 63-byte label length: parsing always runs off the end.
     */
    private static byte[] garbage(int id) {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        byte[] out = new byte[12 + 8 + random.nextInt(33)];
        random.nextBytes(out);
        out[0] = (byte) (id >>> 8);
        out[1] = (byte) id;
        out[2] = (byte) 0x81;
        out[3] = (byte) 0x80;
        out[4] = 0;
        out[5] = 1;
        for (int i = 6; i < 12; i++) {
            out[i] = (byte) 0xff;
        }
        out[12] = 63;
        return out;
    }

    /** Over UDP, truncated (TC set) to the query's EDNS payload size, or 512. */
    private static byte[] wire(Message m, Message query, boolean overTcp) {
        if (overTcp) {
            return m.toWire(Message.MAXLENGTH);
        }
        OPTRecord opt = query.getOPT();
        int max = opt == null ? 512 : Math.max(512, opt.getPayloadSize());
        return m.toWire(max);
    }
}
