package org.mxguard.postfix;

import java.util.ArrayList;
import java.util.List;
import org.mxguard.check.CheckResult;
import org.mxguard.check.SessionFacts;
import org.mxguard.policy.Evaluator;
import org.mxguard.smtp.AuthenticationResultsHeader;
import org.mxguard.smtp.TagHeader;

/**
 * The header fields the gateway adds to an accepted message, as Postfix's PREPEND takes them: one
 * line each, since a policy answer is one line. Authentication-Results first, then X-Mxguard-Tag for
 * a tag verdict.
 */
final class PrependedFields {
    /** RFC 5322's line limit: a longer field loses its reasons, which are for people only. */
    static final int MAX_LINE = 998;

    private PrependedFields() {
    }

    static List<String> of(String authservId, SessionFacts facts, Evaluator.Evaluation evaluation) {
        List<String> fields = new ArrayList<>(2);
        String results = oneLine(AuthenticationResultsHeader.render(authservId, facts, evaluation.results()));
        if (results.length() > MAX_LINE) {
            List<CheckResult> terse = evaluation.results().stream()
                    .map(r -> CheckResult.of(r.name(), r.result(), r.problem(), "", r.evidence())).toList();
            results = oneLine(AuthenticationResultsHeader.render(authservId, facts, terse));
        }
        fields.add(results);
        String tag = oneLine(TagHeader.render(evaluation.verdict()));
        if (!tag.isEmpty()) {
            fields.add(tag);
        }
        return fields;
    }

    /** A folded field unfolded (RFC 5322 section 2.2.3: a fold is a CRLF before white space), without its CRLF. */
    static String oneLine(String field) {
        return field.replace("\r\n", "");
    }
}
