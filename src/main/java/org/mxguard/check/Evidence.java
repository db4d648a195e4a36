package org.mxguard.check;

import java.net.InetAddress;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.mxguard.dns.DnsAnswer;
import org.mxguard.dns.DnsNames;

/** Renders DNS answers as short evidence values. */
final class Evidence {
    private Evidence() {
    }

    static Map<String, String> map() {
        return new LinkedHashMap<>();
    }

    static String of(DnsAnswer<?> answer) {
        if (answer == null) {
            return "not asked (query budget)";
        }
        return switch (answer) {
            case DnsAnswer.Records<?> r -> values(r.records()) + (r.cnames().isEmpty() ? "" : " (via CNAME " + String.join(" -> ", r.cnames()) + ")");
            case DnsAnswer.NxDomain<?> n -> "NXDOMAIN";
            case DnsAnswer.NoData<?> n -> "NODATA" + (n.cnames().isEmpty() ? "" : " (via CNAME " + String.join(" -> ", n.cnames()) + ")");
            case DnsAnswer.TempFail<?> t -> "TEMPFAIL (" + t.reason() + ")";
        };
    }

    static String values(List<?> values) {
        return values.stream().map(Evidence::value).collect(Collectors.joining(", "));
    }

    static String value(Object v) {
        return v instanceof InetAddress ip ? DnsNames.text(ip) : String.valueOf(v);
    }
}
