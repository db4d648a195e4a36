package org.mxguard.config;

import java.util.Collection;
import java.util.Optional;

/** "Did you mean …?" for misspelt keys and names: the closest choice by edit distance, if close enough. */
final class Suggestions {
    private Suggestions() {
    }

    static Optional<String> closest(String typed, Collection<String> choices) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String c : choices) {
            int d = distance(typed, c);
            if (d < bestDistance) {
                best = c;
                bestDistance = d;
            }
        }
        // Beyond a few edits the "suggestion" is a guess that misleads more than it helps.
        boolean close = bestDistance <= Math.max(1, Math.min(3, typed.length() / 3));
        return close ? Optional.of(best) : Optional.empty();
    }

    /** " (did you mean "x"?)", or the list of choices when nothing is close. */
    static String hint(String typed, Collection<String> choices) {
        return closest(typed, choices)
                .map(c -> " (did you mean \"" + c + "\"?)")
                .orElse(" (use " + String.join(", ", choices) + ")");
    }

    /** Edit distance counting a swap of neighbours as one edit, the commonest typo ("fial"). */
    static int distance(String a, String b) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) {
            d[i][0] = i;
        }
        for (int j = 0; j <= b.length(); j++) {
            d[0][j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
                }
            }
        }
        return d[a.length()][b.length()];
    }
}
