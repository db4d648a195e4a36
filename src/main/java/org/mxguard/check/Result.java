package org.mxguard.check;

import java.util.Locale;

/** RFC 8601 result vocabulary shared by every check. */
public enum Result {
    PASS, FAIL, NONE, TEMPERROR, PERMERROR;

    /** The lower-case name used in output, logs and headers. */
    public String text() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Result parse(String text) {
        return valueOf(text.trim().toUpperCase(Locale.ROOT));
    }
}
