package org.mxguard.config;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** Reads {@code [queue]}: where the spool is, how much disk to keep free, the retry schedule, concurrency. */
final class QueueSection {
    static final List<String> KEYS = List.of("spool", "reserve-mb", "minimal-backoff-s", "maximal-backoff-s",
            "lifetime-hours", "destination-concurrency");
    private static final long MB = 1L << 20;

    private QueueSection() {
    }

    static QueueSettings read(ConfigNode queue) throws ConfigException {
        QueueSettings q = QueueSettings.defaults();
        if (!queue.isPresent()) {
            return q;
        }
        queue.allowOnly(KEYS, "a table [queue]");
        Path spool = spool(queue.get("spool"), q.spool());
        long reserveMb = queue.get("reserve-mb").number(0, 1L << 20, q.reserveBytes() / MB);
        ConfigNode minimalNode = queue.get("minimal-backoff-s");
        ConfigNode maximalNode = queue.get("maximal-backoff-s");
        long minimal = minimalNode.number(1, 86_400, q.minimalBackoff().toSeconds());
        long maximal = maximalNode.number(1, 7 * 86_400, q.maximalBackoff().toSeconds());
        if (maximal < minimal) {
            // blame the one the file sets; when it sets both, the maximum is the odd one out
            throw maximalNode.isPresent()
                    ? maximalNode.error(maximal + " is below minimal-backoff-s (" + minimal + ")")
                    : minimalNode.error(minimal + " is above maximal-backoff-s (" + maximal + ", the default)");
        }
        long lifetimeHours = queue.get("lifetime-hours").number(1, 8760, q.lifetime().toHours());
        long concurrency = queue.get("destination-concurrency").number(1, 1000, q.destinationConcurrency());
        return new QueueSettings(spool, reserveMb * MB, Duration.ofSeconds(minimal), Duration.ofSeconds(maximal),
                Duration.ofHours(lifetimeHours), (int) concurrency);
    }

    private static Path spool(ConfigNode node, Path ifAbsent) throws ConfigException {
        if (!node.isPresent()) {
            return ifAbsent;
        }
        String text = node.text();
        if (text.isBlank()) {
            throw node.error("empty path");
        }
        try {
            return Path.of(text);
        } catch (InvalidPathException e) {
            throw node.error(ConfigNode.quote(text) + " is not a usable path: " + e.getReason(), e);
        }
    }
}
