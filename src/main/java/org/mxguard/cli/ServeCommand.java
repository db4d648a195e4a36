package org.mxguard.cli;

import java.io.IOException;
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
 * {@code mxguard serve}: runs the queue and its delivery (the SMTP listener with the checks comes
 * with the gateway). Stops on SIGTERM/SIGINT, closing SMTP sessions and leaving the spool as it is.
 */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = {"Deliver the spool: MX routing (or relay domains / smart host from the config), retries on",
                "the backoff schedule, bounces as DSNs. The SMTP listener comes with the gateway."})
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

    @Override
    public Integer call() throws IOException, InterruptedException {
        CommandLine cmd = spec.commandLine();
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
        logEveryDelivery();
        DeliveryWiring wiring;
        try {
            wiring = DeliveryWiring.start(cfg, Wiring.resolver(cfg.dns()), Clock.systemUTC(), RandomGenerator.getDefault());
        } catch (IOException e) {
            // a spool that cannot be read, or another serve delivering it: one line, not a stack trace
            cmd.getErr().println("mxguard: cannot start: " + e.getMessage());
            return EXIT_IO_ERROR;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            wiring.close();
            stopped.countDown();
        }, "mxguard-shutdown"));
        cmd.getErr().printf("mxguard: delivering spool %s (%d messages queued), EHLO %s%n",
                cfg.queue().spool().toAbsolutePath(), wiring.recovery().messages().size(), wiring.heloName());
        cmd.getErr().flush();
        stopped.await();
        return 0;
    }

    /**
     * A server logs each delivery, deferral and bounce, as Postfix does to its mail log; the one-shot
     * commands keep to warnings, so that their stderr stays quiet.
     */
    private static void logEveryDelivery() {
        if (LoggerFactory.getLogger("org.mxguard") instanceof ch.qos.logback.classic.Logger logger && logger.getLevel() == null) {
            logger.setLevel(Level.INFO);
        }
    }
}
