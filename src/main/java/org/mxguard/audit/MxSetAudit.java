package org.mxguard.audit;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.mxguard.dns.DnsAnswer;
import org.mxguard.dns.DnsNames;
import org.mxguard.dns.HostAddresses;
import org.mxguard.dns.InetAddresses;
import org.mxguard.dns.MailHosts;
import org.mxguard.dns.MailRoute;
import org.mxguard.dns.MxRecord;

/** The MX set of a domain: present (or implicit, or null), well-formed targets, redundancy. */
final class MxSetAudit {
    private MxSetAudit() {
    }

    /** @param newMxHosts the host names the egress fixes add as MX hosts */
    static List<Finding> findings(MailRoute route, HostNamer namer, List<String> newMxHosts) {
        MailHosts hosts = route.hosts();
        String d = hosts.domain();
        return switch (hosts) {
            case MailHosts.Mx mx -> mxSet(d, mx, route, namer, newMxHosts);
            case MailHosts.ImplicitMx i -> List.of(Finding.of("mx-implicit", Severity.WARN, d,
                    d + " has no MX records: senders fall back to the domain's own address (implicit MX, RFC 5321 §5.1)",
                    List.of("MX " + d + " = NODATA", AnswerText.of(i.a()), AnswerText.of(i.aaaa())),
                    new Fix("Publish an explicit MX record, so the mail host is a decision and not a fallback.",
                            List.of(ZoneLines.mx(d, 10, d)), List.of())));
            case MailHosts.NullMx n -> List.of(Finding.of("mx-null", Severity.WARN, d,
                    d + " publishes a null MX (RFC 7505): it accepts no mail, and receivers that check sender"
                            + " domains refuse mail from it",
                    List.of("MX " + d + " = 0 ."),
                    Fix.advice("Right for a domain that neither sends nor receives mail. If " + d
                            + " sends mail, replace '" + d + ". IN MX 0 .' with real MX hosts.")));
            case MailHosts.NoSuchDomain n -> List.of(Finding.of("mx-domain-nxdomain", Severity.FAIL, d,
                    d + " does not exist (NXDOMAIN): mail to it bounces and receivers refuse mail from it",
                    List.of("MX " + d + " = NXDOMAIN"),
                    Fix.advice("Check the spelling, the registration and the delegation of " + d + ".")));
            case MailHosts.NoMailHosts n -> List.of(Finding.of("mx-missing", Severity.FAIL, d,
                    d + " has no MX and no address record: mail to it bounces, and receivers that check sender"
                            + " domains refuse mail from it",
                    List.of("MX " + d + " = NODATA", "A " + d + " = NODATA", "AAAA " + d + " = NODATA"),
                    new Fix("Publish an MX host with an address.",
                            List.of(ZoneLines.mx(d, 10, namer.fresh()), namer.last() + ". IN A " + Fix.SOME_ADDRESS),
                            List.of())));
            case MailHosts.Unknown u -> List.of(Finding.of("mx-tempfail", Severity.TEMPERROR, d,
                    "the MX lookup of " + d + " failed temporarily: nothing about its mail hosts could be checked",
                    List.of(u.reason()),
                    Fix.advice("Run the audit again later; if it persists, check that " + d + "'s name servers answer.")));
        };
    }

    private static List<Finding> mxSet(String d, MailHosts.Mx mx, MailRoute route, HostNamer namer, List<String> newMxHosts) {
        List<Finding> out = new ArrayList<>();
        out.add(Finding.pass("mx-present", d, d + " has " + mx.records().size() + " MX record(s)",
                List.of("MX " + d + " = " + mx.records())));
        int usable = 0;
        Set<String> seen = new LinkedHashSet<>();
        for (HostAddresses h : route.mxHosts()) {
            MxRecord r = h.mx();
            if (!seen.add(r.host())) {
                out.add(Finding.of("mx-duplicate-host", Severity.WARN, r.host(),
                        r.host() + " is listed more than once in " + d + "'s MX set; senders use only its lowest preference",
                        List.of("MX " + d + " = " + mx.records()),
                        Fix.advice("Remove the extra '" + ZoneLines.mx(d, r.preference(), r.host()) + "' record.")));
                continue;
            }
            Finding f = target(d, h, namer);
            if (f.severity() == Severity.PASS) {
                usable++;
            }
            out.add(f);
        }
        if (usable == 0 && !route.mxHosts().stream().allMatch(HostAddresses::hasTempFail)) {
            out.add(Finding.of("mx-none-reachable", Severity.FAIL, d,
                    "no MX host of " + d + " has a usable address: mail to it cannot be delivered",
                    List.of("MX " + d + " = " + mx.records()),
                    Fix.advice("Fix the MX targets named in the findings above.")));
        }
        out.addAll(layout(d, route, namer, newMxHosts));
        return out;
    }

