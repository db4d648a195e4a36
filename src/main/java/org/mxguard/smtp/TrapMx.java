package org.mxguard.smtp;

import com.github.benmanes.caffeine.cache.Ticker;
import java.net.InetAddress;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import org.mxguard.cluster.LocalState;
import org.mxguard.cluster.SharedState;
import org.mxguard.dns.DnsNames;
import org.mxguard.policy.Action;
import org.mxguard.policy.Reply;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The clients that connected to the trap MX ({@link TrapListener}), each remembered for the expiry
 * after its latest visit, and what the SMTP listener does with them.
 *
 * <p>The trap is published as an MX host that no sender following RFC 5321 section 5.1 needs: the
 * least preferred MX (the highest preference number), tried only when every real MX has failed.
 * Spam software that goes to the "backup" first, or to every MX at once, connects there and is
 * then known when it comes to the real listener.
 *
 * <p>A client that returns to the trap is recorded again, so its expiry counts from its last visit
 * (expire after write, not after access: asking whether a client is trapped never extends it). The
 * record is kept in a {@link SharedState}: this process's memory ({@link LocalState}, at most
 * {@link LocalState#MAX_ENTRIES} addresses), or Redis, so that every node of a cluster refuses a
 * client that connected to any node's trap.
 *
 * <p>Addresses are compared in canonical form: an IPv4 client seen as {@code ::ffff:192.0.2.7} on a
 * dual-stack socket is {@code 192.0.2.7}.
 */
public final class TrapMx {
    private static final Logger log = LoggerFactory.getLogger(TrapMx.class);
    public static final Duration DEFAULT_EXPIRY = Duration.ofHours(24);
    public static final Action DEFAULT_ACTION = Action.REJECT;
    private static final String TEXT = "Client host rejected: it connected to a trap MX";

    private final Duration expiry;
    private final Action action;
    private final SharedState state;

    /** A trap with the default expiry (24 h) and action (reject). */
    public TrapMx() {
        this(DEFAULT_EXPIRY, DEFAULT_ACTION);
    }

    public TrapMx(Duration expiry, Action action) {
        this(expiry, action, Ticker.systemTicker());
    }

    /** @param ticker the clock expiry is measured with (tests pass a fake one) */
    public TrapMx(Duration expiry, Action action, Ticker ticker) {
        this(expiry, action, new LocalState(ticker));
    }

    /** @param state where clients are recorded: this process's memory, or shared between nodes */
    public TrapMx(Duration expiry, Action action, SharedState state) {
        this.expiry = Objects.requireNonNull(expiry, "expiry");
        this.action = Objects.requireNonNull(action, "action");
        this.state = Objects.requireNonNull(state, "state");
        if (expiry.isNegative() || expiry.isZero()) {
            throw new IllegalArgumentException("the expiry must be positive");
        }
        if (action == Action.ACCEPT) {
            throw new IllegalArgumentException("accept would do nothing: use log, tag, tempfail or reject");
        }
    }

    /** Where the clients are recorded. */
    SharedState state() {
        return state;
    }

    public Duration expiry() {
        return expiry;
    }

    public Action action() {
        return action;
    }

    /**
     * Records that {@code client} connected to the trap, for {@link #expiry()} from now (again, if
     * it was recorded before).
     *
     * @return true when it was not recorded before (or its record had expired)
     */
    public boolean record(InetAddress client) {
        return state.recordTrapHit(DnsNames.canonical(client), expiry);
    }

    /** True while {@code client} is recorded: it connected to the trap less than the expiry ago. */
    public boolean isTrapped(InetAddress client) {
        return state.trapped(DnsNames.canonical(client));
    }

    /**
     * What the SMTP listener answers a trapped client: {@code 550 5.7.1} (reject) or {@code 450 4.7.1}
     * (tempfail); empty for a client that is not trapped, and for the actions log and tag, which
     * log the client instead (and tag marks its messages: {@link #tags}).
     */
    public Optional<Reply> refusal(InetAddress client) {
        return refusal(client, isTrapped(client));
    }

    /** {@link #refusal(InetAddress)} with what the session already read of the client ({@code trapped}). */
    public Optional<Reply> refusal(InetAddress client, boolean trapped) {
        if (!trapped) {
            return Optional.empty();
        }
        return switch (action) {
            case REJECT -> Optional.of(new Reply(550, "5.7.1", TEXT));
            case TEMPFAIL -> Optional.of(new Reply(450, "4.7.1", TEXT));
            default -> {
                log.info("{}: connected to a trap MX; action {}: not refused", DnsNames.text(client), action.text());
                yield Optional.empty();
            }
        };
    }

    /** True when {@code client}'s messages are to be tagged: action tag, and the client is recorded. */
    public boolean tags(InetAddress client) {
        return tags(isTrapped(client));
    }

    /** {@link #tags(InetAddress)} with what the session already read of the client. */
    public boolean tags(boolean trapped) {
        return action == Action.TAG && trapped;
    }
}
