package org.mxguard.config;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import org.mxguard.policy.AllowlistEntry.Cidr;

/**
 * The gateway's SMTP listener ({@code [smtp]}). The defaults are Postfix's where Postfix has one
 * (named below); the others are mxguard's own.
 *
 * @param listen                   addresses to accept connections on (default {@code 0.0.0.0:25}; the CLI's
 *                                 {@code --listen} overrides); never empty
 * @param hostname                 the name in the 220 banner, in Received: and as the Authentication-Results
 *                                 authserv-id; empty: the caller falls back to {@code delivery.helo}, then to
 *                                 the machine's host name (Postfix's {@code myhostname})
 * @param trustedNetworks          clients that may relay to any domain (outbound mail), like Postfix's
 *                                 {@code mynetworks}; default none (Postfix trusts the machine's own
 *                                 addresses; local mail here goes through {@code mxguard sendmail})
 * @param maxMessageBytes          the largest message accepted, in bytes, as announced with EHLO SIZE
 *                                 (Postfix's {@code message_size_limit}, 10240000)
 * @param maxRecipients            RCPT TO commands accepted per message (Postfix's {@code smtpd_recipient_limit}, 1000)
 * @param maxConnections           connections at once, all clients together (mxguard's default, 10000)
 * @param maxConnectionsPerClient  connections at once from one client IP address (Postfix's
 *                                 {@code smtpd_client_connection_count_limit}, 50)
 * @param commandTimeout           the longest wait for the client's next command (RFC 5321 section 4.5.3.2's
 *                                 5 minutes; Postfix's {@code smtpd_timeout}, 300 s)
 * @param dataTimeout              the longest wait for the next piece of the message during DATA (300 s, as
 *                                 Postfix's {@code smtpd_timeout} also applies there); not a limit on the
 *                                 whole DATA phase
 * @param hardErrorLimit           error replies in one session before the connection is closed (Postfix's
 *                                 {@code smtpd_hard_error_limit}, 20)
 * @param greetWait                how long a client that connects for the first time is shown only the first
 *                                 line of a multi-line 220 banner; a client that talks in that time is refused
 *                                 (like Postfix's postscreen pregreet test, whose {@code postscreen_greet_wait}
 *                                 is 6 s; mxguard's default is 1 s); zero turns the test off
 * @param rejectAt                 when a refusal is given: at RCPT TO (like Postfix's {@code smtpd_delay_reject
 *                                 = yes}, the default) or at the earliest command that decides it
 * @param dryRun                   log what would have been refused and refuse nothing (default false)
 * @param tlsCertificate           PEM certificate (chain) for STARTTLS; set together with {@code tlsKey}
 * @param tlsKey                   PEM private key for STARTTLS; set together with {@code tlsCertificate}.
 *                                 STARTTLS is offered when both are set; the files are read by the listener
 * @param proxyProtocolFrom        load balancers (e.g. HAProxy) whose connections start with a PROXY protocol
 *                                 v1/v2 header naming the real client; nobody else's header is believed
 * @param xclientFrom              clients allowed to claim another client's address with Postfix's XCLIENT
 *                                 (a Postfix in front, test tools); empty by default
 * @param maxConnectionRatePerClient connections one client IP address may open a minute (Postfix's
 *                                 {@code smtpd_client_connection_rate_limit}); counted in the shared state, so
 *                                 with {@code [cluster] redis} for all nodes together; 0 (the default): no limit
 */
