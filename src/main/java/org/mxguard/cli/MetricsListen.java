package org.mxguard.cli;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Optional;
import org.mxguard.config.MetricsSettings;
import org.mxguard.config.HostPort;
import org.mxguard.web.GatewayMetrics;
import org.mxguard.web.MetricsServer;
import picocli.CommandLine;

/** The {@code --metrics HOST:PORT} option of the servers: the Prometheus endpoint, when asked for. */
final class MetricsListen {
    static final int DEFAULT_PORT = MetricsSettings.DEFAULT_PORT;

    private MetricsListen() {
    }

    /**
     * The started metrics server at {@code listen} (the {@code --metrics} option), else at
     * {@code fromFile}; null when neither is given.
     *
     * @throws CommandLine.ParameterException the address is not IP:PORT
     * @throws IOException                    it cannot be bound
     */
    static MetricsServer start(CommandLine cmd, String listen, Optional<InetSocketAddress> fromFile,
            GatewayMetrics metrics) throws IOException {
        if (listen == null) {
            return fromFile.isPresent() ? new MetricsServer(metrics).start(fromFile.get()) : null;
        }
        InetSocketAddress address;
        try {
            address = HostPort.parseIp(listen, DEFAULT_PORT);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(cmd, "--metrics " + listen + ": " + e.getMessage());
        }
        return new MetricsServer(metrics).start(address);
    }
}
