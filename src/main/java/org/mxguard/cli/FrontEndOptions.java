package org.mxguard.cli;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Optional;
import org.mxguard.web.GatewayMetrics;
import org.mxguard.web.MetricsServer;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/** The options every front end shares ({@code serve}, {@code policy}, {@code milter}): dry run and metrics. */
final class FrontEndOptions {
    @Option(names = "--dry-run", description = "refuse nothing the checks would refuse: log what would have happened")
    boolean dryRun;

    @Option(names = "--metrics", paramLabel = "HOST:PORT",
            description = "serve Prometheus metrics at http://HOST:PORT/metrics (default: the file's [metrics], else off; a management address)")
    String metricsListen;

    /**
     * The started metrics server at {@code --metrics}, else at {@code fromFile} (the command's key in
     * {@code [metrics]}); null when neither names one.
     */
    MetricsServer startMetrics(CommandLine cmd, GatewayMetrics metrics, Optional<InetSocketAddress> fromFile)
            throws IOException {
        return MetricsListen.start(cmd, metricsListen, fromFile, metrics);
    }
}