public record SmtpSettings(List<InetSocketAddress> listen, Optional<String> hostname, List<Cidr> trustedNetworks,
        long maxMessageBytes, int maxRecipients, int maxConnections, int maxConnectionsPerClient,
        Duration commandTimeout, Duration dataTimeout, int hardErrorLimit, Duration greetWait, RejectAt rejectAt,
        boolean dryRun, Optional<Path> tlsCertificate, Optional<Path> tlsKey, List<Cidr> proxyProtocolFrom,
        List<Cidr> xclientFrom, long maxConnectionRatePerClient) {
    public static final int DEFAULT_PORT = 25;
    public static final InetSocketAddress DEFAULT_LISTEN = HostPort.parseIp("0.0.0.0", DEFAULT_PORT);
    /** Postfix's {@code message_size_limit}. */
    public static final long DEFAULT_MAX_MESSAGE_BYTES = 10_240_000;
    /** Postfix's {@code smtpd_recipient_limit}. */
    public static final int DEFAULT_MAX_RECIPIENTS = 1000;
    public static final int DEFAULT_MAX_CONNECTIONS = 10_000;
    /** Postfix's {@code smtpd_client_connection_count_limit}. */
    public static final int DEFAULT_MAX_CONNECTIONS_PER_CLIENT = 50;
    /** RFC 5321 section 4.5.3.2; Postfix's {@code smtpd_timeout}. */
    public static final Duration DEFAULT_COMMAND_TIMEOUT = Duration.ofMinutes(5);
    public static final Duration DEFAULT_DATA_TIMEOUT = Duration.ofMinutes(5);
    /** Postfix's {@code smtpd_hard_error_limit}. */
    public static final int DEFAULT_HARD_ERROR_LIMIT = 20;
    public static final Duration DEFAULT_GREET_WAIT = Duration.ofSeconds(1);

    /** When a refusal decided before RCPT TO is given; one decided by the header checks comes at the end of DATA. */
    public enum RejectAt {
        /**
         * At RCPT TO, whatever decided it earlier (Postfix's {@code smtpd_delay_reject = yes}): some clients
         * retry at once after a refused connect, HELO or MAIL FROM, and the log then shows the recipient.
         */
        RCPT,
        /** In the reply to what decided it: the banner, HELO/EHLO or MAIL FROM. */
        EARLIEST;

        /** How the configuration writes it: {@code rcpt}, {@code earliest}. */
        public String key() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** Without PROXY protocol or XCLIENT peers. */
    public SmtpSettings(List<InetSocketAddress> listen, Optional<String> hostname, List<Cidr> trustedNetworks,
            long maxMessageBytes, int maxRecipients, int maxConnections, int maxConnectionsPerClient,
            Duration commandTimeout, Duration dataTimeout, int hardErrorLimit, Duration greetWait, RejectAt rejectAt,
            boolean dryRun, Optional<Path> tlsCertificate, Optional<Path> tlsKey) {
        this(listen, hostname, trustedNetworks, maxMessageBytes, maxRecipients, maxConnections, maxConnectionsPerClient,
                commandTimeout, dataTimeout, hardErrorLimit, greetWait, rejectAt, dryRun, tlsCertificate, tlsKey,
                List.of(), List.of());
    }

    /** Without a connection rate limit. */
    public SmtpSettings(List<InetSocketAddress> listen, Optional<String> hostname, List<Cidr> trustedNetworks,
            long maxMessageBytes, int maxRecipients, int maxConnections, int maxConnectionsPerClient,
            Duration commandTimeout, Duration dataTimeout, int hardErrorLimit, Duration greetWait, RejectAt rejectAt,
            boolean dryRun, Optional<Path> tlsCertificate, Optional<Path> tlsKey, List<Cidr> proxyProtocolFrom,
            List<Cidr> xclientFrom) {
        this(listen, hostname, trustedNetworks, maxMessageBytes, maxRecipients, maxConnections, maxConnectionsPerClient,
                commandTimeout, dataTimeout, hardErrorLimit, greetWait, rejectAt, dryRun, tlsCertificate, tlsKey,
                proxyProtocolFrom, xclientFrom, 0);
    }

    public SmtpSettings {
        if (maxConnectionRatePerClient < 0) {
            throw new IllegalArgumentException("the connection rate limit is 0 (none) or positive");
        }
        proxyProtocolFrom = List.copyOf(proxyProtocolFrom);
        xclientFrom = List.copyOf(xclientFrom);
        listen = List.copyOf(listen);
        Objects.requireNonNull(hostname, "hostname");
        trustedNetworks = List.copyOf(trustedNetworks);
        Objects.requireNonNull(commandTimeout, "commandTimeout");
        Objects.requireNonNull(dataTimeout, "dataTimeout");
        Objects.requireNonNull(greetWait, "greetWait");
        Objects.requireNonNull(rejectAt, "rejectAt");
        Objects.requireNonNull(tlsCertificate, "tlsCertificate");
        Objects.requireNonNull(tlsKey, "tlsKey");
        if (listen.isEmpty()) {
            throw new IllegalArgumentException("need at least one listen address");
        }
        if (maxMessageBytes < 1 || maxRecipients < 1 || maxConnections < 1 || maxConnectionsPerClient < 1
                || hardErrorLimit < 1) {
            throw new IllegalArgumentException("message size and the recipient, connection and error limits "
                    + "must be at least 1");
        }
        if (!isPositive(commandTimeout) || !isPositive(dataTimeout) || greetWait.isNegative()) {
            throw new IllegalArgumentException("timeouts must be positive and greetWait not negative");
        }
        if (tlsCertificate.isPresent() != tlsKey.isPresent()) {
            throw new IllegalArgumentException("tlsCertificate and tlsKey go together");
        }
    }

    /** Listen on 0.0.0.0:25, no trusted networks, Postfix's limits and timeouts, 1 s greet wait, refuse at RCPT, no TLS. */
    public static SmtpSettings defaults() {
        return new SmtpSettings(List.of(DEFAULT_LISTEN), Optional.empty(), List.of(), DEFAULT_MAX_MESSAGE_BYTES,
                DEFAULT_MAX_RECIPIENTS, DEFAULT_MAX_CONNECTIONS, DEFAULT_MAX_CONNECTIONS_PER_CLIENT,
                DEFAULT_COMMAND_TIMEOUT, DEFAULT_DATA_TIMEOUT, DEFAULT_HARD_ERROR_LIMIT, DEFAULT_GREET_WAIT,
                RejectAt.RCPT, false, Optional.empty(), Optional.empty());
    }

    /** True when STARTTLS is offered: both a certificate and a key are set. */
    public boolean tls() {
        return tlsCertificate.isPresent();
    }

    /** These settings with other listen addresses (the CLI's {@code --listen} overrides the file). */
    public SmtpSettings withListen(List<InetSocketAddress> newListen) {
        return new SmtpSettings(newListen, hostname, trustedNetworks, maxMessageBytes, maxRecipients, maxConnections,
                maxConnectionsPerClient, commandTimeout, dataTimeout, hardErrorLimit, greetWait, rejectAt, dryRun,
                tlsCertificate, tlsKey, proxyProtocolFrom, xclientFrom, maxConnectionRatePerClient);
    }

    /** These settings with other trusted networks (clients that may relay anywhere). */
    public SmtpSettings withTrustedNetworks(List<Cidr> newTrustedNetworks) {
        return new SmtpSettings(listen, hostname, newTrustedNetworks, maxMessageBytes, maxRecipients, maxConnections,
                maxConnectionsPerClient, commandTimeout, dataTimeout, hardErrorLimit, greetWait, rejectAt, dryRun,
                tlsCertificate, tlsKey, proxyProtocolFrom, xclientFrom, maxConnectionRatePerClient);
    }

    /** These settings in dry-run mode or not (the CLI's {@code --dry-run}). */
    public SmtpSettings withDryRun(boolean on) {
        return new SmtpSettings(listen, hostname, trustedNetworks, maxMessageBytes, maxRecipients, maxConnections,
                maxConnectionsPerClient, commandTimeout, dataTimeout, hardErrorLimit, greetWait, rejectAt, on,
                tlsCertificate, tlsKey, proxyProtocolFrom, xclientFrom, maxConnectionRatePerClient);
    }

    private static boolean isPositive(Duration d) {
        return !d.isNegative() && !d.isZero();
    }
}
