package org.mxguard.smtp;

import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import org.mxguard.check.Stage;
import org.mxguard.cluster.ClientStanding;
import org.mxguard.cluster.LocalState;
import org.mxguard.cluster.ReverseDnsSharing;
import org.mxguard.cluster.SharedState;
import org.mxguard.policy.AllowlistEntry.Cidr;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import java.util.function.Consumer;
import java.util.function.Function;
import org.mxguard.policy.Reply;
import org.mxguard.policy.SessionChecks;
import org.mxguard.queue.Envelope;
import org.mxguard.queue.Spool;
import org.mxguard.web.GatewayMetrics;

/**
 * What every session of one gateway shares: its settings, the relay rules, how to start a
 * session's checks, the spool and what to tell when a message is queued, and what is known of
 * clients (the {@link SharedState}: greeting-test passes, connection rates, trap hits, reverse-DNS
 * answers). The first three can be replaced while the gateway runs
 * ({@link #reload}): sessions under way finish with what they started with, new ones take the new.
 */
public final class GatewayContext {
    /** postscreen_greet_ttl: a client that waited for the banner once is not made to wait again for a day. */
    static final Duration GREETING_PASS_TTL = Duration.ofDays(1);

    /**
     * What a reload replaces, swapped as one.
     *
     * @param tls         the server's certificate and key, when STARTTLS is offered
     * @param xclientFrom clients that may send XCLIENT (checked against the address they connect from)
     */
    public record Setup(SessionSettings settings, RelayControl relay, Function<InetAddress, SessionChecks> checks,
            Optional<SSLContext> tls, List<Cidr> xclientFrom) {
        public Setup {
            Objects.requireNonNull(settings, "settings");
            Objects.requireNonNull(relay, "relay");
            Objects.requireNonNull(checks, "checks");
            Objects.requireNonNull(tls, "tls");
            xclientFrom = List.copyOf(xclientFrom);
        }

        public Setup(SessionSettings settings, RelayControl relay, Function<InetAddress, SessionChecks> checks,
                Optional<SSLContext> tls) {
            this(settings, relay, checks, tls, List.of());
        }

        boolean mayUseXclient(InetAddress client) {
            return xclientFrom.stream().anyMatch(c -> c.contains(client));
        }

        public Setup(SessionSettings settings, RelayControl relay, Function<InetAddress, SessionChecks> checks) {
            this(settings, relay, checks, Optional.empty());
        }
    }

    private volatile Setup setup;
    private final Spool spool;
    private final Consumer<Envelope> queued;
    private final Clock clock;

    /**
     * @param checks starts the checks of a session from its client's address
     * @param queued told of every message queued, e.g. the queue runner's {@code offer}
     */
    public GatewayContext(SessionSettings settings, RelayControl relay, Function<InetAddress, SessionChecks> checks,
            Spool spool, Consumer<Envelope> queued, Clock clock) {
        this(new Setup(settings, relay, checks), spool, queued, clock);
    }

    public GatewayContext(Setup setup, Spool spool, Consumer<Envelope> queued, Clock clock) {
        this(setup, spool, queued, clock, Guards.NONE);
    }

    /**
     * The defences that are not checks: a backup-MX guard for the domains this gateway is a
     * secondary MX of, the record of clients that connected to the trap MX, and a limit on how
     * often one client may connect (any of them null: none).
     */
    public record Guards(BackupMxGuard backupMx, TrapMx trap, ConnectionRate connectionRate) {
        public static final Guards NONE = new Guards(null, null, null);

        public Guards(BackupMxGuard backupMx, TrapMx trap) {
            this(backupMx, trap, null);
        }

        /** The window a connection is counted in; zero when nothing limits the rate. */
        Duration rateWindow() {
            return connectionRate == null ? Duration.ZERO : connectionRate.window();
        }

        Optional<Reply> rateRefusal(InetAddress client, ClientStanding standing) {
            return connectionRate == null ? Optional.empty() : connectionRate.refusal(client, standing.connections());
        }

        Optional<Reply> backupMxRefusal(String domain, InetAddress client) {
            return backupMx == null ? Optional.empty() : backupMx.refusal(domain, client);
        }

        Optional<Reply> trapRefusal(InetAddress client, boolean trapped) {
            return trap == null ? Optional.empty() : trap.refusal(client, trapped);
        }

        boolean backupMxTags(String domain) {
            return backupMx != null && backupMx.tags(domain);
        }

        boolean trapTags(boolean trapped) {
            return trap != null && trap.tags(trapped);
        }
    }

    private final Guards guards;
    private final SharedState state;
    private final ReverseDnsSharing reverseDns;
    private final GatewayMetrics metrics;
    private final TransactionLog transactions;

