package org.mxguard.postfix;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.mxguard.check.Result;
import org.mxguard.check.SessionFacts;
import org.mxguard.dns.DnsNames;
import org.mxguard.policy.Evaluator;
import org.mxguard.policy.Refusals;
import org.mxguard.policy.Reply;
import org.mxguard.policy.SessionChecks;
import org.mxguard.smtp.TransactionLog;
import org.mxguard.smtp.TransactionRecord;
import org.mxguard.web.GatewayMetrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers Postfix's policy requests with the gateway's checks and policy: each request starts the
 * checks its facts allow (once per mail transaction, keyed by Postfix's {@code instance}), and from
 * RCPT on (or at the earliest request that decides, with {@code rejectAt earliest}) answers with the
 * verdict: {@code REJECT} for a 5xx, {@code DEFER_IF_PERMIT} for a 4xx, else the message's
 * Authentication-Results field as a {@code PREPEND}, once, and {@code DUNNO} after that.
 *
 * <p>A temporary DNS failure is a 4xx in the policy already; checks that fail or take longer than the
 * verdict timeout are a {@code DEFER_IF_PERMIT} too: mxguard's own trouble never refuses for good.
 * Each answer that rests on a verdict is one line of the transaction log. Thread-safe.
 *
 * <p>Transactions are kept in a bounded map ({@value #MAX_TRANSACTIONS} of them) for
 * {@link #TRANSACTION_IDLE} after their last request: Postfix's {@code smtpd_timeout} (300 s) ends a
 * transaction that waits longer. One that is forgotten early only has its checks run again (from the
 * DNS cache).
 */
public final class PolicyService {
    private static final Logger log = LoggerFactory.getLogger(PolicyService.class);
    static final int MAX_TRANSACTIONS = 10_000;
    static final Duration TRANSACTION_IDLE = Duration.ofMinutes(10);
    /** How long a verdict on (client, HELO, sender) answers new transactions: a burst, not a DNS TTL. */
    static final Duration VERDICT_MEMORY = Duration.ofSeconds(60);
    private static final CompletableFuture<PolicyAnswer> DUNNO = CompletableFuture.completedFuture(PolicyAnswer.Dunno.INSTANCE);
    /** Where an answer that waited for the checks is made (and logged): not in the DNS client's threads. */
    private static final Executor AFTER_CHECKS = task -> Thread.ofVirtual().name("policy-verdict").start(task);
    /** Our own trouble: the checks failed or took too long. Never a 5xx. */
    static final Reply CHECKS_FAILED = new Reply(451, "4.3.0", "Temporary failure in the sender checks; try again later");

    /**
     * @param authservId     the Authentication-Results authserv-id: the name of the host that judged
     * @param rejectEarliest refuse in the answer to the first request that decides, not from RCPT on
     * @param dryRun         refuse nothing: answer as for an accepted message, and log what would have been
     * @param verdictTimeout the longest wait for the checks (below Postfix's smtpd_policy_service_timeout)
     */
    public record Settings(String authservId, boolean rejectEarliest, boolean dryRun, Duration verdictTimeout) {
        public Settings {
            Objects.requireNonNull(authservId, "authservId");
            Objects.requireNonNull(verdictTimeout, "verdictTimeout");
        }
    }

    // replaced together by a reload; a transaction keeps the checks it started with
    private volatile Function<InetAddress, SessionChecks> checks;
    private volatile Settings settings;
    private final TransactionLog transactions;
    private final GatewayMetrics metrics;
    private final Clock clock;
    /**
     * Verdicts on (client, HELO, sender) of the last minute, as postfwd's and policyd-weight's
     * request caches keep theirs: a sender that sends many messages from one address in a burst
     * is judged once. Only at RCPT and later, never a verdict with a temporary failure in it, and
     * forgotten on reload.
     */
    private final Cache<VerdictKey, Remembered> verdicts = Caffeine.newBuilder().executor(Runnable::run)
            .maximumSize(MAX_TRANSACTIONS).expireAfterWrite(VERDICT_MEMORY).build();
    /*
     * Both maps do their upkeep (eviction, expiry) in the requests' own threads, a little at a time:
     * every request is a write here, and handing the upkeep to the common pool woke one of its
     * threads for nearly every request (a tenth of the service's CPU time, with the context switches).
     */
    private final Cache<String, PolicySession> sessions = Caffeine.newBuilder().executor(Runnable::run)
            .maximumSize(MAX_TRANSACTIONS).expireAfterAccess(TRANSACTION_IDLE).build();

    /** @param checks a new client's checks, started at connect (as the gateway's sessions make them) */
    public PolicyService(Function<InetAddress, SessionChecks> checks, Settings settings, TransactionLog transactions,
            GatewayMetrics metrics, Clock clock) {
        this.checks = Objects.requireNonNull(checks, "checks");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.transactions = Objects.requireNonNull(transactions, "transactions");
        this.metrics = Objects.requireNonNull(metrics, "metrics");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /**
     * A re-read configuration: new transactions get the new checks, every answer from now on the
     * new settings; transactions under way keep the checks they started.
     */
    public void reload(Function<InetAddress, SessionChecks> newChecks, Settings newSettings) {
        this.checks = Objects.requireNonNull(newChecks, "newChecks");
        this.settings = Objects.requireNonNull(newSettings, "newSettings");
        verdicts.invalidateAll();
    }

    /**
     * The answer to one request: complete at once when the verdict is known (the checks' answers are
     * cached, or the verdict is remembered), else once the checks end or the verdict timeout passes.
     * Never fails for anything a request can contain.
     */
    CompletableFuture<PolicyAnswer> answer(PolicyRequest request) {
        CompletableFuture<PolicyAnswer> answer = decide(request);
        if (answer.isDone()) {
            metrics.policyAnswer(answer.join().keyword());
            return answer;
        }
        return answer.thenApply(a -> {
            metrics.policyAnswer(a.keyword());
            return a;
        });
    }

    private CompletableFuture<PolicyAnswer> decide(PolicyRequest request) {
        ProtocolState state = request.state();
        if (!request.isAccessPolicy() || !state.isMailStage()) {
            return DUNNO; // VRFY, ETRN, another kind of request: not ours to judge
        }
        Optional<InetAddress> client = request.clientAddress();
        if (client.isEmpty()) {
            log.warn("policy request without a client address ({}): DUNNO", request.clientAddressAttribute());
            return DUNNO;
        }
        VerdictKey key = new VerdictKey(request.clientText(), request.helo(), request.sender());
        PolicySession session = session(client.get(), request.clientText(), request.instance(),
                state.isRcptOrLater() ? verdicts.getIfPresent(key) : null);
        CompletableFuture<Evaluator.Evaluation> verdict = session.verdictFor(state, request.helo(), request.sender());
        if (!state.isRcptOrLater() && !settings.rejectEarliest()) {
            return DUNNO; // the checks run meanwhile; the verdict comes at RCPT
        }
        if (verdict.isDone()) {
            return CompletableFuture.completedFuture(judged(request, key, session, client.get(), verdict, null));
        }
        // the wait has a copy of its own: the timeout must not end the transaction's verdict for others
        return verdict.copy().orTimeout(settings.verdictTimeout().toMillis(), TimeUnit.MILLISECONDS)
                .handleAsync((evaluation, error) -> judged(request, key, session, client.get(), verdict, error),
                        AFTER_CHECKS);
    }

    /**
     * The answer once the verdict is in, or once waiting for it failed.
     *
     * @param waitFailed why the wait for the verdict ended without one (a timeout), or null
     */
    private PolicyAnswer judged(PolicyRequest request, VerdictKey key, PolicySession session, InetAddress client,
            CompletableFuture<Evaluator.Evaluation> verdict, Throwable waitFailed) {
        if (waitFailed == null && verdict.isCompletedExceptionally()) {
            try {
                verdict.join();
            } catch (CompletionException | java.util.concurrent.CancellationException e) {
                waitFailed = e; // the checks failed (or were cancelled): not a verdict
            }
        }
        if (waitFailed != null) {
            Throwable cause = waitFailed instanceof CompletionException && waitFailed.getCause() != null
                    ? waitFailed.getCause() : waitFailed;
            return checksFailed(request, session, client, cause.toString());
        }
        Evaluator.Evaluation evaluation = verdict.resultNow();
        if (session.ranChecks() && request.state().isRcptOrLater() && evaluation.results().stream()
                .noneMatch(r -> r.result() == Result.TEMPERROR)) {
            verdicts.put(key, new Remembered(session.facts(), evaluation,
                    List.copyOf(PrependedFields.of(settings.authservId(), session.facts(), evaluation)),
                    evaluation.verdict().decisions().toString()));
        }
        PolicyAnswer answer = answer(request, session, evaluation);
        record(request, session, client, answer, evaluation);
        return answer;
    }

    /** @param remembered a verdict on the same client, HELO and sender, for a transaction not yet seen */
    private PolicySession session(InetAddress client, String clientText, String instance, Remembered remembered) {
        Function<String, PolicySession> fresh = key -> remembered != null
                ? PolicySession.remembered(remembered.facts(), remembered.evaluation(), remembered.fields(),
                        remembered.decisions())
                : new PolicySession(checks.apply(client));
        if (instance.isEmpty()) {
            return fresh.apply(""); // before MAIL FROM there is no transaction to remember
        }
        // the client in the key too: an instance names a transaction of one smtpd process, not of every Postfix
        return sessions.get(clientText + " " + instance, fresh);
    }

    private record VerdictKey(String client, String helo, String sender) {
    }

    /** @param decisions the text of the verdict's decisions, for refusals' log lines */
    private record Remembered(SessionFacts facts, Evaluator.Evaluation evaluation, List<String> fields,
            String decisions) {
    }

    private PolicyAnswer answer(PolicyRequest request, PolicySession session, Evaluator.Evaluation evaluation) {
        Optional<Reply> refusal = Refusals.of(evaluation.verdict(), settings.dryRun(), request.clientAddressAttribute(),
                request.state().stage() + " <" + request.recipient() + ">", session.decisionsForLog(evaluation), log);
        if (refusal.isPresent()) {
            return new PolicyAnswer.Refusal(refusal.get());
        }
        if (!request.state().canPrepend()) {
            return PolicyAnswer.Dunno.INSTANCE;
        }
        return session.nextFieldToPrepend(() -> PrependedFields.of(settings.authservId(), session.facts(), evaluation))
                .<PolicyAnswer>map(PolicyAnswer.Prepend::new).orElse(PolicyAnswer.Dunno.INSTANCE);
    }

    private PolicyAnswer checksFailed(PolicyRequest request, PolicySession session, InetAddress client, String why) {
        log.error("{}: the checks gave no verdict within {} s ({}): DEFER_IF_PERMIT", DnsNames.text(client),
                settings.verdictTimeout().toSeconds(), why);
        PolicyAnswer answer = new PolicyAnswer.Refusal(CHECKS_FAILED);
        record(request, session, client, answer, null);
        return answer;
    }

    /** The transaction log's line for this answer, and the metrics: the verdict once per transaction. */
    private void record(PolicyRequest request, PolicySession session, InetAddress client, PolicyAnswer answer,
            Evaluator.Evaluation evaluation) {
        ProtocolState state = request.state();
        String stage = state.stage();
        TransactionRecord.Builder b = TransactionRecord.builder(outcome(answer), clock.instant(), request.clientText())
                .helo(state.knowsHelo() && !request.helo().isEmpty() ? request.helo() : null)
                .mailFrom(state.knowsSender() ? request.sender() : null)
                .dryRun(settings.dryRun())
                .transactionTime(session.age());
        Reply refusal = answer instanceof PolicyAnswer.Refusal r ? r.reply() : null;
        b.reply(refusal);
        if (!request.recipient().isEmpty()) {
            if (refusal == null) {
                b.recipients(List.of(request.recipient()));
            } else {
                b.refusedRecipient(request.recipient(), refusal);
            }
        }
        if (!request.queueId().isEmpty()) {
            b.queueId(request.queueId());
        }
        if (state == ProtocolState.END_OF_MESSAGE) {
            request.size().ifPresent(b::size);
        }
        if (evaluation != null) {
            b.evaluation(evaluation, stage);
            if (session.firstDecision()) {
                metrics.verdict(evaluation.verdict().action(), stage);
                metrics.checkResults(evaluation.results());
            }
        }
        transactions.write(b.build());
    }

    private static TransactionRecord.Outcome outcome(PolicyAnswer answer) {
        return switch (answer) {
            case PolicyAnswer.Dunno d -> TransactionRecord.Outcome.DUNNO;
            case PolicyAnswer.Prepend p -> TransactionRecord.Outcome.PREPEND;
            case PolicyAnswer.Refusal r -> r.permanent() ? TransactionRecord.Outcome.REJECT
                    : TransactionRecord.Outcome.DEFER_IF_PERMIT;
        };
    }
}
