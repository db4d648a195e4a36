package org.mxguard.policy;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.List;
import java.util.Optional;
import org.mxguard.check.Result;

/**
 * A verdict's score in scoring mode: what each check added, the total, and the thresholds it
 * was measured against.
 *
 * @param total         the sum of the contributions
 * @param floor         the lowest total the checks that ended in {@code temperror} could still
 *                      give once their lookups answer (each counted at its most favourable weight,
 *                      at most 0; and, while {@code iprev} is temperror, every check a
 *                      {@code ptr-suffix} allowlist entry covers counted at most 0). It equals
 *                      {@code total} when no check failed temporarily. A reject needs the floor,
 *                      not only the total, to reach the threshold
 * @param thresholds    where tag, tempfail and reject start
 * @param contributions one per check, in the verdict's order
 */
public record Score(double total, double floor, Scoring.Thresholds thresholds, List<Contribution> contributions) {
    /**
     * What one check added: its weight for its result, or 0 when an allowlist entry covers it.
     *
     * @param allowlisted true when an allowlist entry skipped or cleared the check
     */
    public record Contribution(String check, Result result, double points, boolean allowlisted) {
    }

    public Score {
        contributions = List.copyOf(contributions);
    }

    /** True when a temporary failure leaves the score open: the floor is below the total. */
    public boolean uncertain() {
        return floor < total;
    }

    /** The contribution of {@code check}, if it ran. */
    public Optional<Contribution> of(String check) {
        return contributions.stream().filter(c -> c.check().equals(check)).findFirst();
    }

    /** A score or weight as people read it: at most three decimals, at least one ({@code 8.0}, {@code 2.5}, {@code -0.25}). */
    public static String number(double value) {
        if (!Double.isFinite(value)) {
            return String.valueOf(value);
        }
        BigDecimal b = BigDecimal.valueOf(value).setScale(3, RoundingMode.HALF_EVEN).stripTrailingZeros();
        return (b.scale() < 1 ? b.setScale(1) : b).toPlainString();
    }

    /** Like {@link #number} with a sign in front of anything but 0: {@code +8.0}, {@code -1.0}, {@code 0.0}. */
    public static String signed(double value) {
        String n = number(value);
        return value > 0 && !n.equals("0.0") ? "+" + n : n;
    }

    /** Sums without the binary noise of decimal weights ({@code 0.1 + 0.2} is 0.3 here, so it reaches a threshold of 0.3). */
    static double round(double sum) {
        return Math.round(sum * 1e6) / 1e6;
    }
}
