package org.mxguard.config;

import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.mxguard.check.Result;
import org.mxguard.policy.Action;
import org.mxguard.policy.ActionTable;

/** Reads {@code [policy.CHECK]} tables of {@code result = "action"}, laid over the default actions. */
final class PolicySection {
    private static final List<String> RESULTS = Arrays.stream(Result.values()).map(Result::text).toList();
    private static final List<String> ACTIONS = Arrays.stream(Action.values()).map(Action::text).toList().reversed();

    private PolicySection() {
    }

    static ActionTable read(ConfigNode policy) throws ConfigException {
        if (!policy.isPresent()) {
            return ActionTable.defaults();
        }
        Map<String, Map<Result, Action>> rules = new HashMap<>();
        for (Map.Entry<String, ConfigNode> check : policy.table("tables [policy.CHECK]").entrySet()) {
            if (!CheckNames.POLICY.contains(check.getKey())) {
                throw check.getValue().error("unknown check " + ConfigNode.quote(check.getKey())
                        + Suggestions.hint(check.getKey(), CheckNames.POLICY));
            }
            rules.put(check.getKey(), rule(check.getValue()));
        }
        return new ActionTable(rules).overriding(ActionTable.defaults());
    }

    private static Map<Result, Action> rule(ConfigNode check) throws ConfigException {
        Map<Result, Action> rule = new EnumMap<>(Result.class);
        for (Map.Entry<String, ConfigNode> e : check.table("a table of result = \"action\"").entrySet()) {
            if (!RESULTS.contains(e.getKey())) {
                throw e.getValue().error("unknown result " + ConfigNode.quote(e.getKey())
                        + Suggestions.hint(e.getKey(), RESULTS));
            }
            Result result = Result.parse(e.getKey());
            Action action = action(e.getValue());
            // The ActionTable would refuse this too, but without saying where.
            if (result == Result.TEMPERROR && action == Action.REJECT) {
                throw e.getValue().error("\"reject\" is not allowed for temperror (use tempfail, tag, log or accept)");
            }
            rule.put(result, action);
        }
        return rule;
    }

    private static Action action(ConfigNode node) throws ConfigException {
        String text = node.text();
        try {
            return Action.parse(text);
        } catch (IllegalArgumentException e) {
            throw node.error("unknown action " + ConfigNode.quote(text) + Suggestions.hint(text, ACTIONS), e);
        }
    }
}
