package org.mxguard.check.generic;

import java.util.Set;

/**
 * A set of words matched against the letter runs of a host part: as a whole word, as the start or
 * end of a word, or (for a few unambiguous words) anywhere inside it. Prefix and suffix matching
 * catches compounds like {@code dynamicip}, {@code clienti}, {@code modemcable}, {@code resqmta}
 * without a regex.
 */
public final class WordList {
    private static final String[] NONE = new String[0];

    private final Set<String> exact;
    // prefixes by their first letter and suffixes by their last, so a word is only compared with
    // the few entries that can match it
    private final String[][] prefixesByFirst;
    private final String[][] suffixesByLast;
    private final String[] infixes;

    private WordList(Set<String> exact, String[] prefixes, String[] suffixes, String[] infixes) {
        this.exact = exact;
        this.prefixesByFirst = byLetter(prefixes, true);
        this.suffixesByLast = byLetter(suffixes, false);
        this.infixes = infixes;
    }

    private static String[][] byLetter(String[] words, boolean first) {
        String[][] buckets = new String[26][0];
        for (String w : words) {
            int letter = (first ? w.charAt(0) : w.charAt(w.length() - 1)) - 'a';
            String[] old = buckets[letter];
            String[] grown = java.util.Arrays.copyOf(old, old.length + 1);
            grown[old.length] = w;
            buckets[letter] = grown;
        }
        return buckets;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** True if the (non-empty) word is, starts with, ends with or contains a listed word as configured. */
    public boolean matches(String word) {
        if (exact.contains(word)) {
            return true;
        }
        int first = word.charAt(0) - 'a';
        int last = word.charAt(word.length() - 1) - 'a';
        for (String p : first >= 0 && first < 26 ? prefixesByFirst[first] : NONE) {
            if (word.length() > p.length() && word.startsWith(p)) {
                return true;
            }
        }
        for (String s : last >= 0 && last < 26 ? suffixesByLast[last] : NONE) {
            if (word.length() > s.length() && word.endsWith(s)) {
                return true;
            }
        }
        for (String s : infixes) {
            if (word.contains(s)) {
                return true;
            }
        }
        return false;
    }

    /** The first word of the host part that matches, or null. */
    public String firstIn(HostTokens tokens) {
        for (int i = 0; i < tokens.wordCount(); i++) {
            String w = tokens.word(i);
            if (matches(w)) {
                return w;
            }
        }
        return null;
    }

    /** Collects the word sets; each list is small and fixed at class-initialisation time. */
    public static final class Builder {
        private Set<String> exact = Set.of();
        private String[] prefixes = new String[0];
        private String[] suffixes = new String[0];
        private String[] infixes = new String[0];

        private Builder() {
        }

        public Builder exact(String... words) {
            this.exact = Set.of(words);
            return this;
        }

        public Builder prefixes(String... words) {
            this.prefixes = words.clone();
            return this;
        }

        public Builder suffixes(String... words) {
            this.suffixes = words.clone();
            return this;
        }

        public Builder infixes(String... words) {
            this.infixes = words.clone();
            return this;
        }

        public WordList build() {
            return new WordList(exact, prefixes, suffixes, infixes);
        }
    }
}
