package org.mxguard.smtp;

import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import org.mxguard.check.CheckResult;
import org.mxguard.check.IprevCheck;
import org.mxguard.check.Result;
import org.mxguard.dns.DnsNames;
import org.mxguard.policy.Action;
import org.mxguard.policy.Decision;
import org.mxguard.policy.Evaluator;
import org.mxguard.policy.Reply;

/**
 * What happened in one SMTP transaction, or in a connection that ended without one: the line
 * {@link TransactionLog} writes. Immutable; the lists are copies. Build one with {@link #builder}.
 *
 * @param time              when the final reply was given (or the connection ended)
 * @param outcome           what became of it; its {@link Outcome#event() event} says which kind of record this is
 * @param clientIp          the client's address, IPv6 compressed
 * @param ptr               the client's forward-confirmed PTR name, or null
 * @param helo              the HELO/EHLO name as given, or null
 * @param mailFrom          the MAIL FROM address without brackets, "" for the null reverse-path, null without MAIL
 * @param recipients        the recipients accepted (250), in order
 * @param refusedRecipients the recipients refused, each with the reply it was given
 * @param checks            every check result of the final verdict
 * @param verdict           the final verdict, or null when no verdict was taken
 * @param dryRun            the gateway refused nothing: {@code verdict} is what it would have done
 * @param queueId           the queue id when the message was queued, else null
 * @param size              the message's size in octets as received, or null without message data
 * @param dnsQuestions      distinct DNS questions the verdict asked (from the cache or the network)
 * @param dnsRefused        DNS questions the verdict's query budget refused
 * @param reply             the final reply the client was given, or null (e.g. it went away)
 * @param transactionTime   from MAIL FROM to the final reply, or null without a transaction
 * @param sessionTime       from the connection to the final reply, or null
 */
