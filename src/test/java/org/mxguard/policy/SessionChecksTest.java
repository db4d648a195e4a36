package org.mxguard.policy;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.mxguard.check.CheckResult;
import org.mxguard.check.CheckSuite;
import org.mxguard.check.GenericNameClassifier;
import org.mxguard.check.LocalIdentity;
import org.mxguard.check.Result;
import org.mxguard.dns.CachingResolver;
import org.mxguard.testkit.FakeDns;
import org.mxguard.testkit.FakeDnsServer;

class SessionChecksTest {
    @RegisterExtension
    final FakeDns dns = new FakeDns();
    private final FakeDnsServer server = dns.server()
            .ptr("192.0.2.10", "mail.sender.example")
            .a("mail.sender.example", "192.0.2.10")
            .mx("sender.example", 10, "mail.sender.example")
            .mx("other.example", 10, "mx.other.example")
            .a("mx.other.example", "198.51.100.1");
    private final CachingResolver resolver = new CachingResolver(dns.client(Duration.ofMillis(500), 1), 1000);
    private final CheckSuite suite = CheckSuite.standard(LocalIdentity.none(), GenericNameClassifier.standard());

    private SessionChecks session(Policy policy) throws Exception {
        return new SessionChecks(suite, policy, resolver, 20, InetAddress.getByName("192.0.2.10"));
    }

    private static List<String> names(Evaluator.Evaluation evaluation) {
        return evaluation.results().stream().map(CheckResult::name).toList();
    }

    private static Result result(Evaluator.Evaluation evaluation, String check) {
        return evaluation.results().stream().filter(r -> r.name().equals(check)).findFirst().orElseThrow().result();
    }

    @Test
    void eachStageStartsOnlyTheChecksWhoseInputsItGives() throws Exception {
        SessionChecks checks = session(Policy.defaults());
        Evaluator.Evaluation connected = checks.verdict().get(5, TimeUnit.SECONDS);
        assertThat(names(connected)).containsExactly("iprev", "generic-ptr");
        assertThat(result(connected, "iprev")).isEqualTo(Result.PASS);
        int connectQueries = server.queries();
        assertThat(connectQueries).isPositive();

        checks.helo("mail.sender.example");
        checks.mail("alice@sender.example");
        Evaluator.Evaluation mail = checks.verdict().get(5, TimeUnit.SECONDS);
        assertThat(names(mail)).containsExactly("iprev", "generic-ptr", "helo", "sender-domain",
                "reverse-mx:mail-from", "reverse-mx:ptr");
        assertThat(result(mail, "reverse-mx:mail-from")).isEqualTo(Result.PASS);
        assertThat(mail.verdict().action()).isEqualTo(Action.ACCEPT);

        checks.headers("bob@other.example", null);
        Evaluator.Evaluation data = checks.verdict().get(5, TimeUnit.SECONDS);
        assertThat(names(data)).contains("reverse-mx:from", "reverse-mx:reply-to");
        assertThat(result(data, "reverse-mx:from")).isEqualTo(Result.FAIL);
    }

    @Test
    void aNewTransactionForgetsTheLastOnesChecksButNotTheSessions() throws Exception {
        SessionChecks checks = session(Policy.defaults());
        checks.helo("mail.sender.example");
        checks.mail("alice@other.example");
        checks.headers("bob@other.example", null);
        assertThat(result(checks.verdict().get(5, TimeUnit.SECONDS), "reverse-mx:mail-from")).isEqualTo(Result.FAIL);

        checks.reset();
        assertThat(names(checks.verdict().get(5, TimeUnit.SECONDS))).containsExactly("iprev", "generic-ptr", "helo");
        checks.mail("alice@sender.example");
        Evaluator.Evaluation second = checks.verdict().get(5, TimeUnit.SECONDS);
        assertThat(result(second, "reverse-mx:mail-from")).isEqualTo(Result.PASS);
        assertThat(names(second)).doesNotContain("reverse-mx:from");
    }

    @Test
    void aSenderDomainRuleKnownOnlyAtMailAlsoCoversAConnectStageCheck() throws Exception {
        Allowlist allowlist = new Allowlist(List.of(
                new AllowlistEntry(AllowlistEntry.Kind.SENDER_DOMAIN, "sender.example", List.of("iprev"), "partner")));
        SessionChecks checks = session(new Policy(ActionTable.defaults(), allowlist));
        assertThat(result(checks.verdict().get(5, TimeUnit.SECONDS), "iprev")).isNotEqualTo(Result.NONE);

        checks.mail("alice@sender.example");
        Evaluator.Evaluation evaluation = checks.verdict().get(5, TimeUnit.SECONDS);
        assertThat(result(evaluation, "iprev")).isEqualTo(Result.NONE);
        assertThat(evaluation.results().getFirst().reason()).contains("sender-domain sender.example");
    }

    @Test
    void inScoringModeEachStagesVerdictCarriesTheScore() throws Exception {
        Scoring scoring = new Scoring(true, java.util.Map.of("reverse-mx", java.util.Map.of(Result.FAIL, 3.0)),
                Scoring.Thresholds.defaults()).overriding(Scoring.defaults());
        SessionChecks checks = session(new Policy(ActionTable.defaults(), Allowlist.empty(), scoring));
        Evaluator.Evaluation connected = checks.verdict().get(5, TimeUnit.SECONDS);
        assertThat(connected.verdict().score()).isPresent();
        assertThat(connected.verdict().score().get().total()).isZero();
        assertThat(connected.verdict().action()).isEqualTo(Action.ACCEPT);

        checks.helo("mail.sender.example");
        checks.mail("alice@other.example");
        checks.headers("bob@other.example", null);
        Evaluator.Evaluation data = checks.verdict().get(5, TimeUnit.SECONDS);
        Score score = data.verdict().score().orElseThrow();
        assertThat(score.of("reverse-mx:mail-from").orElseThrow().points()).isEqualTo(3.0);
        assertThat(score.of("reverse-mx:from").orElseThrow().points()).isEqualTo(3.0);
        assertThat(score.total()).isEqualTo(6.0);
        assertThat(data.verdict().action()).isEqualTo(Action.TAG);
        assertThat(data.verdict().tags()).extracting(d -> d.result().name())
                .containsExactly("reverse-mx:mail-from", "reverse-mx:from");
    }
}
