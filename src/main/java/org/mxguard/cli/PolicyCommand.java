package org.mxguard.cli;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.mxguard.check.CheckSuite;
import org.mxguard.check.GenericNameClassifier;
import org.mxguard.config.MxguardConfig;
import org.mxguard.config.PolicyServiceSettings;
import org.mxguard.config.SmtpSettings;
import org.mxguard.dns.CachingResolver;
import org.mxguard.dns.DnsNames;
import org.mxguard.dns.Resolver;
import org.mxguard.policy.Policy;
import org.mxguard.policy.SessionChecks;
import org.mxguard.postfix.PolicyServer;
import org.mxguard.postfix.PolicyService;
import org.mxguard.smtp.TransactionLog;
import org.mxguard.web.GatewayMetrics;
import org.mxguard.web.MetricsServer;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code mxguard policy}: the gateway's checks and policy for a Postfix that asks with
 * {@code check_policy_service}. Stops on SIGTERM/SIGINT.
 */
@Command(name = "policy", mixinStandardHelpOptions = true,
        description = {"Answer Postfix's SMTPD access policy delegation requests (check_policy_service) with the",
                "gateway's checks and policy. Listens on 127.0.0.1:10045 unless [policy-service] or the flags say",
                "otherwise. Flags override the file."})
public final class PolicyCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @CommandLine.Mixin
    ConfigOptions options;

    @Option(names = "--listen", paramLabel = "HOST:PORT",
            description = "TCP address to answer on; repeatable (default: [policy-service] listen, else 127.0.0.1:10045)")
    List<String> listen = new ArrayList<>();

    @Option(names = "--socket", paramLabel = "PATH", description = "UNIX-domain socket to answer on (as well)")
    Path socket;

    @CommandLine.Mixin
    FrontEndOptions frontEnd;

    @Override
    public Integer call() throws InterruptedException {
        CommandLine cmd = spec.commandLine();
        MxguardConfig cfg = options.load(cmd);
        PolicyServiceSettings settings = flags(cfg.policyService(), cmd);
        ServeCommand.logEveryDelivery();
        GatewayMetrics metrics = new GatewayMetrics();
        Resolver dns = Wiring.resolver(cfg.dns(), metrics.dnsObserver());
        String authservId = authservId(cfg);
        PolicyService service = new PolicyService(checks(cfg, dns), serviceSettings(cfg, settings),
                new TransactionLog(), metrics, Clock.systemUTC());
        MetricsServer metricsServer;
        PolicyServer server;
        try {
            metricsServer = frontEnd.startMetrics(cmd, metrics, cfg.metrics().policy());
        } catch (IOException e) {
            cmd.getErr().println("mxguard: cannot start: " + e.getMessage());
            return ServeCommand.EXIT_IO_ERROR;
        }
        try {
            server = PolicyServer.start(settings.tcpAddresses(), settings.socket(),
                    new PolicyServer.Limits(settings.maxConnections(), settings.idleTimeout(), settings.maxLineBytes(),
                            settings.maxRequestBytes()), service);
        } catch (IOException e) {
            if (metricsServer != null) {
                metricsServer.close();
            }
            cmd.getErr().println("mxguard: cannot start: " + e.getMessage());
            return ServeCommand.EXIT_IO_ERROR;
        }
        reloadOnHangup(cmd, service, dns, settings);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            if (metricsServer != null) {
                metricsServer.close();
            }
            stopped.countDown();
        }, "mxguard-shutdown"));
        List<String> where = new ArrayList<>(server.addresses().stream().map(DnsNames::text).toList());
        server.socket().ifPresent(p -> where.add(p.toString()));
        cmd.getErr().printf("mxguard: policy service listening on %s as %s%s%n",
                where.stream().collect(Collectors.joining(", ")), authservId,
                settings.dryRun() ? " (dry run: refusing nothing)" : "");
        cmd.getErr().flush();
        stopped.await();
        return 0;
    }

    private static String authservId(MxguardConfig cfg) {
        return cfg.smtp().hostname().or(() -> cfg.delivery().heloName()).orElseGet(DeliveryWiring::machineHostName);
    }

    private static Function<InetAddress, SessionChecks> checks(MxguardConfig cfg, Resolver dns) {
        CheckSuite suite = CheckSuite.standard(cfg.identity(), GenericNameClassifier.standard());
        Policy policy = cfg.policy();
        int budget = cfg.dns().queryBudget();
        return client -> new SessionChecks(suite, policy, dns, budget, client);
    }

    private static PolicyService.Settings serviceSettings(MxguardConfig cfg, PolicyServiceSettings settings) {
        return new PolicyService.Settings(authservId(cfg), settings.rejectAt() == SmtpSettings.RejectAt.EARLIEST,
                settings.dryRun(), settings.verdictTimeout());
    }

    /**
     * SIGHUP (as for serve and milter) re-reads the file: policy, allowlists, dry run, timeouts and the
     * name apply to new transactions, and the DNS cache is emptied; a file with an error is refused
     * and the running configuration kept. Addresses and limits need a restart.
     */
    private void reloadOnHangup(CommandLine cmd, PolicyService service, Resolver dns, PolicyServiceSettings running) {
        org.slf4j.Logger log = LoggerFactory.getLogger(PolicyCommand.class);
        sun.misc.Signal.handle(new sun.misc.Signal("HUP"), signal -> Thread.ofVirtual().name("reload").start(() -> {
            try {
                MxguardConfig next = options.load(cmd);
                PolicyServiceSettings settings = flags(next.policyService(), cmd);
                if (dns instanceof CachingResolver cache) {
                    cache.clear(); // an administrator who reloads has often just fixed DNS
                }
                service.reload(checks(next, dns), serviceSettings(next, settings));
                if (!settings.tcpAddresses().equals(running.tcpAddresses()) || !settings.socket().equals(running.socket())
                        || settings.maxConnections() != running.maxConnections()) {
                    log.warn("reload: listen addresses, the socket and limits change only on a restart");
                }
                log.info("reload: configuration applied to new policy transactions");
            } catch (BadConfigException | CommandLine.ParameterException e) {
                log.error("reload refused, running configuration kept: {}", e.getMessage());
            } catch (RuntimeException e) {
                log.error("reload failed, running configuration kept", e);
            }
        }));
    }

    /** The flags laid over [policy-service]. */
    private PolicyServiceSettings flags(PolicyServiceSettings settings, CommandLine cmd) {
        if (!listen.isEmpty()) {
            settings = settings.withListen(
                    Wiring.listenAddresses(listen, PolicyServiceSettings.DEFAULT_PORT, "--listen", cmd));
        }
        if (socket != null) {
            settings = settings.withSocket(socket);
        }
        return frontEnd.dryRun ? settings.withDryRun(true) : settings;
    }
}
