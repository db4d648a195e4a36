package org.mxguard.testkit;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.mxguard.delivery.DeliveryTestSink;
import org.mxguard.dns.InetAddresses;

/**
 * A real HAProxy (Debian's package) in front of mxguard nodes, as the README's cluster setup has
 * it: TCP mode, round robin, the PROXY protocol v2 to each node (so the node sees the real client),
 * and a health check over HTTP on the node's metrics listener ({@code GET /health}) instead of SMTP
 * sessions that would fill the transaction log. It listens on 127.0.0.1 and a free port, runs in the
 * foreground ({@code haproxy -db}), and has an admin socket in its directory that {@link
 * #serverStatus} reads.
 */
public final class Haproxy implements AutoCloseable {
    private static final String HAPROXY = "/usr/sbin/haproxy";
    /** The backend's name in the configuration. */
    public static final String BACKEND = "mxguard";

    /**
     * One mxguard node behind it.
     *
     * @param name       its server name in HAProxy (the admin socket's {@code svname})
     * @param smtpPort   its {@code smtp.listen} port on 127.0.0.1
     * @param healthPort its metrics listener's port on 127.0.0.1, where {@code /health} is
     */
    public record Node(String name, int smtpPort, int healthPort) {
    }

    private final Path dir;
    private final InetSocketAddress frontend;
    private final String config;
    private final TetheredProcess process;

    private Haproxy(Path dir, InetSocketAddress frontend, String config, TetheredProcess process) {
        this.dir = dir;
        this.frontend = frontend;
        this.config = config;
        this.process = process;
    }

    /** Writes haproxy.cfg for {@code nodes} into a new temporary directory, starts it and waits for its port. */
    public static Haproxy start(List<Node> nodes) throws IOException, InterruptedException {
        if (!Files.isExecutable(Path.of(HAPROXY))) {
            throw new IllegalStateException(HAPROXY + " is missing: run ./test, which installs haproxy");
        }
        Path dir = Files.createTempDirectory("mxguard-haproxy-");
        int port = DeliveryTestSink.freePortOn("127.0.0.1");
        String config = config(port, dir.resolve("admin.sock"), nodes);
        Path file = Files.writeString(dir.resolve("haproxy.cfg"), config);
        TetheredProcess process = TetheredProcess.start(List.of(HAPROXY, "-db", "-f", file.toString()),
                dir.resolve("haproxy.log"));
        Haproxy haproxy = new Haproxy(dir, new InetSocketAddress(InetAddresses.require("127.0.0.1"), port), config,
                process);
        // its admin socket, not the frontend: a probe connection there would be an SMTP session on a
        // node; HAProxy binds every listener before it answers on the admin socket
        process.awaitReady("on its admin socket", () -> haproxy.admin("show info").contains("Name: HAProxy"));
        return haproxy;
    }

    /**
     * The configuration: timeouts for SMTP (a server may take minutes over a reply, RFC 5321
     * §4.5.3.2), a failed connect retried on another node, and a node taken out after two failed
     * checks 300 ms apart.
     */
    static String config(int port, Path adminSocket, List<Node> nodes) {
        StringBuilder servers = new StringBuilder();
        for (Node node : nodes) {
            servers.append("    server ").append(node.name()).append(" 127.0.0.1:").append(node.smtpPort())
                    .append(" send-proxy-v2 check port ").append(node.healthPort())
                    .append(" inter 300ms fall 2 rise 2\n");
        }
        return """
                global
                    maxconn 4000
                    stats socket %s mode 600 level admin

                defaults
                    mode tcp
                    timeout connect 2s
                    timeout client 10m
                    timeout server 10m
                    timeout check 1s
                    retries 2
                    option redispatch

                frontend smtp
                    bind 127.0.0.1:%d
                    default_backend %s

                backend %s
                    balance roundrobin
                    option httpchk GET /health
                %s""".formatted(adminSocket, port, BACKEND, BACKEND, servers);
    }

    /** Where clients connect. */
    public InetSocketAddress frontend() {
        return frontend;
    }

    /** The haproxy.cfg it runs with. */
    public String config() {
        return config;
    }

    /** What HAProxy wrote (warnings, health check transitions). */
    public String log() {
        return process.log();
    }

    /** Each node's status as HAProxy sees it: {@code UP}, {@code DOWN}, {@code UP 1/2}, ... by name. */
    public Map<String, String> serverStatus() throws IOException {
        String csv = admin("show stat");
        List<String> lines = csv.lines().toList();
        List<String> header = Arrays.asList(lines.getFirst().replaceFirst("^# ", "").split(","));
        int pxname = header.indexOf("pxname");
        int svname = header.indexOf("svname");
        int status = header.indexOf("status");
        Map<String, String> result = new LinkedHashMap<>();
        for (String line : lines.subList(1, lines.size())) {
            String[] fields = line.split(",", -1);
            if (fields.length > status && BACKEND.equals(fields[pxname])
                    && !"BACKEND".equals(fields[svname])) {
                result.put(fields[svname], fields[status]);
            }
        }
        return result;
    }

    /** Waits until HAProxy reports {@code status} (e.g. {@code UP}, {@code DOWN}) for the node. */
    public void awaitStatus(String node, String status, Duration timeout) throws IOException, InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        Map<String, String> now = serverStatus();
        while (!status.equals(now.get(node))) {
            if (System.nanoTime() > end) {
                throw new AssertionError("HAProxy did not see " + node + " " + status + " within " + timeout + ": "
                        + now + "\n" + log());
            }
            Thread.sleep(50);
            now = serverStatus();
        }
    }

    /** One command on the admin socket; its answer. */
    private String admin(String command) throws IOException {
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            channel.connect(UnixDomainSocketAddress.of(dir.resolve("admin.sock")));
            channel.write(ByteBuffer.wrap((command + "\n").getBytes(StandardCharsets.US_ASCII)));
            StringBuilder answer = new StringBuilder();
            ByteBuffer buffer = ByteBuffer.allocate(16384);
            while (channel.read(buffer) >= 0) {
                buffer.flip();
                answer.append(StandardCharsets.US_ASCII.decode(buffer));
                buffer.clear();
            }
            return answer.toString();
        }
    }

    /** Kills it and deletes its directory. */
    @Override
    public void close() throws InterruptedException {
        process.kill();
        TetheredProcess.deleteDirectory(dir);
    }
}
