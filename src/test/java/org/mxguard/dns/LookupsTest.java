package org.mxguard.dns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.mxguard.dns.Answers.values;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.mxguard.testkit.FakeDns;
import org.mxguard.testkit.FakeDnsServer;

@Timeout(value = 5, unit = TimeUnit.SECONDS)
class LookupsTest {
    @RegisterExtension
    final FakeDns dns = new FakeDns();
    private final FakeDnsServer server = dns.server();
    private final DnsClient client = dns.client(Duration.ofMillis(200), 1);

    @BeforeEach
    void addRecords() {
        server.a("a.example", "192.0.2.1")
                .a("b.example", "192.0.2.2")
                .a("c.example", "192.0.2.3")
                .a("d.example", "192.0.2.4");
    }

    private static CompletableFuture<DnsAnswer<?>> ask(Resolver r, String name, RecordType type) {
        return r.lookup(DnsQuestion.of(name, type));
    }

    @Test
    void distinctQuestionsAreAskedAndCountedOnce() throws Exception {
        Lookups lookups = new Lookups(client, 20);

        DnsAnswer<?> first = ask(lookups, "a.example", RecordType.A).get(2, TimeUnit.SECONDS);
        DnsAnswer<?> again = ask(lookups, "A.Example.", RecordType.A).get(2, TimeUnit.SECONDS);
        ask(lookups, "a.example", RecordType.AAAA).get(2, TimeUnit.SECONDS);

        assertThat(again).isSameAs(first);
        assertThat(lookups.questionsAsked()).isEqualTo(2);
        assertThat(server.queries()).isEqualTo(2);
        assertThat(lookups.answers()).hasSize(2).contains(first);
    }

    @Test
    void concurrentIdenticalQuestionsShareOneLookup() throws Exception {
        server.delay(Duration.ofMillis(50));
        Lookups lookups = new Lookups(client, 20);

        List<CompletableFuture<DnsAnswer<?>>> futures = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            futures.add(CompletableFuture.supplyAsync(() -> ask(lookups, "a.example", RecordType.A), dns.executor())
                    .thenCompose(f -> f));
        }
        CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).get(2, TimeUnit.SECONDS);

        assertThat(lookups.questionsAsked()).isEqualTo(1);
        assertThat(server.queries()).isEqualTo(1);
    }

    @Test
    void theBudgetRefusesTheQuestionAfterTheLast() throws Exception {
        Lookups lookups = new Lookups(client, 3);

        for (String name : List.of("a.example", "b.example", "c.example")) {
            assertThat(values(ask(lookups, name, RecordType.A).get(2, TimeUnit.SECONDS))).hasSize(1);
        }
        CompletableFuture<DnsAnswer<?>> fourth = ask(lookups, "d.example", RecordType.A);

        assertThat(fourth).failsWithin(Duration.ofSeconds(1))
                .withThrowableThat().havingCause()
                .isInstanceOf(QueryBudgetExceededException.class)
                .withMessageContaining("3")
                .withMessageContaining("d.example")
                .satisfies(e -> assertThat(((QueryBudgetExceededException) e).budget()).isEqualTo(3));
        assertThat(fourth.handle((a, e) -> QueryBudgetExceededException.isCause(e)).get()).isTrue();
        assertThat(server.queries()).isEqualTo(3);
        assertThat(server.queries("d.example", RecordType.A)).isZero();
        assertThat(lookups.questionsAsked()).isEqualTo(3);
        assertThat(lookups.questionsRefused()).isEqualTo(1);
        assertThat(lookups.budget()).isEqualTo(3);
        assertThat(lookups.answers()).hasSize(3);
    }

    @Test
    void repeatedQuestionsDoNotUseTheBudget() throws Exception {
        Lookups lookups = new Lookups(client, 3);

        for (int i = 0; i < 10; i++) {
            ask(lookups, "a.example", RecordType.A).get(2, TimeUnit.SECONDS);
        }
        ask(lookups, "b.example", RecordType.A).get(2, TimeUnit.SECONDS);
        ask(lookups, "c.example", RecordType.A).get(2, TimeUnit.SECONDS);
        ask(lookups, "a.example", RecordType.A).get(2, TimeUnit.SECONDS);

        assertThat(lookups.questionsAsked()).isEqualTo(3);
        assertThat(server.queries()).isEqualTo(3);
    }

    @Test
    void aRefusedQuestionStaysRefusedWithoutCountingAgain() {
        Lookups lookups = new Lookups(client, 1);
        ask(lookups, "a.example", RecordType.A).join();

        CompletableFuture<DnsAnswer<?>> refused = ask(lookups, "b.example", RecordType.A);
        CompletableFuture<DnsAnswer<?>> again = ask(lookups, "b.example", RecordType.A);

        assertThat(refused).isCompletedExceptionally();
        assertThat(again).isSameAs(refused);
        assertThat(lookups.questionsAsked()).isEqualTo(1);
        assertThat(lookups.questionsRefused()).isEqualTo(1);
    }

    @Test
    void cachedAnswersCountAgainstTheBudgetToo() throws Exception {
        CachingResolver cache = new CachingResolver(client, 100);
        ask(cache, "a.example", RecordType.A).get(2, TimeUnit.SECONDS);
        ask(cache, "b.example", RecordType.A).get(2, TimeUnit.SECONDS);
        Lookups lookups = new Lookups(cache, 1);

        assertThat(values(ask(lookups, "a.example", RecordType.A).get(2, TimeUnit.SECONDS))).hasSize(1);
        assertThat(ask(lookups, "b.example", RecordType.A)).isCompletedExceptionally();
        assertThat(server.queries()).isEqualTo(2);
    }

    @Test
    void budgetMustBePositive() {
        assertThatIllegalArgumentException().isThrownBy(() -> new Lookups(client, 0));
    }
}
