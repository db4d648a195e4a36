package org.mxguard.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mxguard.testbed.TestZones.CNAME_PTR_HOST;
import static org.mxguard.testbed.TestZones.CNAME_PTR_IP;
import static org.mxguard.testbed.TestZones.GENERIC_CONFIRMED_HOST;
import static org.mxguard.testbed.TestZones.GENERIC_CONFIRMED_IP;
import static org.mxguard.testbed.TestZones.GOOD_DOMAIN;
import static org.mxguard.testbed.TestZones.GOOD_HOST;
import static org.mxguard.testbed.TestZones.GOOD_IP;
import static org.mxguard.testbed.TestZones.MULTI_PTR_GOOD_HOST;
import static org.mxguard.testbed.TestZones.MULTI_PTR_IP;
import static org.mxguard.testbed.TestZones.NO_PTR_IP;
import static org.mxguard.testbed.TestZones.OUTSOURCED_HOST;
import static org.mxguard.testbed.TestZones.OUTSOURCED_IP;
import static org.mxguard.testbed.TestZones.UNCONFIRMED_HOST;
import static org.mxguard.testbed.TestZones.UNCONFIRMED_IP;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.mxguard.delivery.DeliveryTestSink;
import org.mxguard.queue.DestinationLimiter;
import org.mxguard.testbed.DnsTestBed;
import org.mxguard.testkit.Haproxy;
import org.mxguard.testkit.MtaClient;
import org.mxguard.testkit.MtaClient.Outcome;
import org.mxguard.testkit.MtaClient.Result;
import org.mxguard.testkit.RedisServer;

/**
 * Three {@code mxguard serve} nodes behind a real HAProxy (TCP, round robin, PROXY protocol v2,
 * health checked over HTTP at each node's {@code /health}), with a real Redis, checks on the DNS
 * test bed, and each node relaying {@value #RELAY_DOMAIN} to a smtp-sink of its own (so which node
 * delivered a message is known). One cluster for all tests, started once; each test uses client
 * addresses of its own, since what a node learns about a client outlives the test.
 */
