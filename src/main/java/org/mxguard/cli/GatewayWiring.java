package org.mxguard.cli;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import java.util.Set;
import org.mxguard.check.CheckSuite;
import org.mxguard.check.GenericNameClassifier;
import org.mxguard.cluster.LocalState;
import org.mxguard.cluster.RedisState;
import org.mxguard.cluster.ReverseDnsSharing;
import org.mxguard.cluster.SharedState;
import org.mxguard.config.ClusterSettings;
import org.mxguard.config.MxguardConfig;
import org.mxguard.config.SmtpSettings;
import org.mxguard.delivery.Transports;
import org.mxguard.dns.CachingResolver;
import org.mxguard.dns.Resolver;
import org.mxguard.policy.Policy;
import org.mxguard.policy.SessionChecks;
import org.mxguard.smtp.BackupMxGuard;
import org.mxguard.smtp.ConnectionRate;
import org.mxguard.smtp.GatewayContext;
import org.mxguard.smtp.TrapListener;
import org.mxguard.smtp.TrapMx;
import org.mxguard.smtp.TransactionLog;
import org.mxguard.web.GatewayMetrics;
import org.mxguard.smtp.RelayControl;
import org.mxguard.smtp.SessionSettings;
import org.mxguard.smtp.ServerTls;
import org.mxguard.smtp.SmtpServer;
import org.mxguard.smtp.TlsFilesException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The inbound side put together from the configuration: the SMTP listeners, each session's checks
 * and policy, relay control, and the spool and queue runner of a {@link DeliveryWiring}, so that
 * what is accepted is queued durably and offered for delivery at once.
 */
