package org.mxguard.config;

import java.net.InetSocketAddress;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.mxguard.config.SmtpSettings.RejectAt;
import org.mxguard.policy.AllowlistEntry.Cidr;

/** Reads {@code [smtp]}: where the listener listens, its name, who may relay, its limits, timeouts and TLS files. */
final class SmtpSection {
    static final List<String> KEYS = List.of("listen", "hostname", "trusted-networks", "proxy-protocol-from",
            "xclient-from", "max-message-bytes", "max-recipients", "max-connections", "max-connections-per-client", "max-connection-rate-per-client", "command-timeout-s", "data-timeout-s",
            "hard-error-limit", "greet-wait-ms", "reject-at", "dry-run", "tls-certificate", "tls-key");
    private static final List<String> REJECT_AT = Arrays.stream(RejectAt.values()).map(RejectAt::key).toList();

    private SmtpSection() {
    }

    static SmtpSettings read(ConfigNode smtp) throws ConfigException {
        SmtpSettings s = SmtpSettings.defaults();
        if (!smtp.isPresent()) {
            return s;
        }
        ConfigNode relays = smtp.get("relay-domains");
        if (relays.isPresent()) {
            // Which domains the gateway accepts mail for is where they are routed: one list, not two.
            throw relays.error("unknown key (relay domains are set in [delivery.relay-domains])");
        }
        smtp.allowOnly(KEYS, "a table [smtp]");
        List<InetSocketAddress> listen = listen(smtp.get("listen"), s.listen());
        Optional<String> hostname = DeliverySection.heloName(smtp.get("hostname"));
        List<Cidr> trusted = networks(smtp.get("trusted-networks"), s.trustedNetworks());
        long maxMessageBytes = smtp.get("max-message-bytes").number(1024, Integer.MAX_VALUE, s.maxMessageBytes());
        long maxRecipients = smtp.get("max-recipients").number(1, 100_000, s.maxRecipients());
        long maxConnections = smtp.get("max-connections").number(1, 1_000_000, s.maxConnections());
        long perClient = smtp.get("max-connections-per-client").number(1, 1_000_000, s.maxConnectionsPerClient());
        long ratePerClient = smtp.get("max-connection-rate-per-client").number(0, 1_000_000,
                s.maxConnectionRatePerClient());
        long commandS = smtp.get("command-timeout-s").number(1, 3600, s.commandTimeout().toSeconds());
        long dataS = smtp.get("data-timeout-s").number(1, 3600, s.dataTimeout().toSeconds());
        long hardErrors = smtp.get("hard-error-limit").number(1, 1000, s.hardErrorLimit());
        long greetMs = smtp.get("greet-wait-ms").number(0, 30_000, s.greetWait().toMillis());
        RejectAt rejectAt = rejectAt(smtp.get("reject-at"), s.rejectAt());
        boolean dryRun = smtp.get("dry-run").bool(s.dryRun());
        ConfigNode certNode = smtp.get("tls-certificate");
        ConfigNode keyNode = smtp.get("tls-key");
        Optional<Path> cert = path(certNode);
        Optional<Path> key = path(keyNode);
        if (cert.isPresent() && key.isEmpty()) {
            throw certNode.error("needs tls-key too (STARTTLS takes a certificate and its key)");
        }
        if (key.isPresent() && cert.isEmpty()) {
            throw keyNode.error("needs tls-certificate too (STARTTLS takes a certificate and its key)");
        }
        List<Cidr> proxyFrom = networks(smtp.get("proxy-protocol-from"), s.proxyProtocolFrom());
        List<Cidr> xclientFrom = networks(smtp.get("xclient-from"), s.xclientFrom());
        return new SmtpSettings(listen, hostname, trusted, maxMessageBytes, (int) maxRecipients, (int) maxConnections,
                (int) perClient, Duration.ofSeconds(commandS), Duration.ofSeconds(dataS), (int) hardErrors,
                Duration.ofMillis(greetMs), rejectAt, dryRun, cert, key, proxyFrom, xclientFrom, ratePerClient);
    }

    private static List<InetSocketAddress> listen(ConfigNode node, List<InetSocketAddress> ifAbsent)
            throws ConfigException {
        return listen(node, ifAbsent, SmtpSettings.DEFAULT_PORT, "[\"0.0.0.0:25\", \"[::]:25\"]", "0.0.0.0:25");
    }

    /**
     * A listener's {@code listen} array (the SMTP listener's, the milter's): IP, IP:PORT or
     * [IPv6]:PORT, each once, at least one.
     *
     * @param example  an example array for the error message
     * @param fallback what leaving the key out gives, for the error message
     */
    static List<InetSocketAddress> listen(ConfigNode node, List<InetSocketAddress> ifAbsent, int defaultPort,
            String example, String fallback) throws ConfigException {
        if (!node.isPresent()) {
            return ifAbsent;
        }
        List<InetSocketAddress> all = new ArrayList<>();
        Map<InetSocketAddress, String> seen = new HashMap<>();
        for (ConfigNode a : node.elements("an array of addresses like " + example)) {
            InetSocketAddress address;
            try {
                address = HostPort.parseIp(a.text(), defaultPort);
            } catch (IllegalArgumentException e) {
                throw a.error("bad listen address: " + e.getMessage(), e);
            }
            String first = seen.putIfAbsent(address, a.path().toString());
            if (first != null) {
                throw a.error(ConfigNode.quote(a.text()) + " is already " + first);
            }
            all.add(address);
        }
        if (all.isEmpty()) {
            // Listening nowhere is never meant; leaving the key out gives the default.
            throw node.error("empty list: give at least one address, or omit listen for " + fallback);
        }
        return all;
    }

    private static List<Cidr> networks(ConfigNode node, List<Cidr> ifAbsent) throws ConfigException {
        if (!node.isPresent()) {
            return ifAbsent;
        }
        List<Cidr> networks = new ArrayList<>();
        for (ConfigNode n : node.elements("an array of networks like [\"192.0.2.0/24\", \"2001:db8::/32\"]")) {
            String text = n.text();
            try {
                networks.add(Cidr.parse(text));
            } catch (IllegalArgumentException e) {
                throw n.error("bad network " + ConfigNode.quote(text) + ": " + e.getMessage(), e);
            }
        }
        return networks;
    }

    static RejectAt rejectAt(ConfigNode node, RejectAt ifAbsent) throws ConfigException {
        if (!node.isPresent()) {
            return ifAbsent;
        }
        String text = node.text();
        int i = REJECT_AT.indexOf(text);
        if (i < 0) {
            throw node.error("unknown value " + ConfigNode.quote(text) + Suggestions.hint(text, REJECT_AT));
        }
        return RejectAt.values()[i];
    }

    /** A file path as written; a relative one is relative to the working directory. Not opened here. */
    static Optional<Path> path(ConfigNode node) throws ConfigException {
        if (!node.isPresent()) {
            return Optional.empty();
        }
        String text = node.text();
        if (text.isBlank()) {
            throw node.error("empty path");
        }
        try {
            return Optional.of(Path.of(text));
        } catch (InvalidPathException e) {
            throw node.error(ConfigNode.quote(text) + " is not a usable path: " + e.getReason(), e);
        }
    }
}
