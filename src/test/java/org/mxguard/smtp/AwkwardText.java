package org.mxguard.smtp;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Tuple;

/** Strings for log-line properties: mostly characters that trouble line-oriented logs and JSON, among others. */
final class AwkwardText {
    private AwkwardText() {
    }

    /** Up to {@code maxSize} characters: 3 in 10 from {@code troublesome}, 2 from {@code any}, the rest letters. */
    static Arbitrary<String> strings(Arbitrary<Character> troublesome, Arbitrary<Character> any, int maxSize) {
        return Arbitraries.frequencyOf(Tuple.of(3, troublesome), Tuple.of(2, any), Tuple.of(5, Arbitraries.chars().alpha()))
                .list().ofMaxSize(maxSize)
                .map(chars -> {
                    StringBuilder b = new StringBuilder(chars.size());
                    chars.forEach(b::append);
                    return b.toString();
                });
    }
}
