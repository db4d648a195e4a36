package org.mxguard.check;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** Waiting for a list of futures without blocking. */
final class Futures {
    private Futures() {
    }

    static <T> CompletableFuture<List<T>> all(List<CompletableFuture<T>> futures) {
        if (futures.isEmpty()) {
            return CompletableFuture.completedFuture(List.of());
        }
        return CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).thenApply(done -> {
            List<T> values = new ArrayList<>(futures.size());
            for (CompletableFuture<T> f : futures) {
                values.add(f.join());
            }
            return values;
        });
    }
}
