package org.mxguard.policy;

import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalDouble;
import java.util.concurrent.ConcurrentHashMap;
import org.mxguard.check.Result;

/**
 * Scoring mode, the alternative to per-check actions: a weight for each check and result, added
 * up over a verdict's checks, and thresholds on the total for tag, tempfail and reject. When it is
 * {@linkplain #enabled() enabled}, {@link Policy} takes the verdict's action from the score and
 * not from the {@link ActionTable}.
 *
 * <p>Weights are looked up as actions are: a rule names a check ({@code reverse-mx:from}) or a
 * family ({@code reverse-mx}, all four sources), the exact name wins, result by result; what no
 * rule sets weighs 0. A {@code temperror} that no rule weighs weighs what {@code fail} weighs (a
 * lookup that failed may have been hiding a failure), and a temperror weight is never negative. A
 * negative weight counts in the sender's favour.
 *
 * <p>A temporary DNS failure never leads to a 5xx: see {@link Score#floor()} and {@link Policy}.
 */
public final class Scoring {
    /**
     * Where the total starts to tag, tempfail (optional) and reject: {@code 0 < tag <= tempfail <= reject}.
     * A total at or above a threshold takes that action; the highest one reached wins.
     */
    public record Thresholds(double tag, OptionalDouble tempfail, double reject) {
        public Thresholds {
            positive("tag", tag);
            positive("reject", reject);
            if (tag > reject) {
                throw new IllegalArgumentException("tag (" + Score.number(tag) + ") is above reject (" + Score.number(reject) + ")");
            }
            if (tempfail.isPresent()) {
                double t = tempfail.getAsDouble();
                positive("tempfail", t);
                if (t < tag || t > reject) {
                    throw new IllegalArgumentException("tempfail (" + Score.number(t) + ") is not between tag ("
                            + Score.number(tag) + ") and reject (" + Score.number(reject) + ")");
                }
            }
        }

        /** Tag at 4, reject at 8, no tempfail threshold. */
        public static Thresholds defaults() {
            return new Thresholds(4.0, OptionalDouble.empty(), 8.0);
        }

        private static void positive(String name, double value) {
            if (!Double.isFinite(value) || value <= 0) {
                throw new IllegalArgumentException(name + " must be a number above 0, not " + value);
            }
        }
    }

    /** The largest weight, either way: eight checks at most cannot add up to anything unwieldy. */
    public static final double MAX_WEIGHT = 1000;

    private final boolean enabled;
    private final Map<String, Map<Result, Double>> weights;
    private final Thresholds thresholds;
    /** Each check's row of weights and its most favourable weight, worked out on first use. */
    private final Map<String, double[]> resolved = new ConcurrentHashMap<>();

    public Scoring(boolean enabled, Map<String, Map<Result, Double>> weights, Thresholds thresholds) {
        Map<String, Map<Result, Double>> copy = new HashMap<>();
        weights.forEach((check, row) -> {
            Map<Result, Double> r = new EnumMap<>(Result.class);
            row.forEach((result, w) -> {
                if (!Double.isFinite(w) || Math.abs(w) > MAX_WEIGHT) {
                    throw new IllegalArgumentException("weight " + w + " of " + check + "." + result.text()
                            + " is not between -" + Score.number(MAX_WEIGHT) + " and " + Score.number(MAX_WEIGHT));
                }
                if (result == Result.TEMPERROR && w < 0) {
                    throw new IllegalArgumentException("temperror cannot count in the sender's favour (check " + check + ")");
                }
                r.put(result, w);
            });
            copy.put(check, r);
        });
        this.enabled = enabled;
        this.weights = copy;
        this.thresholds = Objects.requireNonNull(thresholds, "thresholds");
    }

    /**
     * The built-in weights, which mirror the default actions: a failure that rejects on its own
     * there (iprev, sender-domain) reaches reject on its own here, a generic PTR name reaches tag,
     * and the failures that are only logged there add a little (helo 2, each reverse-mx source 1),
     * so that several together can tag or, with a generic name, reject. Switched off.
     */
    public static Scoring defaults() {
        return new Scoring(false, Map.of(
                "iprev", Map.of(Result.FAIL, 8.0),
                "sender-domain", Map.of(Result.FAIL, 8.0),
                "generic-ptr", Map.of(Result.FAIL, 4.0),
                "helo", Map.of(Result.FAIL, 2.0),
                "reverse-mx", Map.of(Result.FAIL, 1.0)), Thresholds.defaults());
    }

    /** These weights laid over {@code base}'s, check by check and result by result; this one's switch and thresholds. */
    public Scoring overriding(Scoring base) {
        Map<String, Map<Result, Double>> merged = new HashMap<>();
        base.weights.forEach((k, v) -> merged.put(k, new EnumMap<>(v)));
        weights.forEach((k, v) -> merged.computeIfAbsent(k, x -> new EnumMap<>(Result.class)).putAll(v));
        return new Scoring(enabled, merged, thresholds);
    }

    /** The same weights and thresholds, switched on or off. */
    public Scoring withEnabled(boolean on) {
        return new Scoring(on, weights, thresholds);
    }

    public boolean enabled() {
        return enabled;
    }

    public Thresholds thresholds() {
        return thresholds;
    }

    /** What {@code result} of {@code check} adds to the score. */
    public double weightFor(String check, Result result) {
        return row(check)[result.ordinal()];
    }

    /**
     * The least a check that ended in {@code temperror} could have added had its lookups
     * answered: its lowest weight for any other result, and never more than 0.
     */
    public double mostFavourable(String check) {
        return row(check)[Result.values().length];
    }

    private double[] row(String check) {
        double[] row = resolved.get(check);
        if (row == null) {
            Result[] results = Result.values();
            row = new double[results.length + 1];
            double best = 0;
            for (Result r : results) {
                row[r.ordinal()] = resolve(check, r);
                if (r != Result.TEMPERROR) {
                    best = Math.min(best, row[r.ordinal()]);
                }
            }
            row[results.length] = best;
            resolved.put(check, row);
        }
        return row;
    }

    private double resolve(String check, Result result) {
        Map<Result, Double> exact = weights.get(check);
        int colon = check.indexOf(':');
        Map<Result, Double> family = colon > 0 ? weights.get(check.substring(0, colon)) : null;
        Double explicit = find(exact, family, result);
        if (explicit != null) {
            return explicit;
        }
        if (result == Result.TEMPERROR) {
            Double fail = find(exact, family, Result.FAIL);
            return fail == null ? 0 : Math.max(0, fail);
        }
        return 0;
    }

    private static Double find(Map<Result, Double> exact, Map<Result, Double> family, Result result) {
        if (exact != null && exact.containsKey(result)) {
            return exact.get(result);
        }
        if (family != null && family.containsKey(result)) {
            return family.get(result);
        }
        return null;
    }
}
