package org.mxguard.policy;

import java.util.List;

/**
 * The outcome for one client: the most severe action among the decisions and the SMTP reply
 * that goes with it.
 */
public record Verdict(Action action, Reply reply, List<Decision> decisions) {
    public Verdict {
        decisions = List.copyOf(decisions);
    }

    /** The decisions that asked for a header tag. */
    public List<Decision> tags() {
        return decisions.stream().filter(d -> d.action() == Action.TAG).toList();
    }
}
