package org.mxguard.policy;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The outcome for one client: the action, the SMTP reply that goes with it, a decision per
 * check, and in scoring mode the {@link Score}. With per-check actions the action is the most
 * severe decision's; in scoring mode it comes from the score (see {@link Policy}).
 */
public record Verdict(Action action, Reply reply, List<Decision> decisions, Optional<Score> score) {
    public Verdict {
        Objects.requireNonNull(action, "action");
        Objects.requireNonNull(reply, "reply");
        decisions = List.copyOf(decisions);
        Objects.requireNonNull(score, "score");
    }

    /** A verdict of per-check actions, without a score. */
    public Verdict(Action action, Reply reply, List<Decision> decisions) {
        this(action, reply, decisions, Optional.empty());
    }

    /**
     * The decisions behind a header tag: with per-check actions those that asked for one; in
     * scoring mode, when the score reached tag or beyond, those that added to it.
     */
    public List<Decision> tags() {
        if (score.isEmpty()) {
            return decisions.stream().filter(d -> d.action() == Action.TAG).toList();
        }
        if (!action.isAtLeast(Action.TAG)) {
            return List.of();
        }
        Score s = score.get();
        return decisions.stream()
                .filter(d -> s.of(d.result().name()).map(c -> c.points() > 0).orElse(false)).toList();
    }
}
