package org.mxguard.smtp;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.mxguard.cluster.LocalState;
import org.mxguard.cluster.PrimaryHealth;
import org.mxguard.cluster.SharedState;
import org.mxguard.dns.DnsNames;
import org.mxguard.policy.Action;
import org.mxguard.policy.Reply;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The backup-MX guard: for each domain this gateway is a secondary MX of, it probes the domain's
 * primary MX, and while the primary is healthy it gives mail for the domain arriving here the
 * configured action at RCPT TO. Legitimate senders try the most preferred MX first and come to
 * the backup only when it fails them; spam software often goes to the backup directly, hoping its
 * filtering is weaker.
 *
 * <p>A probe ({@link SmtpProbe}) connects to the primary's address with a timeout, reads its greeting and calls the
 * primary healthy if and only if a complete {@code 220} greeting (every line of a multi-line one,
 * so that a postscreen-style pregreet test on the primary is respected) arrives within the
 * timeout; then it says {@code QUIT}, waits briefly for the {@code 221}, and closes. Primaries that
 * share an address and an interval are probed once for all their domains. Each primary is probed
 * on its own virtual thread, at once when the guard starts and then after every interval.
 * Results are published in the gateway's {@link SharedState}: with nodes sharing it (Redis), a node
 * that finds a result younger than the interval takes it instead of probing, so the nodes agree on
 * the primary's health and the primary is probed about once an interval, not once a node.
 *
 * <p>The guard <b>fails open</b>: a domain whose primary is down, not yet probed, or whose latest
 * result is stale (older than two intervals plus two timeouts: the prober is stuck or gone) gets
 * no refusal, and neither does anything once the guard is closed. Refusing mail on a guess would
 * turn a broken probe into lost mail.
 *
 * <p>Actions: {@code tempfail} (the default) answers {@code 450 4.7.1}, so a sender that reached
 * the backup by mistake (a network problem between it and the primary only) retries later and
 * loses nothing; {@code reject} answers {@code 550 5.7.1}; {@code log} refuses nothing and logs
 * what it would have refused; {@code tag} refuses nothing and the message gets
 * {@code X-Mxguard-Tag: backup-mx=primary-up} ({@link #tags}), for the mailbox's filters.
 */
public final class BackupMxGuard implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(BackupMxGuard.class);
    /** Connecting and reading the whole greeting: enough for a primary with postscreen's 6 s greet wait. */
    public static final Duration DEFAULT_PROBE_TIMEOUT = Duration.ofSeconds(15);

    /**
     * One domain this gateway is a backup MX for.
     *
     * @param domain        the recipient domain; normalized to lower-case A-labels without a trailing dot
     * @param primary       the primary MX's IP address and port (resolved: no name lookup at probe time)
     * @param probeInterval the pause between the end of one probe and the start of the next
     * @param action        tempfail, reject, log or tag; not accept
     */
    public record Entry(String domain, InetSocketAddress primary, Duration probeInterval, Action action) {
        public Entry {
            Objects.requireNonNull(domain, "domain");
            Objects.requireNonNull(primary, "primary");
            Objects.requireNonNull(probeInterval, "probeInterval");
            Objects.requireNonNull(action, "action");
            domain = MailDomain.normalize(domain.strip());
            if (primary.isUnresolved()) {
                throw new IllegalArgumentException("primary " + primary + " is not an IP address");
            }
            if (probeInterval.isNegative() || probeInterval.isZero()) {
                throw new IllegalArgumentException("the probe interval must be positive");
            }
            if (action == Action.ACCEPT) {
                throw new IllegalArgumentException("accept would do nothing: use log, tag, tempfail or reject");
            }
        }
    }

    /** The domains of one primary probed at one interval: one probe serves them all. */
    private record Target(InetSocketAddress primary, Duration interval) {
    }

    private final Map<String, Entry> entries;
    private final Map<Target, List<String>> targets;
    private final Duration timeout;
    private final Clock clock;
    private final SharedState shared;
    private final Map<String, PrimaryHealth> health = new ConcurrentHashMap<>();
    private final List<Thread> probers = new ArrayList<>();
    private volatile boolean closed;

    /** Configured, not yet probing: {@link #start} starts it; tests may call {@link #probeNow} instead. */
    BackupMxGuard(List<Entry> entries, Duration probeTimeout, Clock clock) {
        this(entries, probeTimeout, clock, new LocalState());
    }

    BackupMxGuard(List<Entry> entries, Duration probeTimeout, Clock clock, SharedState shared) {
        this.shared = Objects.requireNonNull(shared, "shared");
        this.timeout = Objects.requireNonNull(probeTimeout, "probeTimeout");
        this.clock = Objects.requireNonNull(clock, "clock");
        if (probeTimeout.isNegative() || probeTimeout.isZero() || probeTimeout.toMillis() > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("the probe timeout must be positive and below 24 days");
        }
        Map<String, Entry> byDomain = new LinkedHashMap<>();
        Map<Target, List<String>> byTarget = new LinkedHashMap<>();
        for (Entry e : entries) {
            if (byDomain.putIfAbsent(e.domain(), e) != null) {
                throw new IllegalArgumentException("backup MX domain " + e.domain() + " is given twice");
            }
            byTarget.computeIfAbsent(new Target(e.primary(), e.probeInterval()), t -> new ArrayList<>())
                    .add(e.domain());
        }
        this.entries = Collections.unmodifiableMap(byDomain);
        Map<Target, List<String>> frozen = new LinkedHashMap<>();
        byTarget.forEach((t, domains) -> frozen.put(t, List.copyOf(domains)));
        this.targets = Collections.unmodifiableMap(frozen);
    }

    /** Starts probing every primary now and then after each interval, with the default timeout. */
    public static BackupMxGuard start(List<Entry> entries) {
        return start(entries, DEFAULT_PROBE_TIMEOUT, Clock.systemUTC());
    }

    /**
     * Starts probing every primary now and then after each interval. Returns at once: until a
     * domain's first probe ends, its primary's health is unknown and nothing is refused.
     *
     * @param probeTimeout the longest a probe may take to connect and read the whole greeting
     */
    public static BackupMxGuard start(List<Entry> entries, Duration probeTimeout, Clock clock) {
        return start(entries, probeTimeout, clock, new LocalState());
    }

    /** @param shared where probe results are published and found (other nodes' too) */
    public static BackupMxGuard start(List<Entry> entries, Duration probeTimeout, Clock clock, SharedState shared) {
        BackupMxGuard guard = new BackupMxGuard(entries, probeTimeout, clock, shared);
        guard.startProbing();
        return guard;
    }

    private synchronized void startProbing() {
        targets.forEach((target, domains) -> probers.add(Thread.ofVirtual()
                .name("backup-mx-probe-" + DnsNames.text(target.primary()))
                .start(() -> probeLoop(target, domains))));
    }

    private void probeLoop(Target target, List<String> domains) {
        String key = DnsNames.text(target.primary());
        while (!closed) {
            PrimaryHealth h;
            try {
                Optional<PrimaryHealth> recent = shared.primaryHealth(key)
                        .filter(r -> Duration.between(r.checked(), clock.instant()).compareTo(target.interval()) < 0);
                if (recent.isPresent()) {
                    h = recent.get(); // another node probed it within the interval
                } else {
                    h = probe(target.primary());
                    shared.publishPrimaryHealth(key, h, target.interval().plus(timeout).multipliedBy(2));
                }
            } catch (RuntimeException bug) {
                log.error("backup-mx {}: probing {} failed", domains, DnsNames.text(target.primary()), bug);
                h = down("probe failed: " + bug);
            }
            if (closed) {
                return;
            }
            update(target, domains, h);
            try {
                Thread.sleep(target.interval());
            } catch (InterruptedException e) {
                return; // closed
            }
        }
    }

    /** Probes every primary once, now, on the calling thread, and records the results. */
    void probeNow() {
        targets.forEach((target, domains) -> update(target, domains, probe(target.primary())));
    }

    private void update(Target target, List<String> domains, PrimaryHealth h) {
        PrimaryHealth before = health.get(domains.getFirst());
        for (String d : domains) {
            health.put(d, h);
        }
        if (before == null || before.up() != h.up()) {
            if (h.up()) {
                log.info("backup-mx {}: primary {} is up ({}): mail for it here gets the action", domains,
                        DnsNames.text(target.primary()), h.detail());
            } else {
                log.warn("backup-mx {}: primary {} is down ({}): mail for it is accepted here", domains,
                        DnsNames.text(target.primary()), h.detail());
            }
        }
    }

    /** The domains configured, normalized. */
    public List<Entry> entries() {
        return List.copyOf(entries.values());
    }

    /** The latest probe of {@code domain}'s primary; empty when the domain is not configured or not probed yet. */
    public Optional<PrimaryHealth> health(String domain) {
        return entry(domain).map(e -> health.get(e.domain()));
    }

    /** {@link #refusal(String, InetAddress)} without a client for the log. */
    public Optional<Reply> refusal(String recipientDomain) {
        return refusal(recipientDomain, null);
    }

    /**
     * The reply to give at RCPT TO for a recipient in {@code recipientDomain}: present while the
     * domain's primary is known to be healthy and the action is tempfail or reject; empty when the
     * domain is not one this gateway backs up, its primary is down, unknown or its health stale,
     * the guard is closed, or the action is log or tag (which log what they would have refused).
     *
     * @param recipientDomain as {@link SmtpPath#domain()} gives it; any case and a U-label work too
     * @param client          for the log line only; may be null
     */
    public Optional<Reply> refusal(String recipientDomain, InetAddress client) {
        Optional<Entry> guarded = primaryUp(recipientDomain);
        if (guarded.isEmpty()) {
            return Optional.empty();
        }
        Entry e = guarded.get();
        Reply reply = reply(e.domain(), e.action() == Action.REJECT ? Action.REJECT : Action.TEMPFAIL);
        String who = client == null ? "" : DnsNames.text(client) + ": ";
        if (e.action() == Action.LOG || e.action() == Action.TAG) {
            log.info("{}backup-mx {}: primary {} is up; action {}: would have answered {}", who, e.domain(),
                    DnsNames.text(e.primary()), e.action().text(), reply);
            return Optional.empty();
        }
        log.debug("{}backup-mx {}: primary {} is up: {}", who, e.domain(), DnsNames.text(e.primary()), reply);
        return Optional.of(reply);
    }

    /** True when mail for {@code recipientDomain} is to be tagged: action tag, and the primary is up. */
    public boolean tags(String recipientDomain) {
        return primaryUp(recipientDomain).filter(e -> e.action() == Action.TAG).isPresent();
    }

    /** The domain's entry while its primary is known to be up, by a probe fresh enough to trust. */
    private Optional<Entry> primaryUp(String recipientDomain) {
        if (closed || recipientDomain == null) {
            return Optional.empty();
        }
        Optional<Entry> found = entry(recipientDomain);
        if (found.isEmpty()) {
            return Optional.empty();
        }
        Entry e = found.get();
        PrimaryHealth h = health.get(e.domain());
        if (h == null || !h.up()) {
            return Optional.empty(); // fail open: down, or not known yet
        }
        Duration age = Duration.between(h.checked(), clock.instant());
        if (age.compareTo(staleAfter(e)) > 0) {
            log.warn("backup-mx {}: the last probe of {} is {} s old; not refusing on stale news", e.domain(),
                    DnsNames.text(e.primary()), age.toSeconds());
            return Optional.empty();
        }
        return found;
    }

    /** The reply for {@code action} (tempfail or reject) about {@code domain}. */
    static Reply reply(String domain, Action action) {
        String text = "<" + domain + ">: this is a backup MX and the primary is up; use the primary MX";
        return action == Action.REJECT ? new Reply(550, "5.7.1", text) : new Reply(450, "4.7.1", text);
    }

    /** A result older than this is no longer believed: two rounds were missed. */
    Duration staleAfter(Entry e) {
        return e.probeInterval().plus(timeout).multipliedBy(2);
    }

    private Optional<Entry> entry(String domain) {
        Entry e = entries.get(domain);
        if (e != null) {
            return Optional.of(e);
        }
        try {
            return Optional.ofNullable(entries.get(MailDomain.normalize(domain.strip())));
        } catch (IllegalArgumentException notADomain) {
            return Optional.empty(); // an address literal, say
        }
    }

    /** Stops probing; from now on nothing is refused. */
    @Override
    public void close() {
        closed = true;
        List<Thread> threads;
        synchronized (this) {
            threads = List.copyOf(probers);
        }
        for (Thread t : threads) {
            t.interrupt(); // a virtual thread blocked on a socket has the socket closed
        }
        for (Thread t : threads) {
            try {
                t.join(timeout.plusSeconds(1));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    // --- the probe ---

    /** Connects, reads the greeting, says QUIT. Never throws: every failure is a PrimaryHealth that is down. */
    PrimaryHealth probe(InetSocketAddress primary) {
        SmtpProbe.Result r = SmtpProbe.greet(primary, timeout);
        if (r.outcome() != SmtpProbe.Outcome.GREETED) {
            return down(r.detail());
        }
        boolean up = r.accepts();
        return new PrimaryHealth(up, clock.instant(), (up ? "" : "greeted with ") + r.detail());
    }

    private PrimaryHealth down(String why) {
        return new PrimaryHealth(false, clock.instant(), why);
    }
}
