package org.mxguard.audit;

import org.mxguard.check.Evidence;
import org.mxguard.dns.DnsAnswer;

/** One evidence line for a DNS answer: the question, then the answer as the checks render it. */
final class AnswerText {
    private AnswerText() {
    }

    static String of(DnsAnswer<?> answer) {
        return answer == null ? "not asked" : answer.question() + " = " + Evidence.of(answer);
    }
}