public record TransactionRecord(
        Instant time,
        Outcome outcome,
        String clientIp,
        String ptr,
        String helo,
        String mailFrom,
        List<String> recipients,
        List<RefusedRecipient> refusedRecipients,
        List<CheckEntry> checks,
        VerdictEntry verdict,
        boolean dryRun,
        String queueId,
        Long size,
        int dnsQuestions,
        int dnsRefused,
        Reply reply,
        Duration transactionTime,
        Duration sessionTime) {

    public TransactionRecord {
        Objects.requireNonNull(time, "time");
        Objects.requireNonNull(outcome, "outcome");
        Objects.requireNonNull(clientIp, "clientIp");
        recipients = List.copyOf(recipients);
        refusedRecipients = List.copyOf(refusedRecipients);
        checks = List.copyOf(checks);
        if (size != null && size < 0) {
            throw new IllegalArgumentException("negative size: " + size);
        }
    }

    /** The kind of record, the JSON field {@code event}. */
    public enum Event {
        /** A MAIL transaction ended: queued, refused, or abandoned. */
        TRANSACTION,
        /** A session ended without any transaction. */
        SESSION,
        /** A connection was refused before its session began. */
        REFUSED,
        /** The Postfix policy service answered a request ({@code mxguard policy}). */
        POLICY;

        private final String text = name().toLowerCase(Locale.ROOT);

        public String text() {
            return text;
        }
    }

    /** What became of a transaction or connection, the JSON field {@code outcome}. */
    public enum Outcome {
        /** The message was committed to the spool and acknowledged with 250. */
        QUEUED(Event.TRANSACTION),
        /** The transaction ended refused with a 5xx: by policy at MAIL, RCPT or end of DATA, or for its size or syntax. */
        REJECTED(Event.TRANSACTION),
        /** The transaction ended refused with a 4xx: policy tempfail, a full spool, checks that failed. */
        TEMPFAILED(Event.TRANSACTION),
        /** The client gave up on the transaction (RSET, QUIT, a new MAIL after HELO, gone) before a final reply. */
        ABORTED(Event.TRANSACTION),
        /** A session without any transaction ended (QUIT, timeout, too many errors, gone). */
        CLOSED(Event.SESSION),
        /** Refused before the session: over the total or the per-client connection limit. */
        REFUSED_LIMIT(Event.REFUSED),
        /** Refused before the session: the client talked before the greeting was complete. */
        PREGREET(Event.REFUSED),
        /** Policy service: no objection (access(5) DUNNO); Postfix goes on with its other restrictions. */
        DUNNO(Event.POLICY),
        /** Policy service: no objection, and a header field for Postfix to add (PREPEND). */
        PREPEND(Event.POLICY),
        /** Policy service: refused for good (REJECT). */
        REJECT(Event.POLICY),
        /** Policy service: refused for now (DEFER_IF_PERMIT). */
        DEFER_IF_PERMIT(Event.POLICY);

        private final Event event;
        private final String text = name().toLowerCase(Locale.ROOT);

        Outcome(Event event) {
            this.event = event;
        }

        public Event event() {
            return event;
        }

        /** The JSON value: lower case, as the metrics' label values ({@code refused_limit}). */
        public String text() {
            return text;
        }

        /** REJECTED for a 5xx reply, TEMPFAILED for any other refusal. */
        public static Outcome refusedWith(Reply reply) {
            return reply.code() >= 500 ? REJECTED : TEMPFAILED;
        }
    }

    /** A recipient refused, and the reply it got (relay denied, policy, too many recipients). */
    public record RefusedRecipient(String address, Reply reply) {
        public RefusedRecipient {
            Objects.requireNonNull(address, "address");
            Objects.requireNonNull(reply, "reply");
        }
    }

    /**
     * One check's result in the verdict.
     *
     * @param problem "" on pass, as in {@link CheckResult#problem()}
     * @param action  the action the policy gave it, or null when only the result is known
     */
    public record CheckEntry(String name, Result result, String problem, String reason, Action action) {
        public CheckEntry {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(result, "result");
            problem = problem == null ? "" : problem;
            reason = reason == null ? "" : reason;
        }

        public static CheckEntry of(CheckResult r) {
            return new CheckEntry(r.name(), r.result(), r.problem(), r.reason(), null);
        }

        public static CheckEntry of(Decision d) {
            CheckResult r = d.result();
            return new CheckEntry(r.name(), r.result(), r.problem(), r.reason(), d.action());
        }
    }

    /**
     * The final verdict.
     *
     * @param reply the reply the policy gives for the action (250 for accept, log and tag)
     * @param stage where it was taken: helo, mail, rcpt or data (the stages of the metrics)
     */
    public record VerdictEntry(Action action, Reply reply, String stage) {
        public VerdictEntry {
            Objects.requireNonNull(action, "action");
            Objects.requireNonNull(reply, "reply");
            Objects.requireNonNull(stage, "stage");
        }
    }

    /**
     * A record under construction.
     *
     * @param client the client's address (rendered as {@link DnsNames#text})
     */
    public static Builder builder(Outcome outcome, Instant time, InetAddress client) {
        return new Builder(outcome, time, DnsNames.text(DnsNames.canonical(client)));
    }

    /**
     * A record under construction, for a client whose address is text already.
     *
     * @param clientIp the client's address as {@link DnsNames#text} writes it (IPv4-mapped IPv6 as IPv4)
     */
    public static Builder builder(Outcome outcome, Instant time, String clientIp) {
        return new Builder(outcome, time, Objects.requireNonNull(clientIp, "clientIp"));
    }

    /** The first forward-confirmed PTR name of a passing iprev result among these, or null. */
    public static String confirmedPtr(Collection<CheckResult> results) {
        for (CheckResult r : results) {
            if (r.name().equals(IprevCheck.NAME) && r.result() == Result.PASS) {
                List<String> names = IprevCheck.confirmedNames(r);
                if (!names.isEmpty()) {
                    return names.get(0).strip();
                }
            }
        }
        return null;
    }

    /** Builds a {@link TransactionRecord}; every field but outcome, time and client may be left out. */
    public static final class Builder {
        private final Outcome outcome;
        private final Instant time;
        private final String clientIp;
        private String ptr;
        private String helo;
        private String mailFrom;
        private final List<String> recipients = new ArrayList<>();
        private final List<RefusedRecipient> refused = new ArrayList<>();
        private final List<CheckEntry> checks = new ArrayList<>();
        private VerdictEntry verdict;
        private boolean dryRun;
        private String queueId;
        private Long size;
        private int dnsQuestions;
        private int dnsRefused;
        private Reply reply;
        private Duration transactionTime;
        private Duration sessionTime;

        private Builder(Outcome outcome, Instant time, String clientIp) {
            this.outcome = Objects.requireNonNull(outcome, "outcome");
            this.time = Objects.requireNonNull(time, "time");
            this.clientIp = clientIp;
        }

        /** The confirmed PTR name; {@link #evaluation} sets it from the iprev result when not set here. */
        public Builder ptr(String name) {
            this.ptr = name;
            return this;
        }

        public Builder helo(String name) {
            this.helo = name;
            return this;
        }

        /** The MAIL FROM address without brackets, "" for the null reverse-path. */
        public Builder mailFrom(String address) {
            this.mailFrom = address;
            return this;
        }

        /** The recipients accepted; replaces any given before. */
        public Builder recipients(Collection<String> accepted) {
            recipients.clear();
            recipients.addAll(accepted);
            return this;
        }

        /** One more refused recipient. */
        public Builder refusedRecipient(String address, Reply refusal) {
            refused.add(new RefusedRecipient(address, refusal));
            return this;
        }

        /** The refused recipients; replaces any given before. */
        public Builder refusedRecipients(Collection<RefusedRecipient> all) {
            refused.clear();
            refused.addAll(all);
            return this;
        }

        /**
         * The final verdict with its check results (each with the policy's action), DNS counts, and
         * the confirmed PTR name unless one was given.
         *
         * @param stage where the verdict was taken: helo, mail, rcpt or data
         */
        public Builder evaluation(Evaluator.Evaluation evaluation, String stage) {
            checks.clear();
            for (Decision d : evaluation.verdict().decisions()) {
                checks.add(CheckEntry.of(d));
            }
            verdict = new VerdictEntry(evaluation.verdict().action(), evaluation.verdict().reply(), stage);
            dnsQuestions = evaluation.dnsQuestions();
            dnsRefused = evaluation.dnsRefused();
            if (ptr == null) {
                ptr = confirmedPtr(evaluation.results());
            }
            return this;
        }

        /** Check results without a verdict; replaces any given before. */
        public Builder checks(Collection<CheckEntry> entries) {
            checks.clear();
            checks.addAll(entries);
            return this;
        }

        public Builder verdict(VerdictEntry entry) {
            this.verdict = entry;
            return this;
        }

        public Builder dns(int questions, int refusedQuestions) {
            this.dnsQuestions = questions;
            this.dnsRefused = refusedQuestions;
            return this;
        }

        public Builder dryRun(boolean dry) {
            this.dryRun = dry;
            return this;
        }

        public Builder queueId(String id) {
            this.queueId = id;
            return this;
        }

        public Builder size(long octets) {
            this.size = octets;
            return this;
        }

        /** The final reply the client was given. */
        public Builder reply(Reply finalReply) {
            this.reply = finalReply;
            return this;
        }

        public Builder transactionTime(Duration took) {
            this.transactionTime = took;
            return this;
        }

        public Builder sessionTime(Duration took) {
            this.sessionTime = took;
            return this;
        }

        public TransactionRecord build() {
            return new TransactionRecord(time, outcome, clientIp, ptr, helo, mailFrom, recipients, refused, checks,
                    verdict, dryRun, queueId, size, dnsQuestions, dnsRefused, reply, transactionTime, sessionTime);
        }
    }
}
