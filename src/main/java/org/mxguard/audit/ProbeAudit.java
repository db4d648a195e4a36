package org.mxguard.audit;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.mxguard.check.ReverseDns;
import org.mxguard.dns.DnsAnswer;
import org.mxguard.dns.DnsNames;
import org.mxguard.dns.HostAddresses;
import org.mxguard.dns.MailRoute;
import org.mxguard.smtp.SmtpProbe;

/**
 * What the MX addresses said when probed ({@code --probe}): each address's greeting, banner name
 * and STARTTLS, and the layouts only a probe can tell: nolisting and a trap MX.
 */
final class ProbeAudit {
    private ProbeAudit() {
    }

    /** One probed address: where it was probed and what came back. */
    record Probed(InetAddress ip, int port, String host, String ehloName, SmtpProbe.Result result) {
        String where() {
            return DnsNames.text(ip) + (port == 25 ? "" : " port " + port);
        }

        boolean accepts() {
            return result.accepts();
        }

        /** No SMTP session at all: nothing listens, no answer, or no complete greeting. */
        boolean noSession() {
            return result.outcome() != SmtpProbe.Outcome.GREETED;
        }

        List<String> evidence() {
            List<String> e = new ArrayList<>();
            e.add("probe " + DnsNames.text(ip) + ":" + port + " (MX host " + host + "): " + result.detail());
            result.greeting().ifPresent(lines -> lines.forEach(l -> e.add("< " + SmtpProbe.clean(l))));
            if (result.ehlo().isPresent() || result.ehloProblem().isPresent()) {
                e.add("> EHLO " + ehloName);
            }
            result.ehlo().ifPresent(lines -> lines.forEach(l -> e.add("< " + SmtpProbe.clean(l))));
            result.ehloProblem().ifPresent(p -> e.add(p));
            return e;
        }
    }

    /** How a whole MX host answered: at least one address accepts, all decline (4xx/5xx greeting), or no session. */
    private enum HostState { ACCEPTS, DECLINES, NO_SESSION }

    /**
     * @param probed  every probed MX address, in MX order
     * @param reverse the reverse DNS of each probed address, for the banner check
     */
    static List<Finding> findings(String d, MailRoute route, List<Probed> probed,
            Map<InetAddress, ReverseDns.Confirmation> reverse) {
        List<Finding> out = new ArrayList<>();
        if (probed.isEmpty()) {
            return out;
        }
        boolean anyAccepts = probed.stream().anyMatch(Probed::accepts);
        for (Probed p : probed) {
            out.addAll(address(p, anyAccepts, reverse.get(p.ip())));
        }
        if (!anyAccepts) {
            List<String> evidence = new ArrayList<>();
            probed.forEach(p -> evidence.addAll(p.evidence()));
            out.add(Finding.of("smtp-none-accepts", Severity.FAIL, d,
                    "no MX address of " + d + " accepted an SMTP session from here: mail to " + d
                            + " cannot be delivered, unless outbound port 25 is blocked where the audit runs (many ISPs block it)",
                    evidence,
                    Fix.advice("Check that the mail server runs and that port 25 is open to the Internet on every MX address;"
                            + " if your own network blocks port 25, run the audit from elsewhere.")));
        }
        out.addAll(layout(d, route, probed));
        return out;
    }

    private static List<Finding> address(Probed p, boolean anyAccepts, ReverseDns.Confirmation c) {
        String ipText = DnsNames.text(p.ip());
        String role = ipText + " (MX host " + p.host() + ")";
        // another address takes the mail: senders lose time, not mail; the domain-wide failure says the rest
        String consequence = anyAccepts ? "senders try the next address or MX host, after a delay"
                : "no other MX address accepts either";
        if (p.noSession()) {
            return List.of(Finding.of("smtp-unreachable", Severity.WARN, ipText,
                    role + " gives no SMTP session on port " + p.port() + " (" + p.result().detail() + "): " + consequence,
                    p.evidence(),
                    Fix.advice("If " + p.host() + " should take mail, start its SMTP server and open port " + p.port()
                            + " to the Internet; if it should not, remove it from the MX set (or see layout-nolisting"
                            + " / layout-trap-mx when one is reported).")));
        }
        if (!p.accepts()) {
            return List.of(Finding.of("smtp-greeting-refused", Severity.WARN, ipText,
                    role + " greets with " + p.result().greetingCode() + " instead of 220: it takes no mail; " + consequence,
                    p.evidence(),
                    Fix.advice("If " + p.host() + " should take mail, find out why it refuses (load, a block on the"
                            + " address the audit runs from, a deliberate trap MX).")));
        }
        List<Finding> out = new ArrayList<>();
        out.add(Finding.pass("smtp-accepts", ipText, role + " greets with 220 on port " + p.port(), p.evidence()));
        banner(p, role, c).ifPresent(out::add);
        out.add(startTls(p, role));
        return out;
    }

