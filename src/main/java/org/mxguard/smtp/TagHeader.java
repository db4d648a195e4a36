package org.mxguard.smtp;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.mxguard.policy.Action;
import org.mxguard.policy.Score;
import org.mxguard.policy.Verdict;

/**
 * The "tag" action: {@code X-Mxguard-Tag:} naming the checks that asked for it (and the score in
 * scoring mode) and the guards that did (trap MX, backup MX), for the mailbox's filters. Every
 * front end (the gateway, the milter, the Postfix policy service) writes the same field.
 */
public final class TagHeader {
    public static final String NAME = "X-Mxguard-Tag";

    private TagHeader() {
    }

    /** The field, ending in CRLF; "" when the verdict is not a tag or no check asked for one. */
    public static String render(Verdict verdict) {
        return render(verdict, List.of());
    }

    /**
     * The field with the guards' clauses ({@code trap-mx=connected}, ...) after the checks'; "" when
     * neither the verdict nor a guard asks for a tag.
     */
    public static String render(Verdict verdict, Collection<String> guardClauses) {
        List<String> clauses = new ArrayList<>();
        if (verdict.action() == Action.TAG && !verdict.tags().isEmpty()) {
            verdict.tags().forEach(d -> clauses.add(
                    HeaderText.printable(d.result().name() + "=" + d.result().result().text(), false, 80)));
            verdict.score().ifPresent(s -> clauses.add("score=" + Score.number(s.total())));
        }
        clauses.addAll(guardClauses);
        return clauses.isEmpty() ? "" : HeaderText.field(NAME, clauses);
    }
}
