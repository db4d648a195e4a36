package org.mxguard.cluster;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SetArgs;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.lettuce.core.resource.Delay;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.Supplier;
import org.mxguard.dns.DnsAnswer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * State shared between gateway nodes in one Redis, through Lettuce: one multiplexed connection a
 * node, which Lettuce reconnects by itself; concurrent sessions' commands are pipelined on it.
 *
 * <p>Every write goes to this node's {@link LocalState} too, and while Redis cannot answer within
 * the timeout (down, unreachable, stuck), every answer comes from that local state: the node keeps
 * accepting mail with what it knows itself, and says so once in the log (WARN) and in
 * {@link #up()}. After a failure no session asks Redis any more: a watcher alone asks it once a
 * {@link #RETRY_AFTER} whether it is back, so a stuck server costs one timeout to the sessions
 * that were waiting for it when it stuck, and none to the sessions after them.
 *
 * <p>Keys are {@code mxguard:{ADDRESS}:trap}, {@code :greet}, {@code :rate} (the braces keep a
 * client's keys in one Redis Cluster slot, so the script below may touch all three) and
 * {@code mxguard:primary:HOST:PORT}. A client's standing is one script: one round trip a session.
 */
public final class RedisState implements SharedState {
    private static final Logger log = LoggerFactory.getLogger(RedisState.class);
    /** How long Redis is not asked after it failed. */
    static final Duration RETRY_AFTER = Duration.ofSeconds(1);
    /** The least time a connect gets. */
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(2);
    public static final Duration DEFAULT_TIMEOUT = Duration.ofMillis(200);

    /**
     * KEYS: trap, greet, rate, rdns; ARGV[1]: the rate window in ms, 0 not to count. Returns
     * {trapped, greeted, count, shared reverse-DNS answers or nil}.
     */
    static final String STANDING_SCRIPT = """
            local n = 0
            if ARGV[1] ~= '0' then
              n = redis.call('INCR', KEYS[3])
              if n == 1 then redis.call('PEXPIRE', KEYS[3], ARGV[1]) end
            end
            return {redis.call('EXISTS', KEYS[1]), redis.call('EXISTS', KEYS[2]), n, redis.call('GET', KEYS[4])}
            """;
    private static final String STANDING_SHA = sha1(STANDING_SCRIPT);

    private final String uri;
    private final RedisClient client;
    private final ClientResources resources;
    private final LocalState local;
    private volatile StatefulRedisConnection<String, String> connection;
    private final AtomicBoolean connecting = new AtomicBoolean();
    private final AtomicBoolean connectFailureLogged = new AtomicBoolean();
    private volatile boolean up;
    private volatile long retryAt = System.nanoTime();
    private final AtomicLong commands = new AtomicLong();
    private final AtomicLong fallbacks = new AtomicLong();
    private volatile boolean closed;

    private RedisState(String uri, RedisClient client, ClientResources resources, LocalState local) {
        this.uri = uri;
        this.client = client;
        this.resources = resources;
        this.local = local;
    }

    /**
     * Starts connecting to {@code uri} in the background; until connected, answers come from
     * {@code local}.
     *
     * @param uri     {@code redis://[[user]:password@]host[:port][/database]} or {@code rediss://...}
     * @param timeout how long a command may take before Redis counts as down
     * @throws IllegalArgumentException a malformed URI
     */
    public static RedisState start(String uri, Duration timeout, LocalState local) {
        RedisURI parsed = RedisURI.create(uri);
        parsed.setTimeout(timeout);
        // Lettuce's default reconnect backoff grows to 30 s: nodes would stay on their own state long after Redis is back
        ClientResources resources = DefaultClientResources.builder()
                .reconnectDelay(Delay.exponential(Duration.ofMillis(50), RETRY_AFTER, 2, TimeUnit.MILLISECONDS))
                .build();
        RedisClient client = RedisClient.create(resources, parsed);
        client.setOptions(ClientOptions.builder()
                .autoReconnect(true)
                // while reconnecting, fail at once (and answer from local state) instead of queueing
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                // a connect is never on a session's thread: it may take longer than a command (a cold JVM, a busy host)
                .socketOptions(SocketOptions.builder().connectTimeout(max(timeout, CONNECT_TIMEOUT)).keepAlive(true).build())
                .timeoutOptions(TimeoutOptions.enabled(timeout))
                .build());
        RedisState state = new RedisState(redacted(parsed), client, resources, Objects.requireNonNull(local, "local"));
        log.info("cluster: sharing state in Redis at {}", state.uri);
        state.connectInBackground();
        Thread.ofVirtual().name("redis-watch").start(state::watch);
        return state;
    }

    private static Duration max(Duration a, Duration b) {
        return a.compareTo(b) >= 0 ? a : b;
    }

    /**
     * While Redis is down, asks it once a {@link #RETRY_AFTER} whether it is back: the only one
     * that asks it then, so that no session waits for a stuck server, and an idle node's
     * {@link #up()} (and its metric) tells the truth.
     */
    private void watch() {
        while (!closed) {
            try {
                Thread.sleep(RETRY_AFTER);
            } catch (InterruptedException e) {
                return;
            }
            if (up || closed) {
                continue;
            }
            if (connection == null) {
                connectInBackground(); // a first connect that failed
            } else {
                try {
                    connection.sync().ping();
                    reachable();
                } catch (RedisException e) {
                    unreachable(e);
                }
            }
        }
    }

    /** Whether the last command reached Redis. */
    public boolean up() {
        return up;
    }

    /** Commands sent to Redis (each one round trip; writes are not waited for). */
    public long commands() {
        return commands.get();
    }

    /** Answers given from this node's own state because Redis could not be asked. */
    public long fallbacks() {
        return fallbacks.get();
    }

    @Override
    public ClientStanding connected(InetAddress client, Duration rateWindow) {
        ClientStanding fallback = local.connected(client, rateWindow);
        return ask(() -> {
            String k = key(client);
            String[] keys = {k + ":trap", k + ":greet", k + ":rate", k + ":rdns"};
            String window = Long.toString(rateWindow.isPositive() ? Math.max(1, rateWindow.toMillis()) : 0);
            RedisCommands<String, String> redis = connection.sync();
            List<Object> r;
            try {
                r = redis.evalsha(STANDING_SHA, ScriptOutputType.MULTI, keys, window);
            } catch (RedisNoScriptException e) { // a restarted Redis has forgotten it: send it whole once
                commands.incrementAndGet();
                r = redis.eval(STANDING_SCRIPT, ScriptOutputType.MULTI, keys, window);
            }
            String answers = r.size() > 3 && r.get(3) instanceof String text ? text : null;
            return new ClientStanding((Long) r.get(0) > 0, (Long) r.get(1) > 0, (Long) r.get(2),
                    SharedAnswers.decode(answers, Instant.now()));
        }, fallback);
    }

    @Override
    public boolean trapped(InetAddress client) {
        boolean fallback = local.trapped(client);
        return ask(() -> connection.sync().exists(key(client) + ":trap") > 0, fallback);
    }

    @Override
    public boolean recordTrapHit(InetAddress client, Duration expiry) {
        boolean first = local.recordTrapHit(client, expiry);
        write(c -> c.async().set(key(client) + ":trap", "1", SetArgs.Builder.px(expiry.toMillis())));
        return first;
    }

    @Override
    public void recordGreetingPass(InetAddress client, Duration ttl) {
        local.recordGreetingPass(client, ttl);
        write(c -> c.async().set(key(client) + ":greet", "1", SetArgs.Builder.px(ttl.toMillis())));
    }

    @Override
    public void shareReverseDns(InetAddress client, List<DnsAnswer<?>> answers) {
        long ttl = SharedAnswers.shortestTtlMillis(answers);
        if (answers.isEmpty() || ttl <= 0) {
            return;
        }
        String value = SharedAnswers.encode(answers, Instant.now());
        write(c -> c.async().set(key(client) + ":rdns", value, SetArgs.Builder.px(ttl)));
    }

    @Override
    public Optional<PrimaryHealth> primaryHealth(String key) {
        Optional<PrimaryHealth> fallback = local.primaryHealth(key);
        return ask(() -> Optional.ofNullable(connection.sync().get("mxguard:primary:" + key)).flatMap(RedisState::health),
                fallback);
    }

    @Override
    public void publishPrimaryHealth(String key, PrimaryHealth health, Duration ttl) {
        local.publishPrimaryHealth(key, health, ttl);
        String value = (health.up() ? "1|" : "0|") + health.checked().toEpochMilli() + "|" + health.detail();
        write(c -> c.async().set("mxguard:primary:" + key, value, SetArgs.Builder.px(ttl.toMillis())));
    }

    private static Optional<PrimaryHealth> health(String value) {
        String[] parts = value.split("\\|", 3);
        try {
            return Optional.of(new PrimaryHealth(parts[0].equals("1"), Instant.ofEpochMilli(Long.parseLong(parts[1])),
                    parts.length > 2 ? parts[2] : ""));
        } catch (RuntimeException e) { // not ours: as good as absent
            return Optional.empty();
        }
    }

    /** Asks Redis, or answers {@code fallback} when it cannot be asked or does not answer in time. */
    private <T> T ask(Supplier<T> question, T fallback) {
        if (!usable()) {
            fallbacks.incrementAndGet();
            return fallback;
        }
        try {
            commands.incrementAndGet();
            T answer = question.get();
            reachable();
            return answer;
        } catch (RedisException | ClassCastException | IndexOutOfBoundsException e) {
            unreachable(e);
            fallbacks.incrementAndGet();
            return fallback;
        }
    }

    /** Sends a write without waiting for it; a failure marks Redis down. */
    private void write(Function<StatefulRedisConnection<String, String>, RedisFuture<?>> command) {
        if (!usable()) {
            return;
        }
        try {
            commands.incrementAndGet();
            command.apply(connection).whenComplete((ok, e) -> {
                if (e != null) {
                    unreachable(e);
                }
            });
        } catch (RedisException e) {
            unreachable(e);
        }
    }

    private boolean usable() {
        if (closed) {
            return false;
        }
        if (connection == null) {
            connectInBackground();
            return false;
        }
        return up; // while down, the watcher alone asks
    }

    private void reachable() {
        if (!up) {
            up = true;
            log.info("cluster: Redis at {} reachable again; sharing state", uri);
        }
    }

    private void unreachable(Throwable e) {
        retryAt = System.nanoTime() + RETRY_AFTER.toNanos();
        if (up) {
            up = false;
            log.warn("cluster: Redis at {} unreachable ({}); using this node's own state", uri, e.toString());
        }
    }

    /** The first connection is made off the sessions' threads: no session waits for it. */
    private void connectInBackground() {
        if (closed || System.nanoTime() - retryAt < 0 || !connecting.compareAndSet(false, true)) {
            return;
        }
        Thread.ofVirtual().name("redis-connect").start(() -> {
            try {
                connection = client.connect();
                up = true;
                log.info("cluster: connected to Redis at {}", uri);
            } catch (RedisException e) {
                unreachable(e);
                if (connectFailureLogged.compareAndSet(false, true)) { // then once a second: not worth a line each
                    log.warn("cluster: Redis at {} unreachable ({}); using this node's own state", uri, e.toString());
                }
            } finally {
                connecting.set(false);
            }
        });
    }

    @Override
    public void close() {
        closed = true;
        try {
            if (connection != null) {
                connection.close();
            }
        } finally {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
            resources.shutdown(0, 2, TimeUnit.SECONDS);
        }
    }

    private static String key(InetAddress client) {
        return "mxguard:{" + client.getHostAddress() + "}";
    }

    /** The URI for logs: without its password. */
    private static String redacted(RedisURI uri) {
        return (uri.isSsl() ? "rediss://" : "redis://") + uri.getHost() + ":" + uri.getPort()
                + (uri.getDatabase() != 0 ? "/" + uri.getDatabase() : "");
    }

    private static String sha1(String script) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1")
                    .digest(script.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 is part of every JDK", e);
        }
    }
}
