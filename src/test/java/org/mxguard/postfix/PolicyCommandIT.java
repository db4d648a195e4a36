package org.mxguard.postfix;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mxguard.testbed.TestZones.GOOD_HOST;
import static org.mxguard.testbed.TestZones.GOOD_IP;
import static org.mxguard.testbed.TestZones.NO_PTR_IP;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.mxguard.delivery.DeliveryTestSink;
import org.mxguard.testbed.DnsTestBed;
import org.mxguard.testkit.MxguardProcess;

/**
 * {@code mxguard policy} as an administrator runs it: the file's [policy-service] with the flags
 * laid over it (--socket, --listen, --dns), answering on the UNIX socket and on TCP with the real
 * DNS test bed, and gone, socket file and all, on SIGTERM.
 */
@ExtendWith(DnsTestBed.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PolicyCommandIT {
    @TempDir
    Path dir;

    @Test
    void answersOnTheSocketAndOnTcpAsTheFlagsSay(DnsTestBed bed) throws Exception {
        Path config = dir.resolve("mxguard.toml");
        Files.writeString(config, "[smtp]\nhostname = \"mx.policy.test\"\n[policy-service]\nverdict-timeout-s = 20\n");
        Path socket = dir.resolve("policy.sock");
        int port = DeliveryTestSink.freePortOn("127.0.0.1");
        try (MxguardProcess policy = MxguardProcess.start("policy", "--config", config.toString(), "--socket",
                socket.toString(), "--listen", "127.0.0.1:" + port, "--dns", bed.resolverHostPort())) {
            policy.awaitStderr("policy service listening on 127.0.0.1:" + port + ", " + socket + " as mx.policy.test");

            try (SocketChannel unix = SocketChannel.open(StandardProtocolFamily.UNIX)) {
                unix.connect(UnixDomainSocketAddress.of(socket));
                assertThat(ask(unix, NO_PTR_IP, "client.example.net", "x@good.test"))
                        .startsWith("action=REJECT 5.7.25 Reverse DNS validation failed: no PTR record for " + NO_PTR_IP);
                assertThat(ask(unix, GOOD_IP, GOOD_HOST, "alice@good.test"))
                        .startsWith("action=PREPEND Authentication-Results: mx.policy.test; iprev=pass");
            }
            try (SocketChannel tcp = SocketChannel.open(new java.net.InetSocketAddress("127.0.0.1",
                    port))) {
                assertThat(ask(tcp, GOOD_IP, GOOD_HOST, "alice@good.test"))
                        .startsWith("action=PREPEND Authentication-Results: mx.policy.test;");
            }
        }
        assertThat(socket).as("removed on SIGTERM").doesNotExist();
    }

    @Test
    void sighupAppliesTheRewrittenFileToNewTransactions(DnsTestBed bed) throws Exception {
        Path config = dir.resolve("mxguard.toml");
        Files.writeString(config, "[smtp]\nhostname = \"mx.policy.test\"\n");
        int port = DeliveryTestSink.freePortOn("127.0.0.1");
        try (MxguardProcess policy = MxguardProcess.start("policy", "--config", config.toString(), "--listen",
                "127.0.0.1:" + port, "--dns", bed.resolverHostPort())) {
            policy.awaitStderr("policy service listening on 127.0.0.1:" + port);
            try (SocketChannel tcp = SocketChannel.open(new java.net.InetSocketAddress("127.0.0.1", port))) {
                assertThat(ask(tcp, NO_PTR_IP, "client.example.net", "x@good.test")).startsWith("action=REJECT 5.7.25");

                Files.writeString(config, "[smtp]\nhostname = \"mx.policy.test\"\n[policy-service]\ndry-run = true\n");
                policy.hangUp();
                policy.awaitStderr("reload: configuration applied to new policy transactions");

                // the same connection, a new transaction: the dry run refuses nothing
                assertThat(ask(tcp, NO_PTR_IP, "client.example.net", "x@good.test")).startsWith("action=PREPEND");

                Files.writeString(config, "[policy-service]\ndry-run = maybe\n");
                policy.hangUp();
                policy.awaitStderr("reload refused, running configuration kept");
                assertThat(ask(tcp, NO_PTR_IP, "client.example.net", "x@good.test")).startsWith("action=PREPEND");
            }
        }
    }

    private static int instance;

    /** One RCPT request for a new transaction; the answer up to its empty line. */
    private static String ask(SocketChannel channel, String ip, String helo, String sender) throws IOException {
        OutputStream out = Channels.newOutputStream(channel);
        out.write(("request=smtpd_access_policy\nprotocol_state=RCPT\nclient_address=" + ip + "\nhelo_name=" + helo
                + "\nsender=" + sender + "\nrecipient=bob@protected.test\ninstance=cli." + (++instance) + "\n\n")
                .getBytes(StandardCharsets.UTF_8));
        out.flush();
        InputStream in = Channels.newInputStream(channel);
        StringBuilder answer = new StringBuilder();
        while (answer.length() < 2 || !answer.substring(answer.length() - 2).equals("\n\n")) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("closed after " + answer);
            }
            answer.append((char) b);
        }
        return answer.toString();
    }
}
