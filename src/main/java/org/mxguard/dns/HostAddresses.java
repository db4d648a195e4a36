package org.mxguard.dns;

import java.net.InetAddress;
import java.util.List;
import java.util.stream.Stream;

/** One mail host with the answers for both address families. */
public record HostAddresses(MxRecord mx, DnsAnswer<InetAddress> a, DnsAnswer<InetAddress> aaaa) {

    public List<InetAddress> addresses() {
        return Stream.concat(a.values().stream(), aaaa.values().stream()).toList();
    }

    /** The target is an alias, which RFC 2181 §10.3 forbids for MX targets. */
    public boolean isCname() {
        return aliasChain().size() > 0;
    }

    public List<String> aliasChain() {
        List<String> chain = chain(a);
        return chain.isEmpty() ? chain(aaaa) : chain;
    }

    /** The target is written as an IP address, which RFC 5321 §5.1 does not allow. */
    public boolean isIpLiteral() {
        return InetAddresses.isLiteral(mx.host());
    }

    /** True when some lookup for this host failed temporarily. */
    public boolean hasTempFail() {
        return a instanceof DnsAnswer.TempFail<InetAddress> || aaaa instanceof DnsAnswer.TempFail<InetAddress>;
    }

    private static List<String> chain(DnsAnswer<InetAddress> answer) {
        return switch (answer) {
            case DnsAnswer.Records<InetAddress> r -> r.cnames();
            case DnsAnswer.NoData<InetAddress> n -> n.cnames();
            default -> List.of();
        };
    }
}
