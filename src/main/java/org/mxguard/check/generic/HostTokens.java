package org.mxguard.check.generic;

/**
 * One pass over a lower-case host part: its decimal digit runs (with positions, for address
 * matching) and its letter runs (the words, for word matching). Splitting at digit/letter
 * boundaries turns {@code dip0}, {@code ppp91}, {@code mail180} into the words {@code dip},
 * {@code ppp}, {@code mail}. No regex; one small object per call plus the word strings.
 */
public final class HostTokens {
    private static final int MAX = 32;

    private final String text;
    private final int[] runStart = new int[MAX];
    private final int[] runEnd = new int[MAX];
    private final int[] octet = new int[MAX];
    private int runs;
    private final String[] words = new String[MAX];
    private int wordCount;

    private HostTokens(String text) {
        this.text = text;
        scan();
    }

    /** Tokens of a lower-case host part. */
    public static HostTokens of(String hostPart) {
        return new HostTokens(hostPart);
    }

    public String text() {
        return text;
    }

    public int runCount() {
        return runs;
    }

    public int runStart(int i) {
        return runStart[i];
    }

    public int runEnd(int i) {
        return runEnd[i];
    }

    public int runLength(int i) {
        return runEnd[i] - runStart[i];
    }

    /** The run's value when it can be an octet (at most three digits, at most 255), else -1. */
    public int octet(int i) {
        return octet[i];
    }

    public int wordCount() {
        return wordCount;
    }

    public String word(int i) {
        return words[i];
    }

    public boolean hasDigit() {
        return runs > 0;
    }

    /** True if the text between two adjacent runs is exactly one of '.', '-', '_' or 'x'. */
    public boolean singleSeparatorAfter(int run) {
        int from = runEnd[run];
        if (run + 1 >= runs || runStart[run + 1] != from + 1) {
            return false;
        }
        char c = text.charAt(from);
        return c == '.' || c == '-' || c == '_' || c == 'x';
    }

    private void scan() {
        int n = text.length();
        int i = 0;
        while (i < n) {
            char c = text.charAt(i);
            if (isDigit(c)) {
                int start = i;
                while (i < n && isDigit(text.charAt(i))) {
                    i++;
                }
                addRun(start, i);
            } else if (c >= 'a' && c <= 'z') {
                int start = i;
                while (i < n && text.charAt(i) >= 'a' && text.charAt(i) <= 'z') {
                    i++;
                }
                addWord(start, i);
            } else {
                i++;
            }
        }
    }

    private void addRun(int start, int end) {
        if (runs == MAX) {
            return;
        }
        runStart[runs] = start;
        runEnd[runs] = end;
        int value = -1;
        if (end - start <= 3) {
            value = 0;
            for (int k = start; k < end; k++) {
                value = value * 10 + (text.charAt(k) - '0');
            }
            if (value > 255) {
                value = -1;
            }
        }
        octet[runs] = value;
        runs++;
    }

    private void addWord(int start, int end) {
        if (wordCount == MAX) {
            return;
        }
        // "3g"/"4g"/"5g" are split into a digit and "g"; put the mobile-network word back together
        if (end - start == 1 && text.charAt(start) == 'g' && start >= 1 && isPieceBoundary(start - 2) && isPieceBoundary(end)) {
            char d = text.charAt(start - 1);
            if (d == '3' || d == '4' || d == '5') {
                words[wordCount++] = d + "g";
                return;
            }
        }
        words[wordCount++] = text.substring(start, end);
    }

    private boolean isPieceBoundary(int index) {
        if (index < 0 || index >= text.length()) {
            return true;
        }
        char c = text.charAt(index);
        return c == '.' || c == '-' || c == '_';
    }

    static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    static boolean isHex(char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
    }
}
