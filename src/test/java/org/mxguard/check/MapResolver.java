package org.mxguard.check;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.mxguard.dns.DnsAnswer;
import org.mxguard.dns.DnsNames;
import org.mxguard.dns.DnsQuestion;
import org.mxguard.dns.InetAddresses;
import org.mxguard.dns.MxRecord;
import org.mxguard.dns.RecordType;
import org.mxguard.dns.Resolver;

/** An in-memory resolver for check and audit unit tests: unknown questions are NXDOMAIN, names can be made to fail. */
public final class MapResolver implements Resolver {
    private final Map<DnsQuestion, DnsAnswer<?>> answers = new ConcurrentHashMap<>();
    private final List<DnsQuestion> asked = java.util.Collections.synchronizedList(new ArrayList<>());

    @Override
    public CompletableFuture<DnsAnswer<?>> lookup(DnsQuestion q) {
        asked.add(q);
        DnsAnswer<?> a = answers.get(q);
        if (a == null) {
            boolean nameExists = answers.keySet().stream().anyMatch(k -> k.name().equals(q.name()));
            a = nameExists ? new DnsAnswer.NoData<>(q, 60, List.of()) : new DnsAnswer.NxDomain<>(q, 60);
        }
        return CompletableFuture.completedFuture(a);
    }

    public List<DnsQuestion> asked() {
        return asked;
    }

    public MapResolver a(String name, String... ips) {
        return addresses(name, ips);
    }

    public MapResolver addresses(String name, String... ips) {
        List<InetAddress> v4 = Arrays.stream(ips).map(InetAddresses::require).filter(i -> i.getAddress().length == 4).toList();
        List<InetAddress> v6 = Arrays.stream(ips).map(InetAddresses::require).filter(i -> i.getAddress().length == 16).toList();
        if (!v4.isEmpty()) {
            put(new DnsQuestion(name, RecordType.A), v4);
        }
        if (!v6.isEmpty()) {
            put(new DnsQuestion(name, RecordType.AAAA), v6);
        }
        return this;
    }

    public MapResolver ptr(String ip, String... names) {
        put(new DnsQuestion(DnsNames.reverseName(InetAddresses.require(ip)), RecordType.PTR), List.of(names));
        return this;
    }

    public MapResolver mx(String domain, Object... prefAndHost) {
        List<MxRecord> records = new ArrayList<>();
        for (int i = 0; i < prefAndHost.length; i += 2) {
            records.add(new MxRecord((Integer) prefAndHost[i], (String) prefAndHost[i + 1]));
        }
        put(new DnsQuestion(domain, RecordType.MX), records);
        return this;
    }

    /** Marks the name as existing (e.g. TXT only) so other types answer NODATA. */
    public MapResolver exists(String name) {
        answers.put(new DnsQuestion(name, RecordType.CNAME), new DnsAnswer.NoData<>(new DnsQuestion(name, RecordType.CNAME), 60, List.of()));
        return this;
    }

    public MapResolver tempfail(String name, RecordType type) {
        DnsQuestion q = new DnsQuestion(name, type);
        answers.put(q, new DnsAnswer.TempFail<>(q, "SERVFAIL"));
        return this;
    }

    public MapResolver tempfailPtr(String ip) {
        return tempfail(DnsNames.reverseName(InetAddresses.require(ip)), RecordType.PTR);
    }

    private <T> void put(DnsQuestion q, List<T> values) {
        answers.put(q, new DnsAnswer.Records<>(q, values, 300, List.of()));
    }
}
