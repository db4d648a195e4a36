package org.mxguard.dns;

import java.util.ArrayList;
import java.util.List;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.Flags;
import org.xbill.DNS.MXRecord;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.PTRRecord;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.Section;

/** Turns one DNS response into a typed answer, following the CNAME chain in its answer section. */
final class ResponseParser {
    private static final int MAX_CHAIN = 16;

    private ResponseParser() {
    }

    static DnsAnswer<?> parse(DnsQuestion question, Message response) {
        Record echoed = response.getQuestion();
        if (echoed == null || !DnsNames.normalize(echoed.getName().toString()).equals(question.name())
                || echoed.getType() != question.type().wireType()) {
            return new DnsAnswer.TempFail<>(question, "answer for the wrong question: " + echoed);
        }
        if (response.getHeader().getFlag(Flags.TC)) {
            return new DnsAnswer.TempFail<>(question, "truncated answer, even over TCP");
        }
        int rcode = response.getRcode();
        if (rcode == Rcode.NXDOMAIN) {
            return new DnsAnswer.NxDomain<>(question, negativeTtl(response));
        }
        if (rcode != Rcode.NOERROR) {
            return new DnsAnswer.TempFail<>(question, Rcode.string(rcode));
        }
        List<Record> answers = response.getSection(Section.ANSWER);
        int wanted = question.type().wireType();
        Name owner = echoed.getName();
        List<String> cnames = new ArrayList<>(0);
        long chainTtl = Long.MAX_VALUE; // the answer is only as fresh as the shortest-lived alias in its chain
        if (question.type() != RecordType.CNAME) {
            for (int i = 0; ; i++) {
                Name next = null;
                for (Record r : answers) {
                    if (r instanceof CNAMERecord c && r.getName().equals(owner)) {
                        next = c.getTarget();
                        chainTtl = Math.min(chainTtl, r.getTTL());
                        break;
                    }
                }
                if (next == null) {
                    break;
                }
                // A loop, or a chain longer than we follow, says nothing definitive about the name
                // (Unbound answers SERVFAIL for both): never the NODATA that would fail a check.
                String alias = DnsNames.normalize(next.toString());
                if (alias.equals(question.name()) || cnames.contains(alias)) {
                    return new DnsAnswer.TempFail<>(question, "CNAME loop at " + alias);
                }
                if (i == MAX_CHAIN) {
                    return new DnsAnswer.TempFail<>(question, "CNAME chain longer than " + MAX_CHAIN);
                }
                cnames.add(alias);
                owner = next;
            }
        }
        List<Object> values = new ArrayList<>(answers.size());
        long ttl = chainTtl;
        for (Record r : answers) {
            if (r.getType() == wanted && r.getName().equals(owner)) {
                values.add(value(r));
                ttl = Math.min(ttl, r.getTTL());
            }
        }
        if (values.isEmpty()) {
            return new DnsAnswer.NoData<>(question, Math.min(negativeTtl(response), chainTtl), cnames);
        }
        @SuppressWarnings({"unchecked", "rawtypes"})
        DnsAnswer<?> found = new DnsAnswer.Records(question, values, ttl, cnames);
        return found;
    }

    private static Object value(Record r) {
        return switch (r) {
            case ARecord a -> a.getAddress();
            case AAAARecord a -> a.getAddress();
            case MXRecord mx -> new MxRecord(mx.getPriority(), mx.getTarget().toString());
            case PTRRecord ptr -> DnsNames.normalize(ptr.getTarget().toString());
            case CNAMERecord c -> DnsNames.normalize(c.getTarget().toString());
            default -> r.rdataToString();
        };
    }

    /** RFC 2308 §5: the negative TTL is the smaller of the SOA's own TTL and its MINIMUM field. */
    private static long negativeTtl(Message response) {
        for (Record r : response.getSection(Section.AUTHORITY)) {
            if (r instanceof SOARecord soa) {
                return Math.min(soa.getTTL(), soa.getMinimum());
            }
        }
        return 0;
    }
}