    /** One MX target: an IP literal, a CNAME, without an address, or fine. */
    private static Finding target(String d, HostAddresses h, HostNamer namer) {
        MxRecord r = h.mx();
        String rr = "MX " + d + " = " + r;
        if (h.isIpLiteral()) {
            InetAddress ip = InetAddresses.require(r.host());
            String name = namer.fresh();
            return Finding.of("mx-target-ip-literal", Severity.FAIL, r.host(),
                    "MX target " + r.host() + " is an IP address, not a host name (RFC 5321 §5.1): senders look it up"
                            + " as a name and find nothing",
                    List.of(rr),
                    new Fix("Name the host and point the MX at the name (and remove '" + ZoneLines.mx(d, r.preference(), r.host()) + "').",
                            List.of(ZoneLines.mx(d, r.preference(), name), ZoneLines.address(name, ip)), List.of()));
        }
        if (h.hasTempFail()) {
            return Finding.of("mx-target-tempfail", Severity.TEMPERROR, r.host(),
                    "the address lookup of MX host " + r.host() + " failed temporarily",
                    List.of(rr, AnswerText.of(h.a()), AnswerText.of(h.aaaa())),
                    Fix.advice("Run the audit again later; if it persists, check the name servers of " + r.host() + "."));
        }
        if (h.addresses().isEmpty()) {
            boolean nx = h.a() instanceof DnsAnswer.NxDomain<InetAddress>;
            return Finding.of("mx-target-no-address", Severity.FAIL, r.host(),
                    "MX host " + r.host() + (nx ? " does not exist" : " has no A or AAAA record")
                            + ": senders cannot reach it and try the next host, or give up",
                    List.of(rr, AnswerText.of(h.a()), AnswerText.of(h.aaaa())),
                    new Fix("Give " + r.host() + " the address of your mail server, or remove '"
                            + ZoneLines.mx(d, r.preference(), r.host()) + "'.",
                            List.of(r.host() + ". IN A " + Fix.SOME_ADDRESS), List.of()));
        }
        if (h.isCname()) {
            String canonical = h.aliasChain().get(h.aliasChain().size() - 1);
            return Finding.of("mx-target-cname", Severity.WARN, r.host(),
                    "MX target " + r.host() + " is an alias (CNAME to " + String.join(" -> ", h.aliasChain())
                            + "); RFC 2181 §10.3 forbids aliases as MX targets and some senders refuse them",
                    List.of(rr, AnswerText.of(h.a()), AnswerText.of(h.aaaa())),
                    new Fix("Point the MX at the canonical name (and remove '" + ZoneLines.mx(d, r.preference(), r.host()) + "').",
                            List.of(ZoneLines.mx(d, r.preference(), canonical)), List.of()));
        }
        return Finding.pass("mx-target-ok", r.host(), "MX host " + r.host() + " (preference " + r.preference()
                + ") has address(es) " + text(h.addresses()), List.of(rr, AnswerText.of(h.a()), AnswerText.of(h.aaaa())));
    }

    /** Equal preferences, backups, a single host: explained, the last one a warning. */
    private static List<Finding> layout(String d, MailRoute route, HostNamer namer, List<String> newMxHosts) {
        List<Finding> out = new ArrayList<>();
        // a host listed twice counts at its lowest preference only: that is where senders use it
        Set<String> seen = new LinkedHashSet<>();
        List<HostAddresses> distinct = route.mxHosts().stream().filter(h -> seen.add(h.mx().host())).toList();
        List<MailRoute.PreferenceGroup> groups = new MailRoute(route.hosts(), distinct).groups();
        for (int i = 0; i < groups.size(); i++) {
            MailRoute.PreferenceGroup g = groups.get(i);
            List<String> names = g.hosts().stream().map(h -> h.mx().host()).toList();
            if (names.size() > 1) {
                out.add(Finding.pass("mx-equal-preference", d, "preference " + g.preference() + ": " + String.join(", ", names)
                        + " share one preference; senders pick among them at random, so each must accept mail for " + d,
                        List.of("MX " + d + " = " + records(g))));
            }
            if (i > 0) {
                out.add(Finding.pass("mx-backup", d, "preference " + g.preference() + ": " + String.join(", ", names)
                        + " is a backup; senders use it only when no host of a lower preference answers, so it must"
                        + " know " + d + "'s recipients and filter as well as the primary, or spammers aim at it",
                        List.of("MX " + d + " = " + records(g))));
            }
        }
        if (distinct.size() == 1) {
            MxRecord only = distinct.get(0).mx();
            // an egress fix already adds an MX host: a second, different proposal would only confuse
            Fix fix;
            if (newMxHosts.isEmpty()) {
                String second = namer.fresh();
                fix = new Fix("Add a second MX host on another machine and network.",
                        List.of(ZoneLines.mx(d, only.preference() + 10, second), second + ". IN A " + Fix.SOME_ADDRESS), List.of());
            } else {
                fix = Fix.advice("The egress-not-mx-address fix adds " + String.join(", ", newMxHosts)
                        + " as MX host(s); on another machine, that ends the single point of failure too.");
            }
            out.add(Finding.of("mx-single-host", Severity.WARN, d,
                    only.host() + " is " + d + "'s only MX host: a single point of failure (senders queue and retry"
                            + " while it is down, for days at most)",
                    List.of("MX " + d + " = " + route.mxHosts().stream().map(HostAddresses::mx).toList()), fix));
        }
        return out;
    }

    private static List<MxRecord> records(MailRoute.PreferenceGroup g) {
        return g.hosts().stream().map(HostAddresses::mx).toList();
    }

    static String text(List<InetAddress> addresses) {
        return String.join(", ", addresses.stream().map(DnsNames::text).toList());
    }
}
