package org.mxguard.dns;

/** A verdict asked more distinct DNS questions than its budget allows; the check that hit it is a permerror. */
public final class QueryBudgetExceededException extends RuntimeException {
    private final int budget;

    public QueryBudgetExceededException(int budget, DnsQuestion question) {
        super("DNS query budget of " + budget + " lookups exceeded at " + question, null, false, false);
        this.budget = budget;
    }

    public int budget() {
        return budget;
    }

    /** True when the throwable is, or wraps, a budget overrun. */
    public static boolean isCause(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof QueryBudgetExceededException) {
                return true;
            }
        }
        return false;
    }
}
