package org.mxguard.config;

import io.lettuce.core.RedisURI;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** Reads {@code [cluster]}: the Redis nodes share state in, and how long to wait for it. */
final class ClusterSection {
    static final List<String> KEYS = List.of("redis", "timeout-ms");

    private ClusterSection() {
    }

    static ClusterSettings read(ConfigNode cluster) throws ConfigException {
        ClusterSettings c = ClusterSettings.defaults();
        if (!cluster.isPresent()) {
            return c;
        }
        cluster.allowOnly(KEYS, "a table [cluster]");
        ConfigNode redisNode = cluster.get("redis");
        Optional<String> redis = Optional.empty();
        if (redisNode.isPresent()) {
            String uri = redisNode.text().strip();
            String scheme = uri.contains("://") ? uri.substring(0, uri.indexOf("://")).toLowerCase(Locale.ROOT) : "";
            if (!scheme.equals("redis") && !scheme.equals("rediss")) {
                throw redisNode.error(ConfigNode.quote(uri) + " is not a Redis URI (use redis://HOST:PORT, or rediss:// for TLS)");
            }
            try {
                RedisURI parsed = RedisURI.create(uri);
                if (parsed.getHost() == null || parsed.getHost().isEmpty()) {
                    throw new IllegalArgumentException("no host");
                }
            } catch (IllegalArgumentException e) {
                throw redisNode.error(ConfigNode.quote(uri) + " is not a Redis URI: " + e.getMessage()
                        + " (use redis://HOST:PORT)", e);
            }
            redis = Optional.of(uri);
        }
        long timeoutMs = cluster.get("timeout-ms").number(1, 10_000, c.timeout().toMillis());
        return new ClusterSettings(redis, Duration.ofMillis(timeoutMs));
    }
}
