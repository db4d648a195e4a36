package org.mxguard.cli;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.mxguard.config.HostPort;
import org.mxguard.config.SmtpSettings;
import org.mxguard.delivery.NextHop;
import org.mxguard.delivery.Transports;
import org.mxguard.dns.DnsNames;
import org.mxguard.dns.Resolver;
import org.mxguard.policy.AllowlistEntry;
import org.mxguard.web.GatewayMetrics;
import org.mxguard.web.MetricsServer;
import java.util.concurrent.atomic.AtomicBoolean;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Callable;
import java.util.random.RandomGenerator;
import ch.qos.logback.classic.Level;
import org.mxguard.config.MxguardConfig;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code mxguard serve}: the gateway. Listens for SMTP, checks each client as the conversation
 * goes, queues what policy lets through, and delivers the queue. Stops on SIGTERM/SIGINT, closing
 * the listeners and SMTP sessions and leaving the spool as it is.
 */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = {"Run the gateway: the SMTP listener with the identity checks, the durable queue, and delivery",
                "(relay domains to their next hop, trusted clients' mail by MX). Without --config it runs an example",
                "setup: listening on 127.0.0.1:2525, spool in var/spool, no relay domains unless given with",
                "--relay-domain. Flags override the file."})
public final class ServeCommand implements Callable<Integer> {
    /** sysexits.h EX_IOERR. */
    static final int EXIT_IO_ERROR = 74;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @CommandLine.Mixin
    ConfigOptions options;

    @Option(names = "--spool", paramLabel = "DIR", description = "spool directory (default: [queue] spool, else var/spool)")
    Path spoolDir;

    @Option(names = "--delivery-port", paramLabel = "PORT", description = "TCP port of the next hops (default 25; for tests)")
    Integer deliveryPort;

    @Option(names = "--listen", paramLabel = "HOST:PORT",
            description = "address to accept SMTP on; repeatable (default: [smtp] listen, or 127.0.0.1:2525 without --config)")
    List<String> listen = new ArrayList<>();

    @Option(names = "--relay-domain", paramLabel = "DOMAIN=HOST:PORT",
            description = "accept mail for DOMAIN and relay it to HOST:PORT (the MTA behind mxguard); repeatable")
    List<String> relayDomains = new ArrayList<>();

    @Option(names = "--trusted-network", paramLabel = "CIDR",
            description = "clients that may send to any domain (delivered by MX); repeatable")
    List<String> trustedNetworks = new ArrayList<>();

    @CommandLine.Mixin
    FrontEndOptions frontEnd;

    /** The example setup's listener, when no --config names a real one. */
    static final String EXAMPLE_LISTEN = "127.0.0.1:2525";

