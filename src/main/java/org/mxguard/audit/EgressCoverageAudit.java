package org.mxguard.audit;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.mxguard.dns.DnsNames;
import org.mxguard.dns.HostAddresses;
import org.mxguard.dns.MailHosts;
import org.mxguard.dns.MailRoute;

/**
 * Multi-WAN coverage: every egress address must be an address of one of the domain's MX hosts,
 * or a receiver's reverse-MX check (is the client one of the sender domain's MX hosts?) fails for
 * the mail that leaves through it.
 */
final class EgressCoverageAudit {
    private EgressCoverageAudit() {
    }

    /**
     * @param names for each egress address, the host name proposed for it (its PTR name when that
     *              is in the domain, else a fresh one)
     */
    static List<Finding> findings(MailRoute route, List<InetAddress> egress, Map<InetAddress, String> names) {
        List<Finding> out = new ArrayList<>();
        String d = route.hosts().domain();
        for (InetAddress ip : egress) {
            out.add(one(d, route, ip, names.get(ip)));
        }
        return out;
    }

    private static Finding one(String d, MailRoute route, InetAddress ip, String name) {
        String ipText = DnsNames.text(ip);
        List<String> evidence = new ArrayList<>();
        evidence.add(ipText + ": egress address");
        switch (route.hosts()) {
            case MailHosts.Unknown u -> {
                evidence.add(u.reason());
                return Finding.of("egress-coverage-tempfail", Severity.TEMPERROR, ipText,
                        "whether " + ipText + " is an MX host address of " + d + " is unknown: the MX lookup failed temporarily",
                        evidence, Fix.advice("Run the audit again later."));
            }
            case MailHosts.ImplicitMx i -> {
                evidence.add(AnswerText.of(i.a()));
                evidence.add(AnswerText.of(i.aaaa()));
                if (i.addresses().contains(ip)) {
                    return covered(d, ip, d + " (implicit MX)", evidence);
                }
            }
            case MailHosts.Mx mx -> {
                for (HostAddresses h : route.mxHosts()) {
                    evidence.add("MX " + h.mx() + " -> " + (h.addresses().isEmpty() ? "(no address)" : MxSetAudit.text(h.addresses())));
                }
                for (HostAddresses h : route.mxHosts()) {
                    if (h.addresses().contains(ip)) {
                        return covered(d, ip, h.mx().host(), evidence);
                    }
                }
                if (route.mxHosts().stream().anyMatch(HostAddresses::hasTempFail)) {
                    return Finding.of("egress-coverage-tempfail", Severity.TEMPERROR, ipText,
                            "whether " + ipText + " is an MX host address of " + d + " is unknown: an MX host's address"
                                    + " lookup failed temporarily", evidence, Fix.advice("Run the audit again later."));
                }
            }
            case MailHosts.NullMx n -> evidence.add("MX " + d + " = 0 . (null MX)");
            case MailHosts.NoSuchDomain n -> evidence.add("MX " + d + " = NXDOMAIN");
            case MailHosts.NoMailHosts n -> evidence.add("MX " + d + " = NODATA, and no address records");
        }
        int preference = route.mxHosts().stream().mapToInt(h -> h.mx().preference()).max().orElse(0) + 10;
        List<String> records = new ArrayList<>();
        if (route.hosts() instanceof MailHosts.ImplicitMx) {
            records.add(ZoneLines.mx(d, 10, d)); // publishing any MX ends the implicit one: keep it explicitly
        }
        records.add(ZoneLines.mx(d, preference, name));
        records.add(ZoneLines.address(name, ip));
        return Finding.of("egress-not-mx-address", Severity.FAIL, ipText,
                "mail leaving through " + ipText + " fails receivers' reverse-MX check: " + ipText
                        + " is not an address of any MX host of " + d,
                evidence,
                new Fix("Give " + ipText + " a host name and list it as an MX host of " + d + " (a higher preference makes"
                        + " it a backup; it must then accept mail for " + d + "), and ask the owner of " + ipText
                        + " (your ISP) for the PTR below.",
                        records, List.of(ZoneLines.ptr(ip, name))));
    }

    private static Finding covered(String d, InetAddress ip, String host, List<String> evidence) {
        String ipText = DnsNames.text(ip);
        return Finding.pass("egress-mx-address", ipText, ipText + " is an address of " + d + "'s MX host " + host
                + ": receivers' reverse-MX check passes", evidence);
    }
}
