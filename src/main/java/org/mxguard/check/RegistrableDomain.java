package org.mxguard.check;

import com.google.common.net.InternetDomainName;
import java.util.concurrent.ConcurrentHashMap;
import org.mxguard.dns.DnsNames;

/** The registrable domain of a host name, from the Public Suffix List. */
public final class RegistrableDomain {
    // The Public Suffix List walk allocates and scans per call; names repeat from client to client.
    private static final int MEMO_LIMIT = 50_000;
    private static final ConcurrentHashMap<String, String> MEMO = new ConcurrentHashMap<>();

    private RegistrableDomain() {
    }

    /**
     * {@code mail-a.outbound.example.co.uk} → {@code example.co.uk}. Names not under a known public
     * suffix (private TLDs, {@code .test}) fall back to their last two labels.
     */
    public static String of(String hostName) {
        String name = DnsNames.normalize(hostName);
        String known = MEMO.get(name);
        if (known != null) {
            return known;
        }
        if (MEMO.size() >= MEMO_LIMIT) {
            MEMO.clear(); // crude bound: the working set of a gateway is far smaller
        }
        String found = compute(name);
        MEMO.put(name, found);
        return found;
    }

    private static String compute(String name) {
        try {
            InternetDomainName idn = InternetDomainName.from(name);
            if (idn.isUnderPublicSuffix()) {
                return idn.topPrivateDomain().toString();
            }
            if (idn.isPublicSuffix()) {
                return name;
            }
        } catch (IllegalArgumentException | IllegalStateException notADomain) {
            // fall through to the label rule
        }
        int last = name.lastIndexOf('.');
        int second = last > 0 ? name.lastIndexOf('.', last - 1) : -1;
        return second < 0 ? name : name.substring(second + 1);
    }
}