    /**
     * The greeting's first word is the server's name (RFC 5321 §4.3.1); receivers and people
     * reading logs expect it to be the address's PTR name. Nothing to compare without a PTR name:
     * the ptr-* finding of the address says so already.
     */
    private static Optional<Finding> banner(Probed p, String role, ReverseDns.Confirmation c) {
        if (c == null || !(c.ptr() instanceof DnsAnswer.Records<String> r) || r.records().isEmpty()) {
            return Optional.empty();
        }
        List<String> ptrNames = c.confirmedNames().isEmpty() ? c.ptr().values() : c.confirmedNames();
        String ipText = DnsNames.text(p.ip());
        String first = p.result().greeting().orElseThrow().getFirst();
        String text = first.length() > 4 ? first.substring(4).strip() : "";
        String name = text.isEmpty() ? "" : text.split("\\s+", 2)[0];
        String normalized = name.toLowerCase(Locale.ROOT).replaceAll("\\.$", "");
        List<String> evidence = new ArrayList<>(p.evidence());
        evidence.add(AnswerText.of(c.ptr()));
        if (ptrNames.contains(normalized)) {
            return Optional.of(Finding.pass("smtp-banner-matches-ptr", ipText,
                    role + " names itself " + name + " in its banner, its PTR name", evidence));
        }
        String want = ptrNames.getFirst();
        return Optional.of(Finding.of("smtp-banner-not-ptr", Severity.WARN, ipText,
                role + " names itself " + (name.isEmpty() ? "nothing" : SmtpProbe.clean(name)) + " in its banner, but its PTR name is "
                        + String.join(", ", ptrNames) + ": senders' logs and some spam filters compare the two",
                evidence,
                Fix.advice("Make the server greet with its PTR name (Postfix: myhostname = " + want
                        + ", smtpd_banner = $myhostname ESMTP).")));
    }

    private static Finding startTls(Probed p, String role) {
        String ipText = DnsNames.text(p.ip());
        Fix fix = Fix.advice("Offer STARTTLS with a certificate for " + p.host() + " (Postfix: smtpd_tls_security_level = may,"
                + " smtpd_tls_chain_files = key and certificate).");
        if (p.result().ehlo().isEmpty()) {
            return Finding.of("smtp-no-starttls", Severity.WARN, ipText,
                    role + " gave no EHLO reply (" + p.result().ehloProblem().orElse("none") + "), so whether it offers"
                            + " STARTTLS is unknown", p.evidence(), fix);
        }
        List<String> ehlo = p.result().ehlo().get();
        if (!ehlo.getFirst().startsWith("2")) {
            return Finding.of("smtp-no-starttls", Severity.WARN, ipText,
                    role + " refused EHLO " + p.ehloName() + " (" + SmtpProbe.clean(ehlo.getLast()) + "), so whether it"
                            + " offers STARTTLS is unknown", p.evidence(), fix);
        }
        boolean offered = ehlo.stream().skip(1).map(l -> l.length() > 4 ? l.substring(4).strip() : "")
                .anyMatch(k -> k.equalsIgnoreCase("STARTTLS") || k.toUpperCase(Locale.ROOT).startsWith("STARTTLS "));
        if (offered) {
            return Finding.pass("smtp-starttls", ipText, role + " offers STARTTLS", p.evidence());
        }
        return Finding.of("smtp-no-starttls", Severity.WARN, ipText,
                role + " does not offer STARTTLS: mail to it crosses the network in plaintext, and senders that require"
                        + " TLS (MTA-STS, DANE) cannot deliver", p.evidence(), fix);
    }

