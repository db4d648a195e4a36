package org.mxguard.cli;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.List;
import java.util.Set;
import org.mxguard.check.CheckSuite;
import org.mxguard.check.GenericNameClassifier;
import org.mxguard.config.MxguardConfig;
import org.mxguard.config.SmtpSettings;
import org.mxguard.dns.Resolver;
import org.mxguard.policy.Policy;
import org.mxguard.policy.SessionChecks;
import org.mxguard.smtp.GatewayContext;
import org.mxguard.smtp.RelayControl;
import org.mxguard.smtp.SessionSettings;
import org.mxguard.smtp.SmtpServer;

/**
 * The inbound side put together from the configuration: the SMTP listeners, each session's checks
 * and policy, relay control, and the spool and queue runner of a {@link DeliveryWiring}, so that
 * what is accepted is queued durably and offered for delivery at once.
 */
final class GatewayWiring implements AutoCloseable {
    private final SmtpServer server;
    private final String hostname;

    private GatewayWiring(SmtpServer server, String hostname) {
        this.server = server;
        this.hostname = hostname;
    }

    /**
     * Starts listening.
     *
     * @param dns the long-lived caching resolver the checks share
     * @throws IOException a listen address cannot be bound
     */
    static GatewayWiring start(MxguardConfig config, Resolver dns, DeliveryWiring delivery, Clock clock)
            throws IOException {
        SmtpSettings smtp = config.smtp();
        String hostname = smtp.hostname().orElse(delivery.heloName());
        SessionSettings session = new SessionSettings(hostname, smtp.maxMessageBytes(), smtp.maxRecipients(),
                smtp.commandTimeout(), smtp.dataTimeout(), smtp.hardErrorLimit(), smtp.greetWait(),
                smtp.rejectAt() == SmtpSettings.RejectAt.EARLIEST ? SessionSettings.RejectAt.EARLIEST
                        : SessionSettings.RejectAt.RCPT,
                smtp.dryRun());
        // the domains mxguard relays for are those with a fixed next hop: the MTA it protects
        RelayControl relay = new RelayControl(Set.copyOf(config.delivery().transports().relayDomains().keySet()),
                smtp.trustedNetworks());
        CheckSuite suite = CheckSuite.standard(config.identity(), GenericNameClassifier.standard());
        Policy policy = new Policy(config.actions(), config.allowlist());
        int budget = config.dns().queryBudget();
        GatewayContext context = new GatewayContext(session, relay,
                client -> new SessionChecks(suite, policy, dns, budget, client), delivery.spool(),
                queued -> delivery.runner().offer(queued.id()), clock);
        SmtpServer server = SmtpServer.start(smtp.listen(),
                new SmtpServer.Limits(smtp.maxConnections(), smtp.maxConnectionsPerClient()), context.sessions());
        return new GatewayWiring(server, hostname);
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
    }
}
