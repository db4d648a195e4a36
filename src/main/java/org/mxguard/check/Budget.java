package org.mxguard.check;

import java.util.concurrent.CompletableFuture;
import org.mxguard.dns.QueryBudgetExceededException;

/** Turns a lookup refused by the verdict's query budget into a null answer the caller can count. */
final class Budget {
    private Budget() {
    }

    static <T> CompletableFuture<T> orNull(CompletableFuture<T> lookup) {
        if (lookup.isDone() && !lookup.isCompletedExceptionally()) {
            return lookup; // the usual case with a warm cache: no stage to add
        }
        return lookup.exceptionally(error -> {
            if (QueryBudgetExceededException.isCause(error)) {
                return null;
            }
            throw error instanceof RuntimeException r ? r : new IllegalStateException(error);
        });
    }
}
