package org.mxguard.config;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.mxguard.config.SmtpSettings.RejectAt;

/** Reads {@code [policy-service]}: where {@code mxguard policy} listens, its limits and timeouts, when it refuses. */
final class PolicyServiceSection {
    static final List<String> KEYS = List.of("listen", "socket", "max-connections", "idle-timeout-s", "max-line-bytes",
            "max-request-bytes", "verdict-timeout-s", "reject-at", "dry-run");

    private PolicyServiceSection() {
    }

    static PolicyServiceSettings read(ConfigNode section) throws ConfigException {
        PolicyServiceSettings p = PolicyServiceSettings.defaults();
        if (!section.isPresent()) {
            return p;
        }
        section.allowOnly(KEYS, "a table [policy-service]");
        List<InetSocketAddress> listen = SmtpSection.listen(section.get("listen"), p.listen(),
                PolicyServiceSettings.DEFAULT_PORT, "[\"127.0.0.1:10045\"]", "127.0.0.1:10045 (or the socket alone)");
        Optional<Path> socket = SmtpSection.path(section.get("socket"));
        long connections = section.get("max-connections").number(1, 100_000, p.maxConnections());
        long idleS = section.get("idle-timeout-s").number(1, 86_400, p.idleTimeout().toSeconds());
        ConfigNode lineNode = section.get("max-line-bytes");
        ConfigNode requestNode = section.get("max-request-bytes");
        long line = lineNode.number(512, 1 << 20, p.maxLineBytes());
        long request = requestNode.number(512, 16 << 20, p.maxRequestBytes());
        if (request < line) {
            throw requestNode.isPresent()
                    ? requestNode.error(request + " is below max-line-bytes (" + line + "): a request has at least one line")
                    : lineNode.error(line + " is above max-request-bytes (" + request + ", the default)");
        }
        long verdictS = section.get("verdict-timeout-s").number(1, 3600, p.verdictTimeout().toSeconds());
        RejectAt rejectAt = SmtpSection.rejectAt(section.get("reject-at"), p.rejectAt());
        boolean dryRun = section.get("dry-run").bool(p.dryRun());
        return new PolicyServiceSettings(listen, socket, (int) connections, Duration.ofSeconds(idleS), (int) line,
                (int) request, Duration.ofSeconds(verdictS), rejectAt, dryRun);
    }
}
