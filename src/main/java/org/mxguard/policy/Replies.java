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
