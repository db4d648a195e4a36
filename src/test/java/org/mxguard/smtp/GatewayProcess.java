package org.mxguard.smtp;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import org.mxguard.delivery.DeliveryTestSink;
import org.mxguard.testkit.MxguardProcess;

/**
 * {@code mxguard serve --config FILE} as its own process, listening on a free 127.0.0.1 port: the
 * reliability tests' gateway. The file is {@code toml} with an {@code [smtp]} table that this adds
 * the listen address to.
 *
 * @param process the running serve; closing this stops it with SIGTERM
 * @param smtp    where it accepts SMTP
 */
record GatewayProcess(MxguardProcess process, InetSocketAddress smtp) implements AutoCloseable {
    /**
     * @param smtpSettings the keys of {@code [smtp]} besides {@code listen}, one a line
     * @param otherTables  the rest of the file ({@code [dns]}, {@code [delivery]}, ...)
     */
    static GatewayProcess start(Path config, String smtpSettings, String otherTables) throws IOException, InterruptedException {
        int port = DeliveryTestSink.freePortOn("127.0.0.1");
        Files.writeString(config, "[smtp]\nlisten = [\"127.0.0.1:" + port + "\"]\n" + smtpSettings.strip() + "\n\n"
                + otherTables);
        MxguardProcess process = MxguardProcess.start("serve", "--config", config.toString());
        try {
            process.awaitStderr("listening on 127.0.0.1:" + port);
        } catch (AssertionError | InterruptedException e) {
            process.close();
            throw e;
        }
        return new GatewayProcess(process, new InetSocketAddress(InetAddress.getByName("127.0.0.1"), port));
    }

    @Override
    public void close() throws InterruptedException {
        process.close();
    }
}
