package org.mxguard.bench;

import java.time.Duration;
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
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Wall time of one verdict with a cold cache when every DNS answer takes 20 ms (the fake
 * server delays each answer), for two benchmark clients with HELO, MAIL FROM, From: and Reply-To:
 * set, so every check asks DNS. {@code concurrent} is mxguard; {@code sequential}
 * asks the very same questions one after another. Queries per verdict are printed at tear-down.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@State(Scope.Benchmark)
public class ColdVerdictBenchmark {
    @Param({"20"})
    public int delayMillis;

    /** 0: a mail server of its own domain; 4: an ESP relay, PTR/MAIL FROM/Reply-To in three domains (the longest chain). */
    @Param({"0", "4"})
    public int client;

    private FakeDnsServer server;
    private SessionFacts facts;
    private Evaluator concurrent;
    private Evaluator sequential;
    private int verdicts;

    @Setup(Level.Trial)
    public void setUp() {
        server = BenchScenario.server().delay(Duration.ofMillis(delayMillis));
        facts = BenchScenario.clients().get(client);
    }

    @Setup(Level.Invocation)
    public void coldCache() {
        concurrent = BenchScenario.evaluator(BenchScenario.cached(BenchScenario.network(server)));
        sequential = BenchScenario.evaluator(new OneAtATimeResolver(BenchScenario.cached(BenchScenario.network(server))));
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        System.out.printf("%n[cold] %d verdicts, %.1f DNS queries per verdict at the server%n",
                verdicts, verdicts == 0 ? 0.0 : (double) server.queries() / verdicts);
        server.close();
    }

    @Benchmark
    public Verdict concurrent() {
        verdicts++;
        return concurrent.evaluate(facts).join().verdict();
    }

    @Benchmark
    public Verdict sequential() {
        verdicts++;
        return sequential.evaluate(facts).join().verdict();
    }
}
