package org.mxguard.cli;

import java.io.IOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Collectors;
import org.mxguard.check.CheckSuite;
import org.mxguard.check.GenericNameClassifier;
import org.mxguard.config.MilterSettings;
import org.mxguard.config.MxguardConfig;
import org.mxguard.dns.DnsNames;
import org.mxguard.dns.Resolver;
import org.mxguard.policy.Policy;
import org.mxguard.policy.SessionChecks;
import org.mxguard.postfix.MilterServer;
import org.mxguard.postfix.MilterSetup;
import org.mxguard.smtp.TransactionLog;
import org.mxguard.web.GatewayMetrics;
import org.mxguard.web.MetricsServer;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code mxguard milter}: the gateway's checks and policy inside a Postfix that stays in front, over
 * the milter protocol ({@code smtpd_milters}). Reloads on SIGHUP, stops on SIGTERM/SIGINT.
 */
@Command(name = "milter", mixinStandardHelpOptions = true,
        description = {"Run the checks inside Postfix as a milter (smtpd_milters = inet:HOST:PORT, milter_protocol = 6):",
                "refusals at RCPT TO and, for the header checks, at the end of DATA; Authentication-Results and",
                "X-Mxguard-Tag added to what passes. Flags override the file."})
public final class MilterCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @CommandLine.Mixin
    ConfigOptions options;

    @Option(names = "--listen", paramLabel = "HOST:PORT",
            description = "address to accept milter connections on; repeatable (default: [milter] listen, else 127.0.0.1:8895)")
    List<String> listen = new ArrayList<>();

    @CommandLine.Mixin
    FrontEndOptions frontEnd;

    @Override
    public Integer call() throws InterruptedException {
        CommandLine cmd = spec.commandLine();
        MxguardConfig cfg = configuration(cmd);
        ServeCommand.logEveryDelivery();
        GatewayMetrics metrics = new GatewayMetrics();
        Resolver dns = Wiring.resolver(cfg.dns(), metrics.dnsObserver());
        TransactionLog transactions = new TransactionLog();
        MetricsServer metricsServer = null;
        MilterServer server;
        try {
            metricsServer = frontEnd.startMetrics(cmd, metrics, cfg.metrics().milter());
            server = MilterServer.start(cfg.milter().listen(), cfg.milter().maxConnections(),
                    setup(cfg, dns, transactions, metrics));
        } catch (IOException e) {
            if (metricsServer != null) {
                metricsServer.close();
            }
            cmd.getErr().println("mxguard: cannot start: " + e.getMessage());
            return ServeCommand.EXIT_IO_ERROR;
        }
        metrics.openConnectionsFrom(server::openConnections);
        reloadOnHangup(cmd, server, dns, transactions, metrics);
        CountDownLatch stopped = new CountDownLatch(1);
        MetricsServer metricsToClose = metricsServer;
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            if (metricsToClose != null) {
                metricsToClose.close();
            }
            stopped.countDown();
        }, "mxguard-shutdown"));
        cmd.getErr().printf("mxguard: milter listening on %s%s%n",
                server.addresses().stream().map(DnsNames::text).collect(Collectors.joining(", ")),
                cfg.milter().dryRun() ? " (dry run: refusing nothing)" : "");
        cmd.getErr().flush();
        stopped.await();
        return 0;
    }

    /** What each connection needs from the configuration, built at start and on every reload. */
    private static MilterSetup setup(MxguardConfig cfg, Resolver dns, TransactionLog transactions,
            GatewayMetrics metrics) {
        MilterSettings m = cfg.milter();
        String machine = cfg.delivery().heloName().orElseGet(DeliveryWiring::machineHostName);
        MilterSetup.Settings settings = new MilterSetup.Settings(m.hostname(), machine, m.dryRun(), m.maxPacketBytes(),
                m.idleTimeout(), m.verdictTimeout());
        CheckSuite suite = CheckSuite.standard(cfg.identity(), GenericNameClassifier.standard());
        Policy policy = cfg.policy();
        int budget = cfg.dns().queryBudget();
        return new MilterSetup(settings, client -> new SessionChecks(suite, policy, dns, budget, client), transactions,
                metrics, Clock.systemUTC());
    }

    /** The file (or the defaults) with the flags laid over it: at start, and again on each reload. */
    private MxguardConfig configuration(CommandLine cmd) {
        MxguardConfig cfg = options.load(cmd);
        MilterSettings milter = cfg.milter();
        if (!listen.isEmpty()) {
            milter = milter.withListen(Wiring.listenAddresses(listen, MilterSettings.DEFAULT_PORT, "--listen", cmd));
        }
        if (frontEnd.dryRun) {
            milter = milter.withDryRun(true);
        }
        return cfg.withMilter(milter);
    }

    /**
     * SIGHUP re-reads the file for new connections (policy, allowlists, dry run, limits, name); a file
     * with an error is refused and the running configuration kept. Listen addresses need a restart.
     */
    private void reloadOnHangup(CommandLine cmd, MilterServer server, Resolver dns, TransactionLog transactions,
            GatewayMetrics metrics) {
        sun.misc.Signal.handle(new sun.misc.Signal("HUP"), signal -> Thread.ofVirtual().name("reload").start(() -> {
            try {
                server.reload(setup(configuration(cmd), dns, transactions, metrics));
                LoggerFactory.getLogger(MilterCommand.class).info("reload: configuration applied to new milter connections");
            } catch (BadConfigException | CommandLine.ParameterException e) {
                LoggerFactory.getLogger(MilterCommand.class).error("reload refused, running configuration kept: {}",
                        e.getMessage());
            } catch (RuntimeException e) {
                LoggerFactory.getLogger(MilterCommand.class).error("reload failed, running configuration kept", e);
            }
        }));
    }
}
