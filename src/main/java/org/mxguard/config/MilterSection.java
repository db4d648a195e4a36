package org.mxguard.config;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** Reads {@code [milter]}: where the milter listens, the authserv-id it stamps, dry run, its limits and timeouts. */
final class MilterSection {
    static final List<String> KEYS = List.of("listen", "hostname", "dry-run", "max-connections", "max-packet-bytes",
            "idle-timeout-s", "verdict-timeout-s");

    private MilterSection() {
    }

    static MilterSettings read(ConfigNode milter) throws ConfigException {
        MilterSettings m = MilterSettings.defaults();
        if (!milter.isPresent()) {
            return m;
        }
        milter.allowOnly(KEYS, "a table [milter]");
        List<InetSocketAddress> listen = SmtpSection.listen(milter.get("listen"), m.listen(), MilterSettings.DEFAULT_PORT,
                "[\"127.0.0.1:8895\"]", "127.0.0.1:8895");
        Optional<String> hostname = DeliverySection.heloName(milter.get("hostname"));
        boolean dryRun = milter.get("dry-run").bool(m.dryRun());
        long connections = milter.get("max-connections").number(1, 1_000_000, m.maxConnections());
        // 64 KiB is libmilter's own packet size; Postfix sends a header field of up to header_size_limit in one
        long packet = milter.get("max-packet-bytes").number(65_536, 64L << 20, m.maxPacketBytes());
        long idle = milter.get("idle-timeout-s").number(1, 86_400, m.idleTimeout().toSeconds());
        long verdict = milter.get("verdict-timeout-s").number(1, 3600, m.verdictTimeout().toSeconds());
        return new MilterSettings(listen, hostname, dryRun, (int) connections, (int) packet, Duration.ofSeconds(idle),
                Duration.ofSeconds(verdict));
    }
}
