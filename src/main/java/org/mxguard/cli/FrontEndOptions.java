package org.mxguard.cli;

import java.io.IOException;
import org.mxguard.web.GatewayMetrics;
import org.mxguard.web.MetricsServer;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/** The options every front end shares ({@code serve}, {@code policy}, {@code milter}): dry run and metrics. */
final class FrontEndOptions {
    @Option(names = "--dry-run", description = "refuse nothing the checks would refuse: log what would have happened")
    boolean dryRun;

    @Option(names = "--metrics", paramLabel = "HOST:PORT",
            description = "serve Prometheus metrics at http://HOST:PORT/metrics (default: off; a management address)")
    String metricsListen;

    /** The started metrics server, or null without {@code --metrics}. */
    MetricsServer startMetrics(CommandLine cmd, GatewayMetrics metrics) throws IOException {
        return MetricsListen.start(cmd, metricsListen, metrics);
    }
}