    @Override
    public Integer call() throws IOException, InterruptedException {
        CommandLine cmd = spec.commandLine();
        MxguardConfig cfg = configuration(cmd);
        logEveryDelivery();
        GatewayMetrics metrics = new GatewayMetrics();
        Resolver dns = Wiring.resolver(cfg.dns(), metrics.dnsObserver());
        MetricsServer metricsServer;
        try {
            metricsServer = frontEnd.startMetrics(cmd, metrics, cfg.metrics().serve());
        } catch (IOException e) {
            cmd.getErr().println("mxguard: cannot start: " + e.getMessage());
            return EXIT_IO_ERROR;
        }
        MetricsServer metricsToClose = metricsServer;
        // /health says 503 until the spool is recovered and the listener bound, and again from shutdown on
        AtomicBoolean serving = new AtomicBoolean();
        if (metricsServer != null) {
            metricsServer.healthFrom(serving::get);
        }
        DeliveryWiring wiring;
        GatewayWiring gateway;
        try {
            wiring = DeliveryWiring.start(cfg, dns, Clock.systemUTC(), RandomGenerator.getDefault());
        } catch (IOException e) {
            // a spool that cannot be read, or another serve delivering it: one line, not a stack trace
            cmd.getErr().println("mxguard: cannot start: " + e.getMessage());
            closeQuietly(metricsToClose);
            return EXIT_IO_ERROR;
        }
        try {
            gateway = GatewayWiring.start(cfg, dns, wiring, Clock.systemUTC(), metrics);
        } catch (IOException e) {
            wiring.close();
            closeQuietly(metricsToClose);
            cmd.getErr().println("mxguard: cannot start: " + e.getMessage());
            return EXIT_IO_ERROR;
        }
        Path spool = cfg.queue().spool();
        ServerPidFile.write(spool);
        reloadOnHangup(cmd, gateway);
        CountDownLatch stopped = new CountDownLatch(1);
        serving.set(true);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            serving.set(false);
            gateway.close();
            wiring.close();
            if (metricsToClose != null) {
                metricsToClose.close();
            }
            ServerPidFile.remove(spool);
            stopped.countDown();
        }, "mxguard-shutdown"));
        cmd.getErr().printf("mxguard: listening on %s as %s%s; delivering spool %s (%d messages queued), EHLO %s%n",
                gateway.addresses().stream().map(DnsNames::text).collect(Collectors.joining(", ")),
                gateway.hostname(), cfg.smtp().dryRun() ? " (dry run: refusing nothing)" : "",
                cfg.queue().spool().toAbsolutePath(), wiring.recovery().messages().size(), wiring.heloName());
        cmd.getErr().flush();
        stopped.await();
        return 0;
    }

    /** The file (or the defaults) with every flag laid over it: at start, and again on each reload. */
    private MxguardConfig configuration(CommandLine cmd) {
        MxguardConfig cfg = options.load(cmd);
        if (spoolDir != null) {
            cfg = cfg.withQueue(cfg.queue().withSpool(spoolDir));
        }
        if (deliveryPort != null) {
            if (deliveryPort < 1 || deliveryPort > 65535) {
                throw new CommandLine.ParameterException(cmd, "--delivery-port " + deliveryPort + ": use 1 to 65535");
            }
            cfg = cfg.withDelivery(cfg.delivery().withPort(deliveryPort));
        }
        return gatewayFlags(cfg, cmd);
    }

    /**
     * SIGHUP (or {@code mxguard reload}) re-reads the file; a file with an error is refused, with
     * file, line and key in the log, and the running configuration stays.
     */
    private void reloadOnHangup(CommandLine cmd, GatewayWiring gateway) {
        sun.misc.Signal.handle(new sun.misc.Signal("HUP"), signal -> Thread.ofVirtual().name("reload").start(() -> {
            try {
                gateway.reload(configuration(cmd));
            } catch (BadConfigException | CommandLine.ParameterException | java.io.IOException e) {
                LoggerFactory.getLogger(ServeCommand.class).error("reload refused, running configuration kept: {}",
                        e.getMessage());
            } catch (RuntimeException e) {
                LoggerFactory.getLogger(ServeCommand.class).error("reload failed, running configuration kept", e);
            }
        }));
    }

    /** The gateway's flags laid over the file (or over the example setup when there is no file). */
    private MxguardConfig gatewayFlags(MxguardConfig cfg, CommandLine cmd) {
        List<String> addresses = listen.isEmpty() && options.file == null ? List.of(EXAMPLE_LISTEN) : listen;
        if (!addresses.isEmpty()) {
            cfg = cfg.withSmtp(cfg.smtp().withListen(
                    Wiring.listenAddresses(addresses, SmtpSettings.DEFAULT_PORT, "--listen", cmd)));
        }
        if (!relayDomains.isEmpty()) {
            Transports transports = cfg.delivery().transports();
            for (String relay : relayDomains) {
                int equals = relay.indexOf('=');
                if (equals <= 0 || equals == relay.length() - 1) {
                    throw new CommandLine.ParameterException(cmd, "--relay-domain " + relay + ": use DOMAIN=HOST:PORT");
                }
                try {
                    transports = transports.withRelayDomain(relay.substring(0, equals),
                            NextHop.parse(relay.substring(equals + 1)));
                } catch (IllegalArgumentException e) {
                    throw new CommandLine.ParameterException(cmd, "--relay-domain " + relay + ": " + e.getMessage());
                }
            }
            cfg = cfg.withDelivery(cfg.delivery().withTransports(transports));
        }
        if (!trustedNetworks.isEmpty()) {
            List<AllowlistEntry.Cidr> networks = new ArrayList<>(cfg.smtp().trustedNetworks());
            for (String network : trustedNetworks) {
                try {
                    networks.add(AllowlistEntry.Cidr.parse(network));
                } catch (IllegalArgumentException e) {
                    throw new CommandLine.ParameterException(cmd, "--trusted-network " + network + ": " + e.getMessage());
                }
            }
            cfg = cfg.withSmtp(cfg.smtp().withTrustedNetworks(networks));
        }
        if (frontEnd.dryRun) {
            cfg = cfg.withSmtp(cfg.smtp().withDryRun(true));
        }
        return cfg;
    }

    private static void closeQuietly(MetricsServer server) {
        if (server != null) {
            server.close();
        }
    }

    /**
     * A server logs each delivery, deferral and bounce, as Postfix does to its mail log; the one-shot
     * commands keep to warnings, so that their stderr stays quiet.
     */
    static void logEveryDelivery() {
        if (LoggerFactory.getLogger("org.mxguard") instanceof ch.qos.logback.classic.Logger logger && logger.getLevel() == null) {
            logger.setLevel(Level.INFO);
        }
    }
}
