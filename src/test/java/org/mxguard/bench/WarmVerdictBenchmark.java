package org.mxguard.bench;

import java.util.List;
import java.util.concurrent.TimeUnit;
import org.mxguard.check.SessionFacts;
import org.mxguard.policy.Evaluator;
import org.mxguard.policy.Verdict;
import org.mxguard.testkit.FakeDnsServer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;

/**
 * Verdicts per second with a warm cache: every check of the standard suite, the per-verdict
 * lookups and budget, the policy; DNS answers all come from the cache. Target: 200,000/s.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@State(Scope.Benchmark)
public class WarmVerdictBenchmark {
    private FakeDnsServer server;
    private Evaluator evaluator;
    private List<SessionFacts> clients;

    @State(Scope.Thread)
    public static class Cursor {
        int next;
    }

    @Setup(Level.Trial)
    public void setUp() {
        server = BenchScenario.server();
        evaluator = BenchScenario.evaluator(BenchScenario.cached(BenchScenario.network(server)));
        clients = BenchScenario.clients();
        for (SessionFacts f : clients) {
            evaluator.evaluate(f).join();
        }
        int before = server.queries();
        for (SessionFacts f : clients) {
            evaluator.evaluate(f).join();
        }
        if (server.queries() != before) {
            throw new IllegalStateException("cache is not warm: " + (server.queries() - before) + " queries");
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        server.close();
    }

    private Verdict one(Cursor c) {
        SessionFacts f = clients.get(c.next++ % clients.size());
        return evaluator.evaluate(f).join().verdict();
    }

    @Benchmark
    @Threads(1)
    public Verdict oneThread(Cursor c) {
        return one(c);
    }

    @Benchmark
    @Threads(2)
    public Verdict twoThreads(Cursor c) {
        return one(c);
    }
}
