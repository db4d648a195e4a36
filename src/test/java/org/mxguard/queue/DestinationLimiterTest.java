package org.mxguard.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class DestinationLimiterTest {

    @Test
    void aFullDestinationRefusesWithoutBlockingAndOthersAreUntouched() {
        DestinationLimiter limiter = new DestinationLimiter(2, Map.of());
        assertThat(limiter.tryAcquire("dead.example")).isTrue();
        assertThat(limiter.tryAcquire("dead.example")).isTrue();
        assertThat(limiter.tryAcquire("dead.example")).isFalse();
        assertThat(limiter.tryAcquire("live.example")).isTrue();
        assertThat(limiter.inUse("dead.example")).isEqualTo(2);

        limiter.release("dead.example");
        assertThat(limiter.tryAcquire("dead.example")).isTrue();
    }

    @Test
    void defaultsToPostfixsTwentyWithPerDestinationExceptions() {
        assertThat(new DestinationLimiter().limit("example.org")).isEqualTo(20);
        DestinationLimiter limiter = new DestinationLimiter(20, Map.of("small.example", 1));
        assertThat(limiter.tryAcquire("small.example")).isTrue();
        assertThat(limiter.tryAcquire("small.example")).isFalse();
        assertThat(limiter.limit("other.example")).isEqualTo(20);
    }

    @Test
    void releasingASlotNotHeldIsABug() {
        DestinationLimiter limiter = new DestinationLimiter();
        assertThatThrownBy(() -> limiter.release("example.org")).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> new DestinationLimiter(0, Map.of())).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void neverExceedsTheLimitUnderConcurrency() throws Exception {
        DestinationLimiter limiter = new DestinationLimiter(3, Map.of());
        AtomicInteger holding = new AtomicInteger();
        AtomicInteger most = new AtomicInteger();
        List<Callable<Void>> tasks = new ArrayList<>();
        for (int t = 0; t < 16; t++) {
            tasks.add(() -> {
                for (int i = 0; i < 5_000; i++) {
                    if (limiter.tryAcquire("example.org")) {
                        most.accumulateAndGet(holding.incrementAndGet(), Math::max);
                        holding.decrementAndGet();
                        limiter.release("example.org");
                    }
                }
                return null;
            });
        }
        try (ExecutorService pool = Executors.newFixedThreadPool(16)) {
            for (var result : pool.invokeAll(tasks)) {
                result.get();
            }
        }
        assertThat(most.get()).isBetween(1, 3);
        assertThat(limiter.inUse("example.org")).isZero();
    }
}
