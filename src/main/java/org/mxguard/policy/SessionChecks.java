package org.mxguard.policy;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.mxguard.check.Check;
import org.mxguard.check.CheckResult;
import org.mxguard.check.CheckSuite;
import org.mxguard.check.Result;
import org.mxguard.check.SessionFacts;
import org.mxguard.check.Stage;
import org.mxguard.dns.Lookups;
import org.mxguard.dns.Resolver;

/**
 * The checks of one SMTP session, started stage by stage: each check's lookups begin as soon as
 * the conversation has given its inputs (connect, HELO, MAIL, the headers) and run while the
 * client goes on talking; {@link #verdict} decides on what has been started so far.
 *
 * <p>Connect and HELO checks share one {@link Lookups} for the session, MAIL and header checks one
 * per transaction, each with its own query budget. Allowlist rules are applied with the facts
 * known at each verdict, so a sender-domain rule also covers the connect-stage checks it names.
 * One session's conversation is one thread: not thread-safe.
 */
public final class SessionChecks {
    private final CheckSuite suite;
    private final Policy policy;
    private final Resolver resolver;
    private final int queryBudget;

    private SessionFacts facts;
    private Lookups session;
    private Lookups transaction;
    private final Map<String, CompletableFuture<CheckResult>> started = new LinkedHashMap<>();

    public SessionChecks(CheckSuite suite, Policy policy, Resolver resolver, int queryBudget, InetAddress client) {
        this.suite = suite;
        this.policy = policy;
        this.resolver = resolver;
        this.queryBudget = queryBudget;
        this.facts = SessionFacts.connect(client);
        this.session = new Lookups(resolver, queryBudget);
        start(Stage.CONNECT, session);
    }

    public SessionFacts facts() {
        return facts;
    }

    /** HELO or EHLO: a second one replaces the first (and ends any transaction, as RFC 5321 says). */
    public void helo(String name) {
        reset();
        facts = facts.withHelo(name);
        start(Stage.HELO, session);
    }

    /** MAIL FROM: a new transaction; {@code address} without brackets, "" for the null path. */
    public void mail(String address) {
        reset();
        facts = facts.withMailFrom(address);
        transaction = new Lookups(resolver, queryBudget);
        start(Stage.MAIL, transaction);
    }

    /** The From: and Reply-To: addresses read from the message (either may be null). */
    public void headers(String from, String replyTo) {
        facts = facts.withHeaders(from, replyTo);
        start(Stage.DATA, transaction != null ? transaction : session);
    }

    /** RSET, or the end of a transaction: what belonged to it is forgotten. */
    public void reset() {
        forget(Stage.MAIL);
        forget(Stage.DATA);
        facts = new SessionFacts(facts.clientIp(), facts.helo(), null, null, null);
        transaction = null;
    }

    /** Completes (normally or not) when every check of {@code stage} started so far has answered. */
    public CompletableFuture<Void> answered(Stage stage) {
        CompletableFuture<?>[] running = suite.checks().stream()
                .filter(check -> check.stage() == stage)
                .map(check -> started.get(check.name()))
                .filter(Objects::nonNull)
                .toArray(CompletableFuture<?>[]::new);
        return CompletableFuture.allOf(running);
    }

    /** The verdict on every check started so far, once they have all answered. */
    public CompletableFuture<Evaluator.Evaluation> verdict() {
        SessionFacts now = facts;
        List<Map.Entry<String, CompletableFuture<CheckResult>>> running = List.copyOf(started.entrySet());
        Lookups sessionLookups = session;
        Lookups transactionLookups = transaction;
        CompletableFuture<?>[] all = running.stream().map(Map.Entry::getValue).toArray(CompletableFuture<?>[]::new);
        return CompletableFuture.allOf(all).thenApply(done -> {
            List<CheckResult> results = new ArrayList<>(running.size());
            for (Map.Entry<String, CompletableFuture<CheckResult>> e : running) {
                Optional<AllowlistEntry> hit = policy.allowlist().before(e.getKey(), now);
                results.add(hit.isPresent() ? allowlisted(e.getKey(), hit.get()) : e.getValue().join());
            }
            int asked = sessionLookups.questionsAsked() + (transactionLookups == null ? 0 : transactionLookups.questionsAsked());
            int refused = sessionLookups.questionsRefused() + (transactionLookups == null ? 0 : transactionLookups.questionsRefused());
            return new Evaluator.Evaluation(policy.decide(results), results, asked, refused);
        });
    }

    private void start(Stage stage, Lookups lookups) {
        for (Check check : suite.checks()) {
            if (check.stage() != stage) {
                continue;
            }
            Optional<AllowlistEntry> hit = policy.allowlist().before(check.name(), facts);
            // an allowlisted check asks nothing; the verdict re-applies the rules with later facts
            started.put(check.name(), hit.isPresent()
                    ? CompletableFuture.completedFuture(allowlisted(check.name(), hit.get()))
                    : check.run(facts, lookups));
        }
    }

    private void forget(Stage stage) {
        for (Check check : suite.checks()) {
            if (check.stage() == stage) {
                started.remove(check.name());
            }
        }
    }

    private static CheckResult allowlisted(String name, AllowlistEntry entry) {
        return CheckResult.of(name, Result.NONE, "allowlisted", entry.describe(), Map.of());
    }
}
