package org.mxguard.check;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.mxguard.dns.QueryBudgetExceededException;

/** Keeps a check's promise that its future never fails: a budget overrun is permerror, anything else temperror. */
final class Guard {
    private Guard() {
    }

    static CompletableFuture<CheckResult> of(String name, CompletableFuture<CheckResult> work) {
        if (work.isDone() && !work.isCompletedExceptionally()) {
            return work;
        }
        return work.exceptionally(error -> {
            if (QueryBudgetExceededException.isCause(error)) {
                return CheckResult.of(name, Result.PERMERROR, "query-budget",
                        "DNS query budget exceeded before a definitive answer", Map.of());
            }
            Throwable cause = error.getCause() != null ? error.getCause() : error;
            return CheckResult.of(name, Result.TEMPERROR, "internal-error", "check failed: " + cause, Map.of());
        });
    }
}
