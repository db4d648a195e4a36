package org.mxguard.policy;

import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;
import org.mxguard.check.Result;

/**
 * The action for each check and result. A rule names a check ({@code reverse-mx:from}) or a
 * family ({@code reverse-mx}, for all four sources); the exact name wins. When a rule does not
 * say what to do on {@code temperror}, it follows from {@code fail}: a check whose failure
 * rejects tempfails, the others log. {@code temperror} can never reject.
 */
public final class ActionTable {
    private final Map<String, Map<Result, Action>> rules;
    /** Each check's row, worked out on first use: verdicts ask the same few names again and again. */
    private final Map<String, Action[]> resolved = new java.util.concurrent.ConcurrentHashMap<>();

    public ActionTable(Map<String, Map<Result, Action>> rules) {
        Map<String, Map<Result, Action>> copy = new HashMap<>();
        rules.forEach((check, table) -> {
            Map<Result, Action> t = new EnumMap<>(Result.class);
            t.putAll(table);
            if (t.get(Result.TEMPERROR) == Action.REJECT) {
                throw new IllegalArgumentException("temperror cannot lead to reject (check " + check + ")");
            }
            copy.put(check, t);
        });
        this.rules = copy;
    }

    /** Common practice: reject on iprev and sender-domain failure, tag generic names, log the rest. */
    public static ActionTable defaults() {
        return new ActionTable(Map.of(
                "iprev", Map.of(Result.FAIL, Action.REJECT),
                "sender-domain", Map.of(Result.FAIL, Action.REJECT),
                "helo", Map.of(Result.FAIL, Action.LOG),
                "generic-ptr", Map.of(Result.FAIL, Action.TAG),
                "reverse-mx", Map.of(Result.FAIL, Action.LOG)));
    }

    /** These rules laid over the defaults, check by check and result by result. */
    public ActionTable overriding(ActionTable base) {
        Map<String, Map<Result, Action>> merged = new HashMap<>();
        base.rules.forEach((k, v) -> merged.put(k, new EnumMap<>(v)));
        rules.forEach((k, v) -> merged.computeIfAbsent(k, x -> new EnumMap<>(Result.class)).putAll(v));
        return new ActionTable(merged);
    }

    public Action actionFor(String check, Result result) {
        Action[] row = resolved.get(check);
        if (row == null) {
            row = new Action[Result.values().length];
            for (Result r : Result.values()) {
                row[r.ordinal()] = resolve(check, r);
            }
            resolved.put(check, row);
        }
        return row[result.ordinal()];
    }

    private Action resolve(String check, Result result) {
        Map<Result, Action> exact = rules.get(check);
        int colon = check.indexOf(':');
        Map<Result, Action> family = colon > 0 ? rules.get(check.substring(0, colon)) : null;
        Action explicit = find(exact, family, result);
        if (explicit != null) {
            return explicit;
        }
        return switch (result) {
            case PASS, NONE -> Action.ACCEPT;
            case PERMERROR -> Action.LOG;
            case FAIL -> Action.LOG;
            case TEMPERROR -> find(exact, family, Result.FAIL) == Action.REJECT ? Action.TEMPFAIL : Action.LOG;
        };
    }

    private static Action find(Map<Result, Action> exact, Map<Result, Action> family, Result result) {
        if (exact != null && exact.containsKey(result)) {
            return exact.get(result);
        }
        if (family != null && family.containsKey(result)) {
            return family.get(result);
        }
        return null;
    }
}
