package org.mxguard.postfix;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.mxguard.check.SessionFacts;
import org.mxguard.policy.Evaluator;
import org.mxguard.policy.SessionChecks;

/**
 * What mxguard knows of one Postfix mail transaction (one {@code instance}): its checks, started once
 * each as the requests bring their inputs, the verdict on them, and the header fields still to be
 * prepended. Postfix asks about one transaction from one smtpd process, one request at a time; the
 * methods are synchronized all the same, since nothing forces a client to.
 */
final class PolicySession {
    /** Null for a session answered from a remembered verdict: nothing to start, the verdict is known. */
    private final SessionChecks checks;
    private final SessionFacts rememberedFacts;
    private final List<String> rememberedFields;
    private final String rememberedDecisions;
    private final long started = System.nanoTime();

    private boolean heloGiven;
    private String helo;
    private boolean senderGiven;
    private String sender;
    private CompletableFuture<Evaluator.Evaluation> verdict;
    private Deque<String> fieldsToPrepend;
    private boolean counted;

    PolicySession(SessionChecks checks) {
        this.checks = Objects.requireNonNull(checks, "checks");
        this.rememberedFacts = null;
        this.rememberedFields = null;
        this.rememberedDecisions = null;
    }

    private PolicySession(SessionFacts facts, Evaluator.Evaluation evaluation, List<String> fields, String decisions) {
        this.checks = null;
        this.rememberedFacts = Objects.requireNonNull(facts, "facts");
        this.rememberedFields = List.copyOf(fields);
        this.rememberedDecisions = Objects.requireNonNull(decisions, "decisions");
        this.verdict = CompletableFuture.completedFuture(Objects.requireNonNull(evaluation, "evaluation"));
    }

    /**
     * A transaction whose client, HELO and sender were judged a moment ago: the same verdict and the
     * same header fields (rendered once), no checks.
     *
     * @param decisions the text of the verdict's decisions, for a refusal's log line (made once)
     */
    static PolicySession remembered(SessionFacts facts, Evaluator.Evaluation evaluation, List<String> fields,
            String decisions) {
        return new PolicySession(facts, evaluation, fields, decisions);
    }

    /** What a refusal's log line shows for the verdict's decisions: their text, made once when remembered. */
    Object decisionsForLog(Evaluator.Evaluation evaluation) {
        return rememberedDecisions != null ? rememberedDecisions : evaluation.verdict().decisions();
    }

    /** True when this session ran checks of its own (its verdict may be remembered for others). */
    boolean ranChecks() {
        return checks != null;
    }

    /**
     * Starts the checks whose inputs this request brings for the first time (a HELO or sender other
     * than before starts its checks again), and returns the verdict on all started so far.
     */
    synchronized CompletableFuture<Evaluator.Evaluation> verdictFor(ProtocolState state, String heloName, String mailFrom) {
        if (checks == null) {
            return verdict;
        }
        boolean changed = false;
        if (state.knowsHelo()) {
            String given = heloName.isEmpty() ? null : heloName; // none given: helo says so, as `mxguard check` does
            if (!heloGiven || !Objects.equals(given, helo)) {
                checks.helo(given); // forgets the transaction's checks, as a new HELO does in SMTP
                heloGiven = true;
                helo = given;
                senderGiven = false;
                changed = true;
            }
        }
        if (state.knowsSender() && (!senderGiven || !mailFrom.equals(sender))) {
            checks.mail(mailFrom);
            senderGiven = true;
            sender = mailFrom;
            changed = true;
        }
        if (changed || verdict == null) {
            verdict = checks.verdict();
        }
        return verdict;
    }

    /** The facts the checks were given. */
    synchronized SessionFacts facts() {
        return checks == null ? rememberedFacts : checks.facts();
    }

    /**
     * The next header field to prepend: the first call makes the list, each call takes one, since
     * one answer can carry one PREPEND. Empty once all were given.
     */
    synchronized Optional<String> nextFieldToPrepend(Supplier<List<String>> fields) {
        if (fieldsToPrepend == null) {
            fieldsToPrepend = new ArrayDeque<>(rememberedFields != null ? rememberedFields : fields.get());
        }
        return Optional.ofNullable(fieldsToPrepend.poll());
    }

    /** True the first time only: the transaction's verdict is counted in the metrics once. */
    synchronized boolean firstDecision() {
        boolean first = !counted;
        counted = true;
        return first;
    }

    /** Time since the transaction's first request. */
    java.time.Duration age() {
        return java.time.Duration.ofNanos(System.nanoTime() - started);
    }
}