    /**
     * Nolisting (the most preferred host has nothing listening, the next accepts) and a trap MX (the
     * least preferred host refuses while a more preferred one accepts). A host listed twice counts
     * at its lowest preference, as in the MX-set audit; hosts without a probed address are left out.
     */
    private static List<Finding> layout(String d, MailRoute route, List<Probed> probed) {
        Map<String, List<Probed>> byHost = new LinkedHashMap<>();
        probed.forEach(p -> byHost.computeIfAbsent(p.host(), h -> new ArrayList<>()).add(p));
        Set<String> seen = new LinkedHashSet<>();
        List<HostAddresses> distinct = route.mxHosts().stream()
                .filter(h -> byHost.containsKey(h.mx().host()) && seen.add(h.mx().host())).toList();
        List<MailRoute.PreferenceGroup> groups = new MailRoute(route.hosts(), distinct).groups();
        List<Finding> out = new ArrayList<>();
        if (groups.size() < 2) {
            return out;
        }
        MailRoute.PreferenceGroup lowest = groups.getFirst();
        MailRoute.PreferenceGroup highest = groups.getLast();
        boolean acceptsAboveLowest = groups.subList(1, groups.size()).stream().anyMatch(g -> any(g, byHost, HostState.ACCEPTS));
        if (all(lowest, byHost, HostState.NO_SESSION) && acceptsAboveLowest) {
            out.add(Finding.of("layout-nolisting", Severity.WARN, d,
                    "nolisting: " + names(lowest) + " (preference " + lowest.preference() + ") takes no connections while a"
                            + " less preferred MX host accepts. Spam software that tries only the first MX gives up; RFC 5321"
                            + " §5.1 senders must try the next MX and do. The costs: where the first host's connections time out"
                            + " rather than being refused, every first delivery waits for that timeout, and some senders"
                            + " never try the next MX and queue or bounce; spam software has long learnt to try it too. If"
                            + " " + names(lowest) + " should be up, it is down",
                    evidence(groups, byHost),
                    Fix.advice("If the nolisting is deliberate, it works as intended; most spam it stopped is now stopped by"
                            + " other checks, so consider removing the dead MX record. If it is not, start the SMTP server on "
                            + names(lowest) + " and open port " + probed.getFirst().port() + ".")));
        }
        boolean acceptsBelowHighest = groups.subList(0, groups.size() - 1).stream()
                .anyMatch(g -> any(g, byHost, HostState.ACCEPTS));
        if (!any(highest, byHost, HostState.ACCEPTS) && acceptsBelowHighest) {
            // a trap that answers 5xx bounces the legitimate mail that reaches it when the others are unreachable
            boolean permanent = highest.hosts().stream().flatMap(h -> byHost.get(h.mx().host()).stream())
                    .anyMatch(p -> p.result().greetingCode() / 100 == 5);
            String summary = "trap MX: " + names(highest) + " (preference " + highest.preference() + ", the least preferred) "
                            + (permanent ? "refuses with 5xx" : "takes no mail") + " while a more preferred MX host accepts."
                            + " Spam software that aims at the least preferred MX, hoping for a weaker backup, gets nothing;"
                            + " legitimate senders reach it only when every other host fails them"
                            + (permanent ? ", and then its 5xx bounces their mail" : ", and then queue and retry")
                            + ". If " + names(highest) + " is meant as a real backup, it is down";
            out.add(permanent
                    ? Finding.of("layout-trap-mx-bounces", Severity.WARN, d, summary, evidence(groups, byHost),
                            Fix.advice("Let the trap refuse connections or greet with 421 rather than 5xx, so that a sender"
                                    + " that reaches it during an outage retries instead of bouncing."))
                    : Finding.pass("layout-trap-mx", d, summary + " (if it is a backup, start it)", evidence(groups, byHost)));
        }
        return out;
    }

    private static HostState state(List<Probed> addresses) {
        if (addresses.stream().anyMatch(Probed::accepts)) {
            return HostState.ACCEPTS;
        }
        return addresses.stream().allMatch(Probed::noSession) ? HostState.NO_SESSION : HostState.DECLINES;
    }

    private static boolean any(MailRoute.PreferenceGroup g, Map<String, List<Probed>> byHost, HostState s) {
        return g.hosts().stream().anyMatch(h -> state(byHost.get(h.mx().host())) == s);
    }

    private static boolean all(MailRoute.PreferenceGroup g, Map<String, List<Probed>> byHost, HostState s) {
        return g.hosts().stream().allMatch(h -> state(byHost.get(h.mx().host())) == s);
    }

    private static String names(MailRoute.PreferenceGroup g) {
        return String.join(", ", g.hosts().stream().map(h -> h.mx().host()).toList());
    }

    private static List<String> evidence(List<MailRoute.PreferenceGroup> groups, Map<String, List<Probed>> byHost) {
        List<String> e = new ArrayList<>();
        for (MailRoute.PreferenceGroup g : groups) {
            for (HostAddresses h : g.hosts()) {
                for (Probed p : byHost.get(h.mx().host())) {
                    e.add("MX " + g.preference() + " " + h.mx().host() + " " + p.where() + ": " + p.result().detail());
                }
            }
        }
        return e;
    }
}
