package org.mxguard.check;

import com.google.common.net.InternetDomainName;
import org.mxguard.dns.DnsNames;

/** The registrable domain of a host name, from the Public Suffix List. */
public final class RegistrableDomain {
    private RegistrableDomain() {
    }

    /**
     * {@code mail-a.outbound.example.co.uk} → {@code example.co.uk}. Names not under a known public
     * suffix (private TLDs, {@code .test}) fall back to their last two labels.
     */
    public static String of(String hostName) {
        String name = DnsNames.normalize(hostName);
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
