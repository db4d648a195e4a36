package org.mxguard.check;

import java.util.concurrent.CompletableFuture;
import org.mxguard.dns.Resolver;

/**
 * One sender-identity check: facts and DNS in, a {@link CheckResult} out. A check never talks
 * SMTP and never decides an action; it never turns a temporary DNS failure into {@code fail}.
 * The returned future never completes exceptionally.
 */
public interface Check {
    /** The public name (CLI, logs, headers). */
    String name();

    /** When in the SMTP conversation its inputs are known. */
    Stage stage();

    CompletableFuture<CheckResult> run(SessionFacts facts, Resolver dns);
}
