package org.mxguard.policy;

import java.util.Locale;

/** What to do about a check result, least severe first: the verdict takes the most severe. */
public enum Action {
    ACCEPT, LOG, TAG, TEMPFAIL, REJECT;

    private final String text = name().toLowerCase(Locale.ROOT);

    /** The lower-case name (computed once: it is in every log line and metric). */
    public String text() {
        return text;
    }

    public boolean isAtLeast(Action other) {
        return compareTo(other) >= 0;
    }

    /** Parses {@code reject}, {@code tempfail}, … (any case); throws IllegalArgumentException listing the choices. */
    public static Action parse(String text) {
        for (Action a : values()) {
            if (a.text().equalsIgnoreCase(text.trim())) {
                return a;
            }
        }
        throw new IllegalArgumentException("unknown action '" + text + "' (use reject, tempfail, tag, log or accept)");
    }
}
