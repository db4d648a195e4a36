package org.mxguard.audit;

import java.util.Locale;

/**
 * How a finding weighs, most severe first (the order of the text report). A DNS temporary failure
 * is its own severity, never a {@link #FAIL}: nothing is known to be wrong, the audit could not tell.
 */
public enum Severity {
    /** A receiver that makes this check refuses or penalises the mail; the fix is needed. */
    FAIL,
    /** A lookup failed temporarily (SERVFAIL, timeout): run the audit again later. */
    TEMPERROR,
    /** Works, but is fragile or breaks a rule some receivers enforce. */
    WARN,
    /** Checked and fine; some pass findings only explain the layout (backup MX, equal preferences). */
    PASS;

    /** The lower-case name used in JSON and text ({@code fail}, {@code temperror}, ...). */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
