package org.mxguard.check;

import java.net.InetAddress;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.mxguard.dns.DnsAnswer;
import org.mxguard.dns.DnsNames;

/** Renders DNS answers as short evidence values (for check results and audit findings). */
public final class Evidence {
    private Evidence() {
    }

    /** A fresh evidence map; a {@link CheckResult} takes it over (no copy) and freezes it. */
    static Map<String, String> map() {
        return new Owned();
    }

    /** Evidence being built by one check; frozen when a result takes it, so sharing it is safe. */
    static final class Owned extends LinkedHashMap<String, String> {
        private boolean frozen;

        /** Freezes the map; true only for the first caller, who may then wrap it without copying. */
        boolean freeze() {
            boolean first = !frozen;
            frozen = true;
            return first;
        }

        @Override
        public String put(String key, String value) {
            if (frozen) {
                throw new UnsupportedOperationException("evidence already belongs to a result");
            }
            return super.put(key, value);
        }
    }

    public static String of(DnsAnswer<?> answer) {
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
        if (values.size() == 1) {
            return value(values.get(0));
        }
        StringBuilder sb = new StringBuilder(values.size() * 24);
        for (Object v : values) {
            if (sb.length() > 0) {
                sb.append(", ");
            }
            sb.append(value(v));
        }
        return sb.toString();
    }

    static String value(Object v) {
        return v instanceof InetAddress ip ? DnsNames.text(ip) : String.valueOf(v);
    }
}
