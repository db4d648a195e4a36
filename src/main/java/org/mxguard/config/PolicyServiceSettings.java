package org.mxguard.config;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.mxguard.config.SmtpSettings.RejectAt;

/**
 * The Postfix policy delegation service ({@code [policy-service]}, {@code mxguard policy}).
 *
 * @param listen          TCP addresses given in the file (or by {@code --listen}); empty: see {@link #tcpAddresses()}
 * @param socket          a UNIX-domain socket to listen on as well (or instead); empty: none
 * @param maxConnections  connections at once; Postfix keeps one per smtpd process that asked lately
 *                        ({@code default_process_limit}, 100 by default)
 * @param idleTimeout     a connection that sends nothing this long is closed; longer than Postfix's
 *                        {@code smtpd_policy_service_max_idle} (300 s), so that Postfix closes first
 * @param maxLineBytes    the longest attribute line, its newline included; a longer one ends the connection
 * @param maxRequestBytes the largest request, its lines together; a larger one ends the connection
 * @param verdictTimeout  the longest wait for the checks before answering {@code DEFER_IF_PERMIT}; shorter
 *                        than Postfix's {@code smtpd_policy_service_timeout} (100 s), so that Postfix hears it
 * @param rejectAt        refuse at RCPT (and later), as the gateway does by default, or at the earliest
 *                        request that decides
 * @param dryRun          refuse nothing: log what would have been refused
 */
public record PolicyServiceSettings(List<InetSocketAddress> listen, Optional<Path> socket, int maxConnections,
        Duration idleTimeout, int maxLineBytes, int maxRequestBytes, Duration verdictTimeout, RejectAt rejectAt,
        boolean dryRun) {
    public static final int DEFAULT_PORT = 10045;
    /** Where the service listens when neither a TCP address nor a socket is given: loopback only. */
    public static final InetSocketAddress DEFAULT_LISTEN = HostPort.parseIp("127.0.0.1", DEFAULT_PORT);
    public static final int DEFAULT_MAX_CONNECTIONS = 1000;
    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(600);
    public static final int DEFAULT_MAX_LINE_BYTES = 4096;
    public static final int DEFAULT_MAX_REQUEST_BYTES = 32_768;
    public static final Duration DEFAULT_VERDICT_TIMEOUT = Duration.ofSeconds(60);

    public PolicyServiceSettings {
        listen = List.copyOf(listen);
        Objects.requireNonNull(socket, "socket");
        Objects.requireNonNull(idleTimeout, "idleTimeout");
        Objects.requireNonNull(verdictTimeout, "verdictTimeout");
        Objects.requireNonNull(rejectAt, "rejectAt");
        if (maxConnections < 1 || maxLineBytes < 1 || maxRequestBytes < maxLineBytes) {
            throw new IllegalArgumentException("limits must be positive, and a request at least one line long");
        }
    }

    public static PolicyServiceSettings defaults() {
        return new PolicyServiceSettings(List.of(), Optional.empty(), DEFAULT_MAX_CONNECTIONS, DEFAULT_IDLE_TIMEOUT,
                DEFAULT_MAX_LINE_BYTES, DEFAULT_MAX_REQUEST_BYTES, DEFAULT_VERDICT_TIMEOUT, RejectAt.RCPT, false);
    }

    /** The TCP addresses to listen on: those given, else 127.0.0.1:10045 unless a socket is given. */
    public List<InetSocketAddress> tcpAddresses() {
        return listen.isEmpty() && socket.isEmpty() ? List.of(DEFAULT_LISTEN) : listen;
    }

    /** These settings with other TCP addresses (the CLI's {@code --listen}). */
    public PolicyServiceSettings withListen(List<InetSocketAddress> newListen) {
        return new PolicyServiceSettings(newListen, socket, maxConnections, idleTimeout, maxLineBytes, maxRequestBytes,
                verdictTimeout, rejectAt, dryRun);
    }

    /** These settings with another socket (the CLI's {@code --socket}). */
    public PolicyServiceSettings withSocket(Path newSocket) {
        return new PolicyServiceSettings(listen, Optional.of(newSocket), maxConnections, idleTimeout, maxLineBytes,
                maxRequestBytes, verdictTimeout, rejectAt, dryRun);
    }

    /** These settings with dry run on or off (the CLI's {@code --dry-run}). */
    public PolicyServiceSettings withDryRun(boolean dry) {
        return new PolicyServiceSettings(listen, socket, maxConnections, idleTimeout, maxLineBytes, maxRequestBytes,
                verdictTimeout, rejectAt, dry);
    }
}