@ExtendWith(DnsTestBed.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterIT {
    private static final String RELAY_DOMAIN = "protected.test";
    private static final String SINK_IP = "127.0.5.31";
    private static final Duration CHECKS = Duration.ofSeconds(10);
    private static final int LOAD_MESSAGES = Integer.getInteger("cluster.messages", 300);
    private static final int LOAD_CLIENTS = 6;
    /** smtp.max-connection-rate-per-client on every node: well above what the other tests' clients open. */
    private static final int RATE_LIMIT = 150;
    /** The address {@link #awaitRedisUp} opens sessions from; no test looks at it. */
    private static final String PROBE_IP = "127.0.1.50";
    /** DNS questions a node sent (not the answers its cache gave): one sample per outcome. */
    private static final String DNS_QUERIES = "mxguard_dns_query_seconds_count";

    /** A client the checks accept: its address and its EHLO name. */
    private record Sender(String ip, String helo) {
    }

    private static final List<Sender> SENDERS = List.of(new Sender(GOOD_IP, GOOD_HOST),
            new Sender(GENERIC_CONFIRMED_IP, GENERIC_CONFIRMED_HOST), new Sender(OUTSOURCED_IP, OUTSOURCED_HOST));

    private static final List<ServeNode> nodes = new ArrayList<>();
    private static final DeliveryTestSink[] sinks = new DeliveryTestSink[3];
    private static final int[] sinkPorts = new int[3];
    private static RedisServer redis;
    private static Haproxy haproxy;

    @BeforeAll
    static void startCluster(DnsTestBed bed, @TempDir Path dir) throws Exception {
        long started = System.nanoTime();
        redis = RedisServer.onFreePort();
        for (int i = 0; i < 3; i++) {
            sinkPorts[i] = DeliveryTestSink.freePortOn(SINK_IP);
            sinks[i] = DeliveryTestSink.start(SINK_IP, sinkPorts[i]);
            nodes.add(new ServeNode(dir, "node" + (i + 1), RATE_LIMIT, """
                    [dns]
                    servers = ["%s"]

                    [delivery]
                    helo = "relay.mxguard.test"

                    [delivery.relay-domains]
                    "%s" = "[%s]:%d"

                    [cluster]
                    redis = "%s"
                    # a loaded CI machine (or a cold JVM's first connect) can take longer than the
                    # default 200 ms; these tests are about sharing, not about Redis's latency
                    timeout-ms = 1000
                    """.formatted(bed.resolverHostPort(), RELAY_DOMAIN, SINK_IP, sinkPorts[i], redis.url())));
        }
        for (ServeNode node : nodes) {
            node.start();
        }
        for (ServeNode node : nodes) {
            node.awaitListening();
        }
        haproxy = Haproxy.start(nodes.stream().map(ServeNode::backend).toList());
        awaitAllUp();
        for (ServeNode node : nodes) {
            awaitRedisUp(node, Duration.ofSeconds(30));
        }
        System.out.printf("cluster: 3 nodes, HAProxy and Redis up in %.1f s; haproxy.cfg:%n%s%n",
                (System.nanoTime() - started) / 1e9, haproxy.config());
    }

    @AfterAll
    static void stopCluster() throws Exception {
        if (haproxy != null) {
            haproxy.close();
        }
        for (ServeNode node : nodes) {
            node.close();
        }
        for (DeliveryTestSink sink : sinks) {
            if (sink != null) {
                sink.close();
            }
        }
        if (redis != null) {
            redis.close();
        }
    }

    /**
     * Through HAProxy, one connection at a time from four client addresses: each node names the
     * real client in its transaction log (never HAProxy's 127.0.0.1) and in the Received: field it
     * stamps, judges it by its own address (the client without a PTR is refused, the others taken),
     * and the connections are spread over all three nodes.
     */
    @Test
    @Order(1)
    void everyNodeSeesTheRealClientAndTheConnectionsAreSpreadOverAllThree() throws Exception {
        awaitAllUp();
        List<Sender> clients = new ArrayList<>(SENDERS);
        clients.add(new Sender(NO_PTR_IP, "mail.noptr.test"));
        Map<String, String> nodeOf = new HashMap<>(); // MAIL FROM -> the node whose banner greeted
        Map<String, Integer> sessions = new TreeMap<>();
        int n = 0;
        for (int round = 0; round < 4; round++) {
            for (Sender client : clients) {
                String from = "spread-" + client.ip().replace('.', '-') + "-" + n + "@" + GOOD_DOMAIN;
                try (MtaClient session = MtaClient.connect(haproxy.frontend(), client.ip())) {
                    assertThat(session.banner).startsWith("220 ");
                    assertThat(session.command("EHLO " + client.helo())).startsWith("250");
                    Result result = session.send(from, "spread" + n + "@" + RELAY_DOMAIN, message("spread-" + n, from));
                    if (client.ip().equals(NO_PTR_IP)) {
                        assertThat(result.reply()).as("a client without PTR, judged by its own address")
                                .startsWith("550 5.7.25");
                    } else {
                        assertThat(result.outcome()).as("%s: %s", from, result.reply()).isEqualTo(Outcome.ACCEPTED);
                    }
                    session.quit();
                    nodeOf.put(from, session.node());
                    sessions.merge(session.node(), 1, Integer::sum);
                }
                n++;
            }
        }
        int total = n;
        System.out.println("cluster: sessions through HAProxy by node " + sessions);

        // each transaction in the log of the node that greeted, with the client's own address
        Map<String, List<JsonNode>> logged = awaitTransactions("spread-", total);
        Pattern fromIp = Pattern.compile("^spread-(\\d+-\\d+-\\d+-\\d+)-\\d+@");
        for (ServeNode node : nodes) {
            assertThat(logged.get(node.name)).as("transactions on %s", node.name).hasSizeGreaterThanOrEqualTo(total / 3 - 1);
            for (JsonNode line : logged.get(node.name)) {
                String from = line.get("mail-from").asText();
                Matcher m = fromIp.matcher(from);
                assertThat(m.find()).isTrue();
                assertThat(line.get("client-ip").asText()).as("client of %s on %s", from, node.name)
                        .isEqualTo(m.group(1).replace('-', '.'));
                assertThat(nodeOf.get(from)).as("the node that greeted %s", from).isEqualTo(node.name);
            }
        }
        // and in the Received: field each node stamps, at the sink of that node
        int stamped = 0;
        for (int i = 0; i < 3; i++) {
            ServeNode node = nodes.get(i);
            node.awaitEmptySpool(Duration.ofSeconds(30));
            for (String dump : sinks[i].dumps()) {
                Matcher from = Pattern.compile("(?m)^From: <(spread-(\\d+-\\d+-\\d+-\\d+)-\\d+@[^>]+)>").matcher(dump);
                if (from.find()) {
                    String ip = Pattern.quote("[" + from.group(2).replace('-', '.') + "]");
                    assertThat(dump).as("the Received: field at %s's sink", node.name).containsPattern(
                            "Received: from \\S+ \\(\\S+ " + ip + "\\)\\s+by " + Pattern.quote(node.hostname()));
                    assertThat(nodeOf.get(from.group(1))).isEqualTo(node.name);
                    stamped++;
                }
            }
        }
        assertThat(stamped).as("messages at the sinks").isEqualTo(total - total / clients.size());
    }

    /**
     * Node 1 is SIGKILLed in the middle of a load through HAProxy; its sink is down meanwhile, so
     * all it accepted is in its spool. Every message answered 250 reaches a sink; HAProxy's check
     * takes node 1 out and nodes 2 and 3 take the rest; node 1, restarted on its spool, delivers
     * what it held. Clients act as MTAs: a message without a 250 is sent again.
     */
    @Test
    @Order(2)
    void aNodeKilledUnderLoadLosesNoAcceptedMessageAndTheOthersTakeOver() throws Exception {
        awaitAllUp();
        ServeNode node1 = nodes.getFirst();
        node1.awaitEmptySpool(Duration.ofSeconds(30));
        sinks[0].close(); // node 1 now keeps what it takes: deferred, retried every 1 to 2 s

        Load load = new Load();
        List<Thread> clients = new ArrayList<>();
        for (int c = 0; c < LOAD_CLIENTS; c++) {
            Sender sender = SENDERS.get(c % SENDERS.size());
            clients.add(Thread.ofPlatform().name("cluster-load-" + c).start(() -> load.client(sender)));
        }
        try {
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (load.done.get() < LOAD_MESSAGES / 3 || load.acceptedBy("node1") == 0) {
                assertThat(System.nanoTime()).as("a third of the load done within 60 s: %s", load).isLessThan(end);
                Thread.sleep(10);
            }
            node1.kill();
            load.killed.set(true);
            int acceptedByNode1 = load.acceptedBy("node1");
            System.out.printf("cluster: node1 killed after %d messages (%d accepted by node1)%n", load.done.get(),
                    acceptedByNode1);
            haproxy.awaitStatus("node1", "DOWN", CHECKS);
            for (Thread client : clients) {
                client.join(TimeUnit.SECONDS.toMillis(90));
                assertThat(client.isAlive()).as("%s done", client.getName()).isFalse();
            }
            System.out.println("cluster: " + load);
            assertThat(load.rejected).as("messages refused with 5xx").isEmpty();
            assertThat(load.done.get()).as("messages that got their 250").isEqualTo(LOAD_MESSAGES);
            assertThat(load.acceptedAfterKill).as("250s in sessions opened after the kill, by node")
                    .containsOnlyKeys("node2", "node3").allSatisfy((node, count) -> assertThat(count.get()).isPositive());
            assertThat(node1.queued()).as("messages on node1's disk: all it answered 250 to, and maybe some in doubt")
                    .isGreaterThanOrEqualTo(acceptedByNode1);
        } finally {
            clients.forEach(Thread::interrupt);
            sinks[0] = DeliveryTestSink.start(SINK_IP, sinkPorts[0]);
        }
        node1.start();
        node1.awaitListening();
        awaitRedisUp(node1, Duration.ofSeconds(30));
        haproxy.awaitStatus("node1", "UP", CHECKS);
        for (ServeNode node : nodes) {
            node.awaitEmptySpool(Duration.ofSeconds(60));
        }

        Map<Integer, Integer> arrivals = new TreeMap<>();
        Map<Integer, String> sinkOf = new HashMap<>();
        Pattern id = Pattern.compile("(?m)^Message-ID: <load-(\\d+)@mxguard\\.test>");
        for (int i = 0; i < 3; i++) {
            for (String dump : sinks[i].dumps()) {
                Matcher m = id.matcher(dump);
                if (m.find()) {
                    int message = Integer.parseInt(m.group(1));
                    arrivals.merge(message, 1, Integer::sum);
                    sinkOf.put(message, nodes.get(i).name);
                }
            }
        }
        List<Integer> lost = new ArrayList<>();
        int duplicates = 0;
        for (int m = 0; m < LOAD_MESSAGES; m++) {
            int arrived = arrivals.getOrDefault(m, 0);
            duplicates += Math.max(0, arrived - 1);
            if (arrived == 0) {
                lost.add(m);
            }
        }
        System.out.printf("cluster: %d messages, %d lost, %d duplicates, %d in doubt%n", LOAD_MESSAGES, lost.size(),
                duplicates, load.inDoubt.get());
        assertThat(lost).as("messages answered 250 that never arrived").isEmpty();
        // a duplicate is a message in doubt (node 1 killed after queueing it, before its 250 left)
        // that the client sent again, or a delivery the kill caught in flight
        assertThat(duplicates).as("extra arrivals").isLessThanOrEqualTo(load.inDoubt.get() + DestinationLimiter.DEFAULT_LIMIT);
        load.acceptedOn.forEach((message, node) -> {
            if (node.equals("node1")) {
                assertThat(sinkOf.get(message)).as("message %d, accepted by node1, delivered by", message).isEqualTo("node1");
            }
        });
    }

    /**
     * A client that connected to node 1's trap MX is refused at RCPT by nodes 2 and 3, directly and
     * through HAProxy, because node 1 recorded it in Redis; before its visit they accepted it, and a
     * client that never went near the trap is accepted by all three.
     */
    @Test
    @Order(3)
    void aTrapHitOnOneNodeIsRefusedByTheOthers() throws Exception {
        awaitAllUp();
        Sender trapped = new Sender(CNAME_PTR_IP, CNAME_PTR_HOST);
        assertThat(rcpt(nodes.get(1).smtp(), trapped)).as("node2, before the trap visit").startsWith("250");

        visitTrap(nodes.getFirst(), trapped);

        for (ServeNode node : nodes.subList(1, 3)) {
            assertThat(rcpt(node.smtp(), trapped)).as("%s, after the visit to node1's trap", node.name)
                    .startsWith("550 5.7.1").contains("trap MX");
        }
        for (int i = 0; i < 3; i++) {
            assertThat(rcpt(haproxy.frontend(), trapped)).as("through HAProxy").startsWith("550 5.7.1");
        }
        Sender innocent = SENDERS.getFirst();
        for (ServeNode node : nodes) {
            assertThat(sendTo(node.smtp(), innocent, "trap-innocent-" + node.name).outcome())
                    .as("a client that never touched the trap, on %s", node.name).isEqualTo(Outcome.ACCEPTED);
        }
    }

    /**
     * Redis stopped: every node keeps answering 250 and delivering, says so in its log and in
     * {@code mxguard_cluster_redis_up 0}; Redis started again: back to 1 and sharing again (a trap
     * hit on node 1 after the restart is refused by node 2).
     */
    @Test
    @Order(4)
    void withRedisDownTheNodesKeepTakingMailAndShareAgainWhenItIsBack() throws Exception {
        awaitAllUp();
        Sender client = SENDERS.get(1);
        String down = "cluster: Redis at " + redis.url() + " unreachable";
        String back = "cluster: Redis at " + redis.url() + " reachable again";
        Map<String, Long> downBefore = new HashMap<>();
        Map<String, Long> backBefore = new HashMap<>();
        for (ServeNode node : nodes) {
            downBefore.put(node.name, node.logCount(down));
            backBefore.put(node.name, node.logCount(back));
        }
        redis.stop();
        try {
            for (ServeNode node : nodes) {
                Result result = sendTo(node.smtp(), client, "redis-down-" + node.name);
                assertThat(result.outcome()).as("%s with Redis down: %s", node.name, result.reply())
                        .isEqualTo(Outcome.ACCEPTED);
            }
            for (ServeNode node : nodes) {
                String warning = node.awaitLog(down, downBefore.get(node.name), Duration.ofSeconds(10));
                assertThat(warning).as("%s's log line", node.name).contains(" WARN ").contains("using this node's own state");
                awaitMetric(node, "mxguard_cluster_redis_up", 0.0);
            }
            for (int i = 0; i < 3; i++) {
                nodes.get(i).awaitEmptySpool(Duration.ofSeconds(30));
                String id = "redis-down-" + nodes.get(i).name;
                assertThat(sinks[i].dumps()).as("delivered by %s with Redis down", nodes.get(i).name)
                        .anyMatch(dump -> dump.contains("Message-ID: <" + id + "@mxguard.test>"));
            }
        } finally {
            if (!redis.running()) {
                redis.start();
            }
        }
        for (ServeNode node : nodes) {
            // a node finds Redis back when it next asks it, i.e. when a client comes
            awaitRedisUp(node, Duration.ofSeconds(60));
            assertThat(node.awaitLog(back, backBefore.get(node.name), Duration.ofSeconds(10)))
                    .as("%s's log line", node.name).contains(" INFO ").contains("sharing state");
        }
        Sender trapped = new Sender(MULTI_PTR_IP, MULTI_PTR_GOOD_HOST);
        assertThat(rcpt(nodes.get(1).smtp(), trapped)).as("node2, before the trap visit").startsWith("250");
        visitTrap(nodes.getFirst(), trapped);
        assertThat(rcpt(nodes.get(1).smtp(), trapped)).as("node2, after a trap visit on node1 with Redis back")
                .startsWith("550 5.7.1").contains("trap MX");
    }

    /**
     * With Redis, the connection rate limit counts a client's connections on all nodes together:
     * through HAProxy (round robin, so each node sees about a third of them) the client is refused
     * with 421 4.7.0 once the cluster has seen the limit, long before any one node has.
     */
    @Test
    @Order(5)
    void theConnectionRateLimitCountsTheWholeCluster() throws Exception {
        awaitAllUp();
        String client = "127.0.1.40";
        Map<String, Integer> greeted = new TreeMap<>();
        String refusal = null;
        // a window that restarts during the run can at most double what it takes
        for (int i = 0; i < 2 * RATE_LIMIT + 1 && refusal == null; i++) {
            try (MtaClient session = MtaClient.connect(haproxy.frontend(), client)) {
                if (session.banner.startsWith("220 ")) {
                    greeted.merge(session.node(), 1, Integer::sum);
                    session.quit();
                } else {
                    refusal = session.banner;
                }
            }
        }
        System.out.println("cluster: rate limit " + RATE_LIMIT + "/min, greeted by node before the refusal " + greeted
                + ": " + refusal);
        assertThat(refusal).as("a refusal within %d connections", 2 * RATE_LIMIT + 1)
                .startsWith("421 4.7.0").contains("too many connections from " + client);
        assertThat(greeted.values()).as("connections each node had taken").allMatch(n -> n < RATE_LIMIT);
        assertThat(greeted.values().stream().mapToInt(Integer::intValue).sum()).isGreaterThanOrEqualTo(RATE_LIMIT);
    }

    /**
     * The inputs of a client's connect-time verdict are shared: node 1 checks a client it has never
     * seen (its PTR, and A and AAAA of the PTR name: DNS questions node 1 sends), puts the answers
     * in Redis with the client's standing, and node 2 judges the same client on them without a DNS
     * question of its own, and answers it alike.
     */
    @Test
    @Order(6)
    void aClientsReverseDnsCheckedOnOneNodeIsNotAskedAgainByTheOthers() throws Exception {
        awaitAllUp();
        ServeNode first = nodes.get(0);
        ServeNode second = nodes.get(1);
        awaitRedisUp(first, Duration.ofSeconds(30));
        awaitRedisUp(second, Duration.ofSeconds(30));
        // node 2 learns the EHLO name's addresses from another client first: what is left to ask
        // about the new client is its reverse DNS alone
        try (MtaClient warm = MtaClient.connect(second.smtp(), PROBE_IP)) {
            assertThat(warm.command("EHLO " + GOOD_HOST)).startsWith("250");
            warm.quit();
        }
        Sender client = new Sender(UNCONFIRMED_IP, GOOD_HOST);
        String key = "mxguard:{" + client.ip() + "}:rdns";
        assertThat(redis.call("EXISTS", key)).as("nothing shared about the client yet").isEqualTo(":0");

        double firstBefore = first.metricTotal(DNS_QUERIES);
        String onFirst = ehlo(first, client);
        double askedByFirst = awaitTotalAtLeast(first, DNS_QUERIES, firstBefore + 3) - firstBefore; // PTR, A, AAAA
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!redis.call("EXISTS", key).equals(":1")) {
            assertThat(System.nanoTime()).as("node 1 shares the answers").isLessThan(end);
            Thread.sleep(20);
        }
        assertThat(redis.call("GET", key)).contains(UNCONFIRMED_HOST);

        double secondBefore = second.metricTotal(DNS_QUERIES);
        String onSecond = ehlo(second, client);
        Thread.sleep(200); // a query is counted just after its answer is handed over
        assertThat(second.metricTotal(DNS_QUERIES) - secondBefore)
                .as("DNS questions node 2 sent for the client node 1 checked").isZero();
        assertThat(onSecond).isEqualTo(onFirst);
        System.out.printf("cluster: reverse DNS of %s asked by node1 (%.0f DNS questions), reused by node2 (none)%n",
                client.ip(), askedByFirst);
    }

    /** Waits until the sum of the node's {@code metric} samples reaches {@code value}; returns it. */
    private static double awaitTotalAtLeast(ServeNode node, String metric, double value) throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        double now = node.metricTotal(metric);
        while (now < value) {
            assertThat(System.nanoTime()).as("%s at least %s on %s within 10 s (now %s)", metric, value, node.name, now)
                    .isLessThan(end);
            Thread.sleep(20);
            now = node.metricTotal(metric);
        }
        return now;
    }

    /** The greeting and the reply to EHLO, then QUIT. */
    private static String ehlo(ServeNode node, Sender client) throws IOException {
        try (MtaClient session = MtaClient.connect(node.smtp(), client.ip())) {
            assertThat(session.banner).startsWith("220 ");
            String reply = session.command("EHLO " + client.helo());
            session.quit();
            return reply.replace(node.name, "NODE");
        }
    }

    /** Connects to {@code node}'s trap MX from {@code client}: a 421 and the end of the connection. */
    private static void visitTrap(ServeNode node, Sender client) throws IOException {
        try (MtaClient trap = MtaClient.connect(node.trap(), client.ip())) {
            assertThat(trap.banner).startsWith("421 4.3.2");
        }
    }

    /** EHLO, MAIL FROM and RCPT TO from {@code client}: the reply to RCPT (or to what failed before). */
    private static String rcpt(InetSocketAddress server, Sender client) throws IOException {
        try (MtaClient session = MtaClient.connect(server, client.ip())) {
            if (!session.banner.startsWith("220")) {
                return session.banner;
            }
            for (String command : List.of("EHLO " + client.helo(), "MAIL FROM:<probe@" + GOOD_DOMAIN + ">")) {
                String reply = session.command(command);
                if (!reply.startsWith("250")) {
                    return reply;
                }
            }
            String reply = session.command("RCPT TO:<probe@" + RELAY_DOMAIN + ">");
            session.quit();
            return reply;
        }
    }

    /** One message from {@code client} in a session of its own, Message-ID {@code <ID@mxguard.test>}. */
    private static Result sendTo(InetSocketAddress server, Sender client, String id) throws IOException {
        try (MtaClient session = MtaClient.connect(server, client.ip())) {
            assertThat(session.banner).startsWith("220");
            assertThat(session.command("EHLO " + client.helo())).startsWith("250");
            String from = id + "@" + GOOD_DOMAIN;
            Result result = session.send(from, id + "@" + RELAY_DOMAIN, message(id, from));
            session.quit();
            return result;
        }
    }

    /**
     * Opens sessions on the node (from {@link #PROBE_IP}, each only the greeting and QUIT) until its
     * {@code mxguard_cluster_redis_up} is 1: a node asks Redis when a client connects, and only then
     * finds out that Redis can be reached (again).
     */
    private static void awaitRedisUp(ServeNode node, Duration timeout) throws Exception {
        long start = System.nanoTime();
        long end = start + timeout.toNanos();
        while (node.metric("mxguard_cluster_redis_up").orElse(0) != 1.0) {
            assertThat(System.nanoTime()).as("%s reaching Redis within %s:%n%s", node.name, timeout, node.log())
                    .isLessThan(end);
            try (MtaClient probe = MtaClient.connect(node.smtp(), PROBE_IP)) {
                probe.quit();
            }
            Thread.sleep(250);
        }
        System.out.printf("cluster: %s reaches Redis (%.1f s)%n", node.name, (System.nanoTime() - start) / 1e9);
    }

    /** Waits until the node's metric has {@code value}. */
    private static void awaitMetric(ServeNode node, String metric, double value) throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        OptionalDouble now = node.metric(metric);
        while (now.isEmpty() || now.getAsDouble() != value) {
            assertThat(System.nanoTime()).as("%s %s on %s within 10 s (now %s):%n%s", metric, value, node.name, now,
                    node.log()).isLessThan(end);
            Thread.sleep(50);
            now = node.metric(metric);
        }
    }

    /** The load of {@link #aNodeKilledUnderLoadLosesNoAcceptedMessageAndTheOthersTakeOver}: what the clients saw. */
    private static final class Load {
        final AtomicInteger next = new AtomicInteger();
        final AtomicInteger done = new AtomicInteger();
        final AtomicInteger inDoubt = new AtomicInteger();
        final AtomicInteger retries = new AtomicInteger();
        final AtomicBoolean killed = new AtomicBoolean();
        final Map<Integer, String> acceptedOn = new ConcurrentHashMap<>();
        final Map<String, AtomicInteger> acceptedAfterKill = new ConcurrentHashMap<>();
        final Map<Integer, String> rejected = new ConcurrentHashMap<>();

        int acceptedBy(String node) {
            return (int) acceptedOn.values().stream().filter(node::equals).count();
        }

        /** Sessions of up to 5 messages until every message got its 250 (or a 5xx). */
        void client(Sender sender) {
            int message = next.getAndIncrement();
            while (message < LOAD_MESSAGES && !Thread.currentThread().isInterrupted()) {
                // a session opened after the kill cannot have reached node 1 (a 250 that node 1
                // wrote just before it died may still be on its way to a client that opened earlier)
                boolean afterKill = killed.get();
                try (MtaClient session = MtaClient.connect(haproxy.frontend(), sender.ip())) {
                    if (!session.banner.startsWith("220 ") || !session.command("EHLO " + sender.helo()).startsWith("250")) {
                        retries.incrementAndGet();
                        continue;
                    }
                    for (int i = 0; i < 5 && message < LOAD_MESSAGES; i++) {
                        String from = "load" + message + "@" + GOOD_DOMAIN;
                        Result result = session.send(from, "load" + message + "@" + RELAY_DOMAIN,
                                message("load-" + message, from));
                        if (result.outcome() == Outcome.ACCEPTED) {
                            acceptedOn.put(message, session.node());
                            if (afterKill) {
                                acceptedAfterKill.computeIfAbsent(session.node(), k -> new AtomicInteger()).incrementAndGet();
                            }
                        } else if (result.outcome() == Outcome.REJECTED) {
                            rejected.put(message, result.reply());
                        } else {
                            // as an MTA: not taken (or not known to be), so sent again in a new session
                            (result.outcome() == Outcome.IN_DOUBT ? inDoubt : retries).incrementAndGet();
                            break;
                        }
                        done.incrementAndGet();
                        message = next.getAndIncrement();
                    }
                    session.quit();
                } catch (IOException connectionFailed) {
                    retries.incrementAndGet();
                    pause(20);
                }
            }
        }

        @Override
        public String toString() {
            return "%d done, %d accepted by node (%d node1, %d node2, %d node3), after the kill %s, %d in doubt, %d retries"
                    .formatted(done.get(), acceptedOn.size(), acceptedBy("node1"), acceptedBy("node2"),
                            acceptedBy("node3"), acceptedAfterKill, inDoubt.get(), retries.get());
        }
    }

    /** Waits until every node is UP in HAProxy. */
    private static void awaitAllUp() throws Exception {
        for (ServeNode node : nodes) {
            haproxy.awaitStatus(node.name, "UP", CHECKS);
        }
    }

    /** Waits until the nodes together logged {@code count} transactions whose MAIL FROM starts with {@code prefix}. */
    private static Map<String, List<JsonNode>> awaitTransactions(String prefix, int count) throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            Map<String, List<JsonNode>> byNode = new TreeMap<>();
            int total = 0;
            for (ServeNode node : nodes) {
                List<JsonNode> lines = node.transactions().stream().filter(line -> "transaction".equals(line.path("event").asText()))
                        .filter(line -> line.path("mail-from").asText().startsWith(prefix)).toList();
                byNode.put(node.name, lines);
                total += lines.size();
            }
            if (total >= count) {
                assertThat(total).as("transactions logged").isEqualTo(count);
                return byNode;
            }
            assertThat(System.nanoTime()).as("%d of %d transactions logged", total, count).isLessThan(end);
            Thread.sleep(50);
        }
    }

    private static String message(String id, String from) {
        return "Message-ID: <" + id + "@mxguard.test>\r\nFrom: <" + from + ">\r\nSubject: " + id
                + "\r\n\r\nthrough HAProxy to a node of the cluster\r\n";
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
