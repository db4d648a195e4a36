package org.mxguard.policy;

import java.util.Optional;
import org.slf4j.Logger;

/**
 * What every front end (gateway, milter, policy service) does with a verdict at the point where it
 * may refuse: the reply of a reject or tempfail, logged; in a dry run nothing, with what would have
 * been answered logged. A temporary DNS failure is a tempfail in the policy already, so no 5xx can
 * come from one.
 */
public final class Refusals {
    private Refusals() {
    }

    /**
     * @param client who is refused, for the log line
     * @param where  the stage (and recipient) the answer is given at, for the log line
     * @param log    the front end's logger
     */
    public static Optional<Reply> of(Verdict verdict, boolean dryRun, String client, String where, Logger log) {
        return of(verdict, dryRun, client, where, verdict.decisions(), log);
    }

    /**
     * The same, with the verdict's decisions as the log line shows them given: their text made once
     * for a verdict given many times (the policy service's verdict memory).
     *
     * @param decisions what the log line shows for {@code verdict.decisions()}: that list, or its
     *                  {@code toString()}
     */
    public static Optional<Reply> of(Verdict verdict, boolean dryRun, String client, String where, Object decisions,
            Logger log) {
        if (verdict.action() != Action.REJECT && verdict.action() != Action.TEMPFAIL) {
            return Optional.empty();
        }
        if (dryRun) {
            log.info("{}: dry run: would have answered {} at {}: {}", client, verdict.reply(), where, decisions);
            return Optional.empty();
        }
        log.info("{}: {} at {}: {}", client, verdict.reply(), where, decisions);
        return Optional.of(verdict.reply());
    }
}
