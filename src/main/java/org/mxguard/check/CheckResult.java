package org.mxguard.check;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The uniform, immutable outcome of one check.
 *
 * @param name     the check's public name, e.g. {@code iprev} or {@code reverse-mx:from}
 * @param problem  a short machine token saying what went wrong ({@code no-ptr}, {@code null-mx}, …),
 *                 empty on pass; the policy picks its reply by it
 * @param reason   one line for people
 * @param evidence the DNS answers and comparisons the result rests on, in the order found
 *                 (copied, unless it is already an unmodifiable view, which is kept as given)
 */
public record CheckResult(String name, Result result, String problem, String reason, Map<String, String> evidence) {
    public CheckResult {
        // a check's own Evidence map is frozen and wrapped, another result's is shared; anything else is copied
        if (evidence instanceof Evidence.Owned owned && owned.freeze()) {
            evidence = Collections.unmodifiableMap(owned);
        } else if (evidence.getClass() != FROZEN) {
            evidence = Collections.unmodifiableMap(new LinkedHashMap<>(evidence));
        }
    }

    private static final Class<?> FROZEN = Collections.unmodifiableMap(new Evidence.Owned()).getClass();

    /** The same result under another check's name (the evidence is shared, not copied). */
    public CheckResult withName(String newName) {
        return new CheckResult(newName, result, problem, reason, evidence);
    }

    public static CheckResult pass(String name, String reason, Map<String, String> evidence) {
        return new CheckResult(name, Result.PASS, "", reason, evidence);
    }

    public static CheckResult of(String name, Result result, String problem, String reason, Map<String, String> evidence) {
        return new CheckResult(name, result, problem, reason, evidence);
    }

    public static CheckResult none(String name, String reason) {
        return new CheckResult(name, Result.NONE, "", reason, Map.of());
    }

    @Override
    public String toString() {
        return name + "=" + result.text() + " (" + reason + ")";
    }
}
