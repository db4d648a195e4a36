package org.mxguard.policy;

import org.mxguard.check.CheckResult;
import org.mxguard.check.Result;

/**
 * The SMTP reply for a refusing decision, with RFC 3463 / RFC 7372 / RFC 7505 enhanced codes.
 * A temporary DNS failure is always {@code 451 4.4.3}; a failure the admin chose to tempfail
 * keeps its subject and detail with a 4 in front, as Postfix does for unknown sender domains.
 */
final class Replies {
    private Replies() {
    }

    static Reply forDecision(Decision d) {
        CheckResult r = d.result();
        if (r.result() == Result.TEMPERROR) {
            return new Reply(451, "4.4.3", "Temporary DNS failure: " + r.reason() + "; try again later");
        }
        Reply permanent = permanent(r);
        if (d.action() == Action.TEMPFAIL) {
            return new Reply(450, "4" + permanent.enhanced().substring(1), permanent.text());
        }
        return permanent;
    }

    /**
     * The reply when a score reached a refusing threshold without help from temporary failures:
     * the reply of the check that added the most (its RFC 7372 / 7505 / 3463 code, for a
     * {@code fail}; {@code 5.7.1} for another result), with the score and the threshold, and a 4
     * in front for tempfail.
     */
    static Reply forScore(Decision heaviest, Action action, Score score, double threshold) {
        String because = " (score " + Score.number(score.total()) + ", " + action.text() + " at "
                + Score.number(threshold) + ")";
        Reply base;
        if (heaviest == null) {
            base = new Reply(550, "5.7.1", "Client host rejected");
        } else if (heaviest.result().result() == Result.FAIL) {
            base = permanent(heaviest.result());
        } else {
            CheckResult r = heaviest.result();
            base = new Reply(550, "5.7.1", "Client host rejected: " + r.reason() + " (" + r.name() + " "
                    + r.result().text() + ")");
        }
        if (action == Action.TEMPFAIL) {
            return new Reply(450, "4" + base.enhanced().substring(1), base.text() + because);
        }
        return new Reply(base.code(), base.enhanced(), base.text() + because);
    }

    /** The reply when a score refuses only with what temporary failures added: {@code 451 4.4.3}, as ever. */
    static Reply forTemporaryScore(Decision heaviestTemperror) {
        return heaviestTemperror == null
                ? new Reply(451, "4.4.3", "Temporary DNS failure; try again later")
                : forDecision(heaviestTemperror);
    }

    private static Reply permanent(CheckResult r) {
        String name = r.name();
        if (name.equals("iprev")) {
            return new Reply(550, "5.7.25", "Reverse DNS validation failed: " + r.reason());
        }
        if (name.equals("sender-domain")) {
            return r.problem().equals("null-mx")
                    ? new Reply(550, "5.7.27", "Sender address has null MX: " + r.reason())
                    : new Reply(550, "5.1.8", "Sender address rejected: " + r.reason());
        }
        if (name.equals("helo")) {
            return new Reply(550, "5.7.1", "Helo command rejected: " + r.reason());
        }
        return new Reply(550, "5.7.1", "Client host rejected: " + r.reason() + " (" + name + ")");
    }
}
