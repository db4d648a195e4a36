package org.mxguard.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.mxguard.dns.InetAddresses;
import org.mxguard.smtp.ProxyHeader;
import org.mxguard.smtp.ProxyProtocol;
import org.mxguard.web.GatewayMetrics;
import org.mxguard.web.MetricsServer;

/**
 * The cluster test's tools on their own: a redis-server that is empty after a stop and start on
 * the same port, and an HAProxy that hands a node the real client in a PROXY v2 header and takes
 * the node out when its {@code /health} stops answering.
 */
class ClusterToolsIT {
    private static final Duration CHECK = Duration.ofSeconds(10);

    @Test
    void redisStopsAndStartsAgainEmptyOnItsPort() throws Exception {
        try (RedisServer redis = RedisServer.onFreePort()) {
            assertThat(redis.url()).isEqualTo("redis://127.0.0.1:" + redis.port());
            assertThat(redis.call("SET", "k", "v w")).isEqualTo("+OK");
            assertThat(redis.call("GET", "k")).isEqualTo("v w");

            redis.stop();

            assertThat(redis.running()).isFalse();
            assertThatThrownBy(() -> redis.call("PING")).isInstanceOf(IOException.class);

            redis.start();

            assertThat(redis.running()).isTrue();
            assertThat(redis.call("GET", "k")).as("no persistence").isEqualTo("$-1");
            assertThatThrownBy(redis::start).isInstanceOf(IllegalStateException.class);
        }
    }

    @Test
    void haproxySendsTheRealClientAndFollowsTheHealthCheck() throws Exception {
        try (ServerSocket node = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
                MetricsServer health = new MetricsServer(new GatewayMetrics())
                        .start(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0));
                Haproxy haproxy = Haproxy.start(List.of(
                        new Haproxy.Node("node1", node.getLocalPort(), health.address().getPort())))) {
            assertThat(haproxy.config()).contains("send-proxy-v2", "option httpchk GET /health", "mode tcp");
            haproxy.awaitStatus("node1", "UP", CHECK);

            try (Socket client = new Socket()) {
                client.bind(new InetSocketAddress(InetAddresses.require("127.0.1.1"), 0));
                client.connect(haproxy.frontend(), 2000);
                try (Socket accepted = node.accept()) {
                    accepted.setSoTimeout(5000);
                    ProxyHeader header = ProxyProtocol.read(accepted.getInputStream());
                    assertThat(header.source()).map(s -> s.getAddress().getHostAddress()).isEqualTo(Optional.of("127.0.1.1"));
                    assertThat(header.source()).map(InetSocketAddress::getPort).isEqualTo(Optional.of(client.getLocalPort()));
                }
            }

            health.healthFrom(() -> false);
            haproxy.awaitStatus("node1", "DOWN", CHECK);
            health.healthFrom(() -> true);
            haproxy.awaitStatus("node1", "UP", CHECK);
        }
    }
}
