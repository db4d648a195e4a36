package org.mxguard.policy;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.mxguard.check.CheckResult;
import org.mxguard.check.IprevCheck;
import org.mxguard.check.Result;

/**
 * Turns check results into a verdict: an action per result from the {@link ActionTable},
 * PTR-suffix allowlisting, and the most severe action with its reply. Does no DNS.
 */
public final class Policy {
    private final ActionTable actions;
    private final Allowlist allowlist;

    public Policy(ActionTable actions, Allowlist allowlist) {
        this.actions = actions;
        this.allowlist = allowlist;
    }

    public static Policy defaults() {
        return new Policy(ActionTable.defaults(), Allowlist.empty());
    }

    public Allowlist allowlist() {
        return allowlist;
    }

    public Verdict decide(List<CheckResult> results) {
        List<String> confirmed = allowlist.hasPtrSuffixes() ? confirmedPtrNames(results) : List.of();
        List<Decision> decisions = new ArrayList<>(results.size());
        Decision worst = null;
        for (CheckResult r : results) {
            Decision d = decide(r, confirmed);
            decisions.add(d);
            if (worst == null || d.action().compareTo(worst.action()) > 0) {
                worst = d;
            }
        }
        if (worst == null || !worst.action().isAtLeast(Action.TEMPFAIL)) {
            return new Verdict(worst == null ? Action.ACCEPT : worst.action(), Reply.OK, decisions);
        }
        return new Verdict(worst.action(), Replies.forDecision(worst), decisions);
    }

    private static List<String> confirmedPtrNames(List<CheckResult> results) {
        for (CheckResult r : results) {
            if (r.name().equals(IprevCheck.NAME)) {
                return IprevCheck.confirmedNames(r);
            }
        }
        return List.of();
    }

    private Decision decide(CheckResult r, List<String> confirmedPtrNames) {
        if (!confirmedPtrNames.isEmpty() && r.result() != Result.PASS) {
            Optional<AllowlistEntry> allowed = allowlist.afterIprev(r.name(), confirmedPtrNames);
            if (allowed.isPresent()) {
                return new Decision(r, Action.ACCEPT, allowed.get().describe());
            }
        }
        Action action = actions.actionFor(r.name(), r.result());
        if (r.result() == Result.TEMPERROR && action == Action.REJECT) {
            action = Action.TEMPFAIL; // a temporary failure is never a permanent refusal
        }
        return new Decision(r, action, "");
    }
}
