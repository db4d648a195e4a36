package org.mxguard.dns;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class InFlightLimitTest {
    @Test
    void startsAtMostMaxAndTheRestInOrderAsSlotsFree() {
        InFlightLimit limit = new InFlightLimit(3);
        List<CompletableFuture<Integer>> started = new ArrayList<>();
        List<CompletableFuture<Integer>> results = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            results.add(limit.submit(() -> {
                CompletableFuture<Integer> f = new CompletableFuture<>();
                started.add(f);
                return f;
            }));
        }
        assertThat(started).hasSize(3);
        assertThat(limit.waiting()).isEqualTo(7);

        started.get(1).complete(1);
        assertThat(results.get(1)).isCompletedWithValue(1);
        assertThat(started).as("the freed slot goes to the first waiting").hasSize(4);
        assertThat(limit.running()).isEqualTo(3);

        started.get(0).completeExceptionally(new IllegalStateException("network"));
        assertThat(results.get(0)).isCompletedExceptionally();
        assertThat(started).as("a failure frees its slot too").hasSize(5);

        for (int i = 2; i < 10; i++) {
            started.get(i).complete(i);
        }
        assertThat(results).allSatisfy(r -> assertThat(r).isDone());
        assertThat(results.get(9)).isCompletedWithValue(9);
        assertThat(limit.running()).isZero();
        assertThat(limit.waiting()).isZero();
    }

    @Test
    void aTaskThatThrowsFailsItsOwnResultAndFreesItsSlot() {
        InFlightLimit limit = new InFlightLimit(1);
        CompletableFuture<String> broken = limit.submit(() -> {
            throw new IllegalArgumentException("bad question");
        });
        CompletableFuture<String> next = limit.submit(() -> CompletableFuture.completedFuture("answer"));

        assertThat(broken).isCompletedExceptionally();
        assertThat(next).isCompletedWithValue("answer");
        assertThat(limit.running()).isZero();
    }
}