    public GatewayContext(Setup setup, Spool spool, Consumer<Envelope> queued, Clock clock, Guards guards) {
        this(setup, spool, queued, clock, guards, GatewayMetrics.noop(), new TransactionLog());
    }

    /**
     * @param metrics      counts connections, verdicts, check results and messages
     * @param transactions one JSON line per transaction (logger {@code mxguard.transactions})
     */
    public GatewayContext(Setup setup, Spool spool, Consumer<Envelope> queued, Clock clock, Guards guards,
            GatewayMetrics metrics, TransactionLog transactions) {
        this(setup, spool, queued, clock, guards, metrics, transactions,
                guards.trap() != null ? guards.trap().state() : new LocalState());
    }

    /** @param state what is known of clients: this process's own, or shared between nodes (the trap's too) */
    public GatewayContext(Setup setup, Spool spool, Consumer<Envelope> queued, Clock clock, Guards guards,
            GatewayMetrics metrics, TransactionLog transactions, SharedState state) {
        this(setup, spool, queued, clock, guards, metrics, transactions, state, null);
    }

    /**
     * @param reverseDns shares clients' reverse-DNS answers through {@code state} with the other
     *                   nodes; null when there are no other nodes
     */
    public GatewayContext(Setup setup, Spool spool, Consumer<Envelope> queued, Clock clock, Guards guards,
            GatewayMetrics metrics, TransactionLog transactions, SharedState state, ReverseDnsSharing reverseDns) {
        this.state = Objects.requireNonNull(state, "state");
        this.reverseDns = reverseDns;
        if (guards.trap() != null && guards.trap().state() != state) {
            // a session reads the trap's record with the rest of the client's standing: one store
            throw new IllegalArgumentException("the trap MX must record in the gateway's shared state");
        }
        this.metrics = Objects.requireNonNull(metrics, "metrics");
        this.transactions = Objects.requireNonNull(transactions, "transactions");
        this.guards = Objects.requireNonNull(guards, "guards");
        this.setup = Objects.requireNonNull(setup, "setup");
        this.spool = Objects.requireNonNull(spool, "spool");
        this.queued = Objects.requireNonNull(queued, "queued");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    Clock clock() {
        return clock;
    }

    Guards guards() {
        return guards;
    }

    GatewayMetrics metrics() {
        return metrics;
    }

    TransactionLog transactions() {
        return transactions;
    }

    /** The session factory for {@link SmtpServer#start}. */
    public SmtpServer.SessionFactory sessions() {
        return new SmtpServer.SessionFactory() {
            @Override
            public Runnable session(java.net.Socket socket, InetAddress client) {
                return new SmtpSession(socket, client, GatewayContext.this);
            }

            @Override
            public void refused(InetAddress client, String reply) {
                metrics.connectionRefused(GatewayMetrics.REFUSED_LIMIT);
                String[] parts = reply.split(" ", 3);
                transactions.write(TransactionRecord.builder(TransactionRecord.Outcome.REFUSED_LIMIT, clock.instant(), client)
                        .reply(new Reply(Integer.parseInt(parts[0]), parts[1], parts[2])).build());
            }
        };
    }

    /** New settings, relay rules and checks for the sessions that start from now on. */
    public void reload(Setup next) {
        setup = Objects.requireNonNull(next, "next");
    }

    Setup setup() {
        return setup;
    }

    SessionSettings settings() {
        return setup.settings();
    }

    Spool spool() {
        return spool;
    }

    void queued(Envelope envelope) {
        queued.accept(envelope);
    }

    /**
     * What is known of a client whose connection starts now; the connection is counted for the
     * rate limit, and the reverse-DNS answers another node shared are in the DNS cache when this returns.
     */
    ClientStanding standing(InetAddress client) {
        return adopted(state.connected(client, guards.rateWindow()));
    }

    /** What is known of a client an XCLIENT names: its connection was counted where it was made. */
    ClientStanding standingAfterXclient(InetAddress client) {
        return adopted(state.connected(client, Duration.ZERO));
    }

    private ClientStanding adopted(ClientStanding standing) {
        if (reverseDns != null) {
            reverseDns.adopt(standing);
        }
        return standing;
    }

    /**
     * Once the connect checks have answered, shares the client's reverse-DNS answers with the
     * other nodes, unless they came from another node.
     */
    void shareReverseDns(InetAddress client, ClientStanding standing, SessionChecks checks) {
        if (reverseDns != null && standing.reverseDns().isEmpty()) {
            checks.answered(Stage.CONNECT).whenComplete((done, failure) -> reverseDns.publish(client));
        }
    }

    void greetingPassed(InetAddress client) {
        state.recordGreetingPass(client, GREETING_PASS_TTL);
    }
}
