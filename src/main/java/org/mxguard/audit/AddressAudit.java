package org.mxguard.audit;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import org.mxguard.check.Classification;
import org.mxguard.check.GenericNameClassifier;
import org.mxguard.check.ReverseDns;
import org.mxguard.dns.DnsAnswer;
import org.mxguard.dns.DnsNames;

/**
 * One address a receiver may see mail come from (an MX host's or an egress address): its PTR
 * exists, is forward-confirmed (iprev), is not a generic ISP name (generic-ptr), and matches the
 * HELO name.
 *
 * @param ip the address
 * @param role what the address is, for people ("egress address", "address of MX host mx1.example.net")
 * @param name the host name its PTR should have: its MX host's, or the one proposed for it
 * @param helo the HELO name a receiver sees from it, or null when unknown
 * @param heloAssumed true when {@code helo} is not given but assumed (an MX host's own name)
 */
record AddressAudit(InetAddress ip, String role, String domain, String name, String helo, boolean heloAssumed) {

    List<Finding> findings(ReverseDns.Confirmation c, GenericNameClassifier classifier) {
        List<Finding> out = new ArrayList<>();
        String ipText = DnsNames.text(ip);
        List<String> evidence = evidence(c);
        String ptrRequest = ZoneLines.ptr(ip, name);
        String owner = "Ask the owner of " + ipText + " (your ISP or hosting provider) for the PTR record below";
        switch (c.ptr()) {
            case DnsAnswer.TempFail<String> t -> {
                out.add(Finding.of("ptr-tempfail", Severity.TEMPERROR, ipText,
                        "the PTR lookup of " + ipText + " (" + role + ") failed temporarily", evidence,
                        Fix.advice("Run the audit again later; if it persists, check the reverse zone's name servers.")));
                return out;
            }
            case DnsAnswer.NxDomain<String> n -> {
                out.add(missing(ipText, evidence, owner, ptrRequest));
                return out;
            }
            case DnsAnswer.Records<String> r when r.records().isEmpty() -> {
                out.add(missing(ipText, evidence, owner, ptrRequest));
                return out;
            }
            case DnsAnswer.NoData<String> n -> {
                out.add(missing(ipText, evidence, owner, ptrRequest));
                return out;
            }
            case DnsAnswer.Records<String> r -> {
            }
        }
        List<String> confirmed = c.confirmedNames();
        if (confirmed.isEmpty()) {
            out.add(unconfirmed(c, ipText, evidence, owner, ptrRequest));
            return out;
        }
        String best = confirmed.get(0);
        Classification k = classifier.classify(best, ip);
        if (k.generic()) {
            out.add(Finding.of("ptr-generic", Severity.FAIL, ipText,
                    ipText + " (" + role + ") has the generic name " + best + ": receivers that check for dynamic or"
                            + " ISP-default names (generic-ptr) refuse or penalise its mail",
                    plus(evidence, "classifier: " + k.reason()),
                    new Fix(owner + "; " + name + " must resolve to " + ipText + ".", List.of(), List.of(ptrRequest))));
        } else {
            out.add(Finding.pass("ptr-confirmed", ipText, ipText + " (" + role + ") has the forward-confirmed PTR "
                    + String.join(", ", confirmed), evidence));
        }
        if (helo != null) {
            out.add(heloFinding(ipText, confirmed, k.generic() ? null : best, evidence));
        }
        return out;
    }

    private Finding missing(String ipText, List<String> evidence, String owner, String ptrRequest) {
        return Finding.of("ptr-missing", Severity.FAIL, ipText,
                ipText + " (" + role + ") has no PTR record: receivers that check reverse DNS (iprev) refuse or"
                        + " penalise its mail",
                evidence, new Fix(owner + "; " + name + " must resolve to " + ipText + ".", List.of(), List.of(ptrRequest)));
    }

    private Finding unconfirmed(ReverseDns.Confirmation c, String ipText, List<String> evidence, String owner, String ptrRequest) {
        String names = String.join(", ", c.ptr().values());
        if (c.anyTempFailed()) {
            return Finding.of("ptr-tempfail", Severity.TEMPERROR, ipText,
                    "no PTR name of " + ipText + " is confirmed yet and a forward lookup failed temporarily (" + names + ")",
                    evidence, Fix.advice("Run the audit again later; if it persists, check the name servers of " + names + "."));
        }
        String summary = ipText + " (" + role + ") has PTR " + names + ", which does not resolve back to it:"
                + " receivers that check forward-confirmed reverse DNS (iprev) refuse or penalise its mail";
        String first = c.ptr().values().get(0);
        if (inDomain(first)) {
            // the PTR name is in the audited domain: the owner of the domain can fix the forward side alone
            return Finding.of("ptr-not-confirmed", Severity.FAIL, ipText, summary, evidence,
                    new Fix("Make " + first + " resolve to " + ipText + ".", List.of(ZoneLines.address(first, ip)), List.of()));
        }
        return Finding.of("ptr-not-confirmed", Severity.FAIL, ipText, summary, evidence,
                new Fix(owner + "; " + name + " must resolve to " + ipText + ".", List.of(), List.of(ptrRequest)));
    }

    private Finding heloFinding(String ipText, List<String> confirmed, String goodName, List<String> evidence) {
        String said = "HELO " + helo + (heloAssumed ? " (assumed: the MX host's own name; give --helo to say otherwise)" : "");
        if (confirmed.contains(helo)) {
            return Finding.pass("helo-matches-ptr", ipText, "the HELO name " + helo + " is the forward-confirmed PTR of " + ipText,
                    plus(evidence, said));
        }
        Fix fix = goodName != null
                ? Fix.advice("Make the MTA sending from " + ipText + " say HELO " + goodName + " (Postfix: smtp_helo_name = "
                        + goodName + "), or give " + ipText + " the PTR " + helo + ".")
                : new Fix("Once " + ipText + " has the PTR " + helo + " (and " + helo + " resolves to " + ipText
                        + "), the HELO name matches.", List.of(), List.of(ZoneLines.ptr(ip, helo)));
        return Finding.of("helo-not-ptr", Severity.WARN, ipText,
                "a receiver sees HELO " + helo + " from " + ipText + ", which is not its forward-confirmed PTR ("
                        + String.join(", ", confirmed) + "); the helo check and spam filters score the mismatch",
                plus(evidence, said), fix);
    }

    private boolean inDomain(String host) {
        return host.equals(domain) || host.endsWith("." + domain);
    }

    private List<String> evidence(ReverseDns.Confirmation c) {
        List<String> e = new ArrayList<>();
        e.add(DnsNames.text(ip) + ": " + role);
        e.add(AnswerText.of(c.ptr()));
        for (ReverseDns.NameCheck n : c.names()) {
            e.add(AnswerText.of(n.a()));
            e.add(AnswerText.of(n.aaaa()));
        }
        return e;
    }

    private static List<String> plus(List<String> evidence, String line) {
        List<String> e = new ArrayList<>(evidence);
        e.add(line);
        return e;
    }
}