final class GatewayWiring implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(GatewayWiring.class);

    private final SmtpServer server;
    private final BackupMxGuard backupMx;
    private final TrapListener trapListener;
    private final GatewayContext context;
    private final SharedState state;
    private final Resolver dns;
    private final String hostname;
    private volatile MxguardConfig config;

    private GatewayWiring(SmtpServer server, BackupMxGuard backupMx, TrapListener trapListener, GatewayContext context,
            SharedState state, Resolver dns, String hostname, MxguardConfig config) {
        this.state = state;
        this.server = server;
        this.backupMx = backupMx;
        this.trapListener = trapListener;
        this.context = context;
        this.dns = dns;
        this.hostname = hostname;
        this.config = config;
    }

    /**
     * Starts listening.
     *
     * @param dns the long-lived caching resolver the checks share
     * @throws IOException a listen address cannot be bound
     */
    static GatewayWiring start(MxguardConfig config, Resolver dns, DeliveryWiring delivery, Clock clock)
            throws IOException {
        return start(config, dns, delivery, clock, GatewayMetrics.noop());
    }

    static GatewayWiring start(MxguardConfig config, Resolver dns, DeliveryWiring delivery, Clock clock,
            GatewayMetrics metrics) throws IOException {
        SmtpSettings smtp = config.smtp();
        String hostname = smtp.hostname().orElse(delivery.heloName());
        GatewayContext.Setup setup = setup(config, config.delivery().transports(), hostname, dns);
        SharedState state = sharedState(config.cluster(), metrics);
        BackupMxGuard backupMx = BackupMxGuard.start(config.backupMx().stream()
                .map(b -> new BackupMxGuard.Entry(b.domain(), b.primary(), b.probeInterval(), b.action())).toList(),
                BackupMxGuard.DEFAULT_PROBE_TIMEOUT, Clock.systemUTC(), state);
        TrapMx trap = new TrapMx(config.trap().expiry(), config.trap().action(), state);
        ConnectionRate rate = smtp.maxConnectionRatePerClient() > 0
                ? new ConnectionRate(smtp.maxConnectionRatePerClient(), ConnectionRate.DEFAULT_WINDOW) : null;
        GatewayContext context = new GatewayContext(setup, delivery.spool(),
                queued -> delivery.runner().offer(queued.id()), clock, new GatewayContext.Guards(backupMx, trap, rate),
                metrics, new TransactionLog(), state,
                state instanceof RedisState && dns instanceof CachingResolver cache ? new ReverseDnsSharing(cache, state) : null);
        SmtpServer server;
        TrapListener trapListener = null;
        try {
            server = SmtpServer.start(smtp.listen(),
                    new SmtpServer.Limits(smtp.maxConnections(), smtp.maxConnectionsPerClient()), smtp.proxyProtocolFrom(),
                    context.sessions());
            try {
                if (config.trap().enabled()) {
                    trapListener = TrapListener.start(config.trap().listen(), trap);
                }
            } catch (IOException | RuntimeException e) {
                server.close();
                throw e;
            }
        } catch (IOException | RuntimeException e) {
            backupMx.close();
            state.close();
            throw e;
        }
        metrics.openConnectionsFrom(server::openConnections);
        metrics.queueSizeFrom(() -> delivery.spool().size());
        return new GatewayWiring(server, backupMx, trapListener, context, state, dns, hostname, config);
    }

    /** In this process, or in Redis (with this process's state to fall back on) when [cluster] redis is set. */
    private static SharedState sharedState(ClusterSettings cluster, GatewayMetrics metrics) {
        if (cluster.redis().isEmpty()) {
            return new LocalState();
        }
        RedisState redis = RedisState.start(cluster.redis().get(), cluster.timeout(), new LocalState());
        metrics.sharedStateFrom(redis::up, redis::commands, redis::fallbacks);
        return redis;
    }

    /**
     * Takes a re-read configuration: policy, allowlist, relay domains, trusted networks, limits and
     * timeouts apply to sessions that start from now on; sessions under way are not dropped. What
     * needs a restart (listen addresses, connection limits, the spool, delivery, metrics) is said in the log.
     */
    void reload(MxguardConfig next) throws IOException {
        MxguardConfig previous = config;
        // an administrator who reloads has often just fixed DNS: old answers must not outlive it
        if (dns instanceof CachingResolver cache) {
            cache.clear();
        }
        // routing is built once: accepting for a relay domain the router does not know would send it by MX
        context.reload(setup(next, previous.delivery().transports(), hostname, dns));
        config = next;
        if (!next.smtp().listen().equals(previous.smtp().listen())
                || next.smtp().maxConnections() != previous.smtp().maxConnections()
                || next.smtp().maxConnectionsPerClient() != previous.smtp().maxConnectionsPerClient()
                || next.smtp().maxConnectionRatePerClient() != previous.smtp().maxConnectionRatePerClient()) {
            log.warn("reload: listen addresses and connection limits change only on a restart");
        }
        if (!next.cluster().equals(previous.cluster())) {
            log.warn("reload: [cluster] changes only on a restart");
        }
        if (!next.queue().equals(previous.queue()) || !next.delivery().equals(previous.delivery())
                || !next.egress().equals(previous.egress())) {
            log.warn("reload: [queue], [delivery] (relay domains included) and [[egress]] change only on a restart");
        }
        if (!next.metrics().serve().equals(previous.metrics().serve())) {
            log.warn("reload: the metrics address (metrics.serve) changes only on a restart");
        }
        log.info("reload: configuration {} applied to new sessions", next.file() == null ? "(defaults)" : next.file());
    }

    /** What a session needs from the configuration, built afresh on start and on every reload. */
    private static GatewayContext.Setup setup(MxguardConfig config, Transports routing, String hostname, Resolver dns)
            throws IOException {
        SmtpSettings smtp = config.smtp();
        SessionSettings session = new SessionSettings(hostname, smtp.maxMessageBytes(), smtp.maxRecipients(),
                smtp.commandTimeout(), smtp.dataTimeout(), smtp.hardErrorLimit(), smtp.greetWait(),
                smtp.rejectAt() == SmtpSettings.RejectAt.EARLIEST ? SessionSettings.RejectAt.EARLIEST
                        : SessionSettings.RejectAt.RCPT,
                smtp.dryRun());
        // the domains mxguard relays for are those with a fixed next hop: the MTA it protects
        RelayControl relay = new RelayControl(Set.copyOf(routing.relayDomains().keySet()), smtp.trustedNetworks());
        CheckSuite suite = CheckSuite.standard(config.identity(), GenericNameClassifier.standard());
        Policy policy = config.policy();
        int budget = config.dns().queryBudget();
        Optional<SSLContext> tls = Optional.empty();
        if (smtp.tls()) {
            try {
                tls = Optional.of(ServerTls.context(smtp.tlsCertificate().orElseThrow(), smtp.tlsKey().orElseThrow()));
            } catch (TlsFilesException e) {
                throw new IOException(e.getMessage(), e);
            }
        }
        return new GatewayContext.Setup(session, relay, client -> new SessionChecks(suite, policy, dns, budget, client), tls,
                smtp.xclientFrom());
    }

    List<InetSocketAddress> addresses() {
        return server.addresses();
    }

    String hostname() {
        return hostname;
    }

    @Override
    public void close() {
        server.close();
        if (trapListener != null) {
            trapListener.close();
        }
        backupMx.close();
        state.close();
    }
}
