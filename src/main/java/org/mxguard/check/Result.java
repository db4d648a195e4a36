package org.mxguard.check;

import java.util.Locale;

/** RFC 8601 result vocabulary shared by every check. */
public enum Result {
    PASS, FAIL, NONE, TEMPERROR, PERMERROR;

    private final String text = name().toLowerCase(Locale.ROOT);

    /** The lower-case name used in output, logs and headers (computed once: it is in every log line). */
    public String text() {
        return text;
    }

    public static Result parse(String text) {
        return valueOf(text.trim().toUpperCase(Locale.ROOT));
    }
}
