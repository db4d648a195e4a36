package org.mxguard.config;

import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import org.mxguard.check.Result;
import org.mxguard.policy.Score;
import org.mxguard.policy.Scoring;

/**
 * Reads {@code [scoring]}: the switch, the thresholds, and {@code [scoring.weights]} tables of
 * {@code CHECK.RESULT = number}, laid over the default weights as {@code [policy]} is over the
 * default actions.
 */
final class ScoringSection {
    static final List<String> KEYS = List.of("enabled", "tag", "tempfail", "reject", "weights");
    private static final List<String> RESULTS = Arrays.stream(Result.values()).map(Result::text).toList();
    /** Eight checks of at most {@link Scoring#MAX_WEIGHT} each stay below this. */
    static final double MAX_THRESHOLD = 10_000;

    private ScoringSection() {
    }

    static Scoring read(ConfigNode scoring) throws ConfigException {
        Scoring d = Scoring.defaults();
        if (!scoring.isPresent()) {
            return d;
        }
        scoring.allowOnly(KEYS, "a table [scoring]");
        boolean enabled = scoring.get("enabled").bool(d.enabled());
        Scoring.Thresholds thresholds = thresholds(scoring, d.thresholds());
        Map<String, Map<Result, Double>> weights = weights(scoring.get("weights"));
        return new Scoring(enabled, weights, thresholds).overriding(d);
    }

    private static Scoring.Thresholds thresholds(ConfigNode scoring, Scoring.Thresholds d) throws ConfigException {
        ConfigNode tagNode = scoring.get("tag");
        ConfigNode tempfailNode = scoring.get("tempfail");
        ConfigNode rejectNode = scoring.get("reject");
        double tag = threshold(tagNode, d.tag());
        double reject = threshold(rejectNode, d.reject());
        if (tag > reject) {
            // blame the one the file sets; when it sets both, reject is the odd one out
            throw rejectNode.isPresent()
                    ? rejectNode.error(Score.number(reject) + " is below tag (" + Score.number(tag)
                            + (tagNode.isPresent() ? "" : ", the default") + ")")
                    : tagNode.error(Score.number(tag) + " is above reject (" + Score.number(reject) + ", the default)");
        }
        OptionalDouble tempfail = OptionalDouble.empty();
        if (tempfailNode.isPresent()) {
            double t = threshold(tempfailNode, 0);
            if (t < tag) {
                throw tempfailNode.error(Score.number(t) + " is below tag (" + Score.number(tag)
                        + (tagNode.isPresent() ? "" : ", the default") + ")");
            }
            if (t > reject) {
                throw tempfailNode.error(Score.number(t) + " is above reject (" + Score.number(reject)
                        + (rejectNode.isPresent() ? "" : ", the default") + ")");
            }
            tempfail = OptionalDouble.of(t);
        }
        return new Scoring.Thresholds(tag, tempfail, reject);
    }

    private static double threshold(ConfigNode node, double ifAbsent) throws ConfigException {
        // every client scores 0 when nothing fails: a threshold of 0 would tag or refuse them all
        return node.positiveDecimal(MAX_THRESHOLD, ifAbsent);
    }

    private static Map<String, Map<Result, Double>> weights(ConfigNode weights) throws ConfigException {
        Map<String, Map<Result, Double>> rules = new HashMap<>();
        if (!weights.isPresent()) {
            return rules;
        }
        for (Map.Entry<String, ConfigNode> check : weights.table("a table [scoring.weights] of CHECK.RESULT = number").entrySet()) {
            if (!CheckNames.POLICY.contains(check.getKey())) {
                throw check.getValue().error("unknown check " + ConfigNode.quote(check.getKey())
                        + Suggestions.hint(check.getKey(), CheckNames.POLICY));
            }
            rules.put(check.getKey(), row(check.getValue()));
        }
        return rules;
    }

    private static Map<Result, Double> row(ConfigNode check) throws ConfigException {
        Map<Result, Double> row = new EnumMap<>(Result.class);
        for (Map.Entry<String, ConfigNode> e : check.table("a table of result = number").entrySet()) {
            if (!RESULTS.contains(e.getKey())) {
                throw e.getValue().error("unknown result " + ConfigNode.quote(e.getKey())
                        + Suggestions.hint(e.getKey(), RESULTS));
            }
            Result result = Result.parse(e.getKey());
            double w = e.getValue().decimal(-Scoring.MAX_WEIGHT, Scoring.MAX_WEIGHT, 0);
            // Scoring would refuse this too, but without saying where.
            if (result == Result.TEMPERROR && w < 0) {
                throw e.getValue().error(Score.number(w)
                        + " would count a temporary DNS failure in the sender's favour (use 0 or more)");
            }
            row.put(result, w);
        }
        return row;
    }
}
