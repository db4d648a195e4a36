package org.mxguard.dns;

import java.net.InetAddress;
import java.util.List;

/**
 * What a domain publishes for receiving mail (RFC 5321 §5.1, RFC 7505): MX hosts, an implicit
 * MX (no MX but the domain's own address records), a null MX, or nothing.
 */
public sealed interface MailHosts {
    String domain();

    /** MX hosts, lowest preference first; a stray null MX among real ones is dropped. */
    record Mx(String domain, List<MxRecord> records) implements MailHosts {
        public Mx {
            records = List.copyOf(records);
        }
    }

    /** No MX records: the domain itself is the mail host (RFC 5321 §5.1). At least one answer has records. */
    record ImplicitMx(String domain, DnsAnswer<InetAddress> a, DnsAnswer<InetAddress> aaaa) implements MailHosts {
        /** The answer for one address family. */
        public DnsAnswer<InetAddress> family(RecordType type) {
            return type == RecordType.AAAA ? aaaa : a;
        }

        public List<InetAddress> addresses() {
            return java.util.stream.Stream.concat(a.values().stream(), aaaa.values().stream()).toList();
        }
    }

    /** RFC 7505: the domain says it accepts no mail. */
    record NullMx(String domain) implements MailHosts {
    }

    /** NXDOMAIN. */
    record NoSuchDomain(String domain) implements MailHosts {
    }

    /** The domain exists but has neither MX nor address records. */
    record NoMailHosts(String domain) implements MailHosts {
    }

    /** A lookup on the way failed temporarily: nothing definitive can be said. */
    record Unknown(String domain, String reason) implements MailHosts {
    }
}
