package org.mxguard.policy;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.mxguard.check.CheckResult;
import org.mxguard.check.IprevCheck;
import org.mxguard.check.Result;

/**
 * Turns check results into a verdict. Does no DNS.
 *
 * <p>With per-check actions (the default): an action per result from the {@link ActionTable},
 * PTR-suffix allowlisting, and the most severe action with its reply.
 *
 * <p>In scoring mode ({@link Scoring#enabled()}): each check adds its weight to a {@link Score}
 * (an allowlisted one adds 0), and the total against the thresholds gives the action: reject at
 * or above {@code reject}, else tempfail at or above {@code tempfail} (when set), else tag at or
 * above {@code tag}, else log when some check added to it, else accept. A temporary DNS failure
 * never leads to a 5xx: a total that reaches reject rejects only when the score's
 * {@linkplain Score#floor() floor} (every {@code temperror} check at its most favourable weight,
 * at most 0; while iprev is temperror, every check a PTR-suffix rule covers at most 0) reaches
 * reject too; otherwise the verdict is tempfail, {@code 451 4.4.3}, and the
 * client's retry decides. Likewise a tempfail the floor does not reach is a {@code 451 4.4.3}.
 */
public final class Policy {
    /** The problem token of a check that an IP or sender-domain allowlist rule skipped (its result is none). */
    static final String ALLOWLISTED = "allowlisted";

    private final ActionTable actions;
    private final Allowlist allowlist;
    private final Scoring scoring;

    public Policy(ActionTable actions, Allowlist allowlist) {
        this(actions, allowlist, Scoring.defaults());
    }

    /** A policy that scores when {@code scoring} is enabled, and uses {@code actions} otherwise. */
    public Policy(ActionTable actions, Allowlist allowlist, Scoring scoring) {
        this.actions = Objects.requireNonNull(actions, "actions");
        this.allowlist = Objects.requireNonNull(allowlist, "allowlist");
        this.scoring = Objects.requireNonNull(scoring, "scoring");
    }

    public static Policy defaults() {
        return new Policy(ActionTable.defaults(), Allowlist.empty());
    }

    public Allowlist allowlist() {
        return allowlist;
    }

    public Scoring scoring() {
        return scoring;
    }

    public Verdict decide(List<CheckResult> results) {
        List<String> confirmed = allowlist.hasPtrSuffixes() ? confirmedPtrNames(results) : List.of();
        return scoring.enabled() ? byScore(results, confirmed) : byAction(results, confirmed);
    }

    private Verdict byAction(List<CheckResult> results, List<String> confirmed) {
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

    private Optional<AllowlistEntry> ptrSuffix(CheckResult r, List<String> confirmedPtrNames) {
        if (!confirmedPtrNames.isEmpty() && r.result() != Result.PASS) {
            return allowlist.afterIprev(r.name(), confirmedPtrNames);
        }
        return Optional.empty();
    }

    private Decision decide(CheckResult r, List<String> confirmedPtrNames) {
        Optional<AllowlistEntry> allowed = ptrSuffix(r, confirmedPtrNames);
        if (allowed.isPresent()) {
            return new Decision(r, Action.ACCEPT, allowed.get().describe());
        }
        Action action = actions.actionFor(r.name(), r.result());
        if (r.result() == Result.TEMPERROR && action == Action.REJECT) {
            action = Action.TEMPFAIL; // a temporary failure is never a permanent refusal
        }
        return new Decision(r, action, "");
    }

    // ---------------------------------------------------------------- scoring mode

    /**
     * Each decision's action says only whether the check counted: {@code log} when it added to
     * the score, {@code accept} when it added nothing or counted in the sender's favour.
     */
    private Verdict byScore(List<CheckResult> results, List<String> confirmed) {
        // while iprev is temperror, a PTR-suffix rule might yet clear the checks it covers
        boolean ptrOpen = allowlist.hasPtrSuffixes() && results.stream()
                .anyMatch(r -> r.name().equals(IprevCheck.NAME) && r.result() == Result.TEMPERROR);
        List<Decision> decisions = new ArrayList<>(results.size());
        List<Score.Contribution> contributions = new ArrayList<>(results.size());
        double total = 0;
        double floor = 0;
        boolean counted = false;
        for (CheckResult r : results) {
            Optional<AllowlistEntry> cleared = ptrSuffix(r, confirmed);
            boolean allowlisted = cleared.isPresent()
                    || (r.result() == Result.NONE && ALLOWLISTED.equals(r.problem()));
            double points = allowlisted ? 0 : scoring.weightFor(r.name(), r.result());
            double least = points;
            if (!allowlisted && r.result() == Result.TEMPERROR) {
                least = scoring.mostFavourable(r.name());
            }
            if (ptrOpen && allowlist.ptrSuffixMayCover(r.name())) {
                least = Math.min(least, 0);
            }
            total += points;
            floor += least;
            counted |= points > 0;
            decisions.add(new Decision(r, points > 0 ? Action.LOG : Action.ACCEPT,
                    cleared.map(AllowlistEntry::describe).orElse("")));
            contributions.add(new Score.Contribution(r.name(), r.result(), points, allowlisted));
        }
        Scoring.Thresholds t = scoring.thresholds();
        Score score = new Score(Score.round(total), Score.round(floor), t, contributions);
        double reached;
        Action action;
        if (score.total() >= t.reject()) {
            action = Action.REJECT;
            reached = t.reject();
        } else if (t.tempfail().isPresent() && score.total() >= t.tempfail().getAsDouble()) {
            action = Action.TEMPFAIL;
            reached = t.tempfail().getAsDouble();
        } else {
            Action quiet = score.total() >= t.tag() ? Action.TAG : counted ? Action.LOG : Action.ACCEPT;
            return new Verdict(quiet, Reply.OK, decisions, Optional.of(score));
        }
        if (score.floor() < reached) {
            // reached only with what the temporary failures added: never a 5xx, and not our policy's 450 either
            return new Verdict(Action.TEMPFAIL, Replies.forTemporaryScore(heaviest(decisions, contributions, true)),
                    decisions, Optional.of(score));
        }
        Decision heaviest = heaviest(decisions, contributions, false);
        return new Verdict(action, Replies.forScore(heaviest, action, score, reached), decisions, Optional.of(score));
    }

    /**
     * The decision that added the most (the first of equals), among the temperror ones or among
     * the others; null when there is none (a refusal always has one, since the floor or the
     * total is above 0).
     */
    private static Decision heaviest(List<Decision> decisions, List<Score.Contribution> contributions, boolean temperror) {
        Decision best = null;
        double most = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < decisions.size(); i++) {
            Decision d = decisions.get(i);
            double points = contributions.get(i).points();
            if ((d.result().result() == Result.TEMPERROR) == temperror && points > most) {
                best = d;
                most = points;
            }
        }
        return best;
    }
}
