package org.mxguard.config;

import java.net.IDN;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.mxguard.check.HostNameSyntax;
import org.mxguard.check.LocalIdentity;
import org.mxguard.dns.DnsNames;
import org.mxguard.policy.Action;

/**
 * Reads the {@code [[backup-mx]]} tables: domains this gateway is a secondary MX for, each with
 * its primary's address, how often to probe it and what to do with mail while it is up.
 */
final class BackupMxSection {
    static final List<String> KEYS = List.of("domain", "primary", "probe-interval-s", "action");
    /** The actions a [[backup-mx]] or [trap] entry may take, as the file writes them. */
    static final List<String> ACTIONS = List.of("tempfail", "reject", "log", "tag");

    private BackupMxSection() {
    }

    /**
     * @param delivery its relay domains: a backup MX only makes sense for a domain the gateway accepts
     * @param smtp     its listen addresses: a primary that is this gateway would always look up
     */
    static List<BackupMxSettings> read(ConfigNode backupMx, DeliverySettings delivery, SmtpSettings smtp,
            LocalIdentity identity) throws ConfigException {
        if (!backupMx.isPresent()) {
            return List.of();
        }
        Set<String> relayKeys = delivery.transports().relayDomains().keySet().stream()
                .map(BackupMxSection::relayKeyInALabels).collect(Collectors.toUnmodifiableSet());
        List<BackupMxSettings> all = new ArrayList<>();
        Map<String, String> seen = new HashMap<>();
        for (ConfigNode entry : backupMx.elements("entries written as [[backup-mx]] tables")) {
            entry.allowOnly(KEYS, "a table with domain, primary, probe-interval-s and action");
            ConfigNode domainNode = entry.get("domain");
            ConfigNode primaryNode = entry.get("primary");
            if (!domainNode.isPresent()) {
                throw entry.error("needs domain");
            }
            if (!primaryNode.isPresent()) {
                throw entry.error("needs primary (the primary MX's IP address, e.g. \"192.0.2.10:25\")");
            }
            String domain = domain(domainNode);
            String first = seen.putIfAbsent(domain, entry.path().toString());
            if (first != null) {
                throw domainNode.error(ConfigNode.quote(domain) + " is already " + first);
            }
            if (!isRelayDomain(domain, relayKeys)) {
                // RelayControl refuses mail for it anyway, so the entry could never apply.
                throw domainNode.error(ConfigNode.quote(domain) + " is not a relay domain: a backup MX must accept "
                        + "its mail, so add it to [delivery.relay-domains] with the primary as next hop");
            }
            InetSocketAddress primary = primary(primaryNode, smtp, identity);
            long intervalS = entry.get("probe-interval-s")
                    .number(10, 3600, BackupMxSettings.DEFAULT_PROBE_INTERVAL.toSeconds());
            Action action = action(entry.get("action"), BackupMxSettings.DEFAULT_ACTION);
            all.add(new BackupMxSettings(domain, primary, Duration.ofSeconds(intervalS), action));
        }
        return List.copyOf(all);
    }

    /** One of {@link #ACTIONS} (any case, as in [policy]), or {@code ifAbsent}. Also used by {@code [trap]}. */
    static Action action(ConfigNode node, Action ifAbsent) throws ConfigException {
        if (!node.isPresent()) {
            return ifAbsent;
        }
        String text = node.text();
        Action action;
        try {
            action = Action.parse(text);
        } catch (IllegalArgumentException e) {
            throw node.error("unknown action " + ConfigNode.quote(text) + Suggestions.hint(text, ACTIONS), e);
        }
        if (action == Action.ACCEPT) {
            throw node.error("\"accept\" would do nothing here (use log to only log, or tempfail, reject, tag)");
        }
        return action;
    }

    /** Lower-case A-labels, no trailing dot, one domain (no leading '.' for subdomains). */
    private static String domain(ConfigNode node) throws ConfigException {
        String text = node.text();
        String t = text.strip();
        if (t.startsWith(".")) {
            throw node.error(ConfigNode.quote(text) + ": name the domain itself; an entry covers one domain, "
                    + "not its subdomains");
        }
        String name;
        try {
            name = aLabels(t);
        } catch (IllegalArgumentException e) {
            throw node.error(ConfigNode.quote(text) + " is not a valid domain: " + e.getMessage(), e);
        }
        String problem = HostNameSyntax.problem(name);
        if (problem != null) {
            throw node.error(ConfigNode.quote(text) + " is not a valid domain: " + problem);
        }
        return name;
    }

    private static String aLabels(String name) {
        String ascii = name;
        if (!name.chars().allMatch(c -> c < 0x80)) {
            ascii = IDN.toASCII(name, IDN.USE_STD3_ASCII_RULES);
        }
        return DnsNames.normalize(ascii);
    }

    private static String relayKeyInALabels(String key) {
        boolean subdomains = key.startsWith(".");
        try {
            return (subdomains ? "." : "") + aLabels(subdomains ? key.substring(1) : key);
        } catch (IllegalArgumentException e) {
            return key; // the delivery section took it as it is; compare it as it is
        }
    }

    /** As RelayControl decides it: the domain itself, or ".parent" for any parent. */
    private static boolean isRelayDomain(String domain, Set<String> relayKeys) {
        if (relayKeys.contains(domain)) {
            return true;
        }
        for (int dot = domain.indexOf('.'); dot >= 0; dot = domain.indexOf('.', dot + 1)) {
            if (relayKeys.contains(domain.substring(dot))) {
                return true;
            }
        }
        return false;
    }

    private static InetSocketAddress primary(ConfigNode node, SmtpSettings smtp, LocalIdentity identity)
            throws ConfigException {
        String text = node.text();
        InetSocketAddress primary;
        try {
            primary = HostPort.parse(text, BackupMxSettings.DEFAULT_PORT);
        } catch (IllegalArgumentException e) {
            throw node.error("bad primary: " + e.getMessage() + " (use IP, IP:PORT or [IPv6]:PORT)", e);
        }
        if (primary.isUnresolved()) {
            // A probe that needs DNS first would take a DNS failure for the primary being down.
            throw node.error(ConfigNode.quote(text) + " is a host name; give the primary's IP address "
                    + "(IP, IP:PORT or [IPv6]:PORT)");
        }
        InetAddress ip = primary.getAddress();
        if (ip.isAnyLocalAddress() || ip.isMulticastAddress()) {
            throw node.error(ConfigNode.quote(text) + " is not an address a primary MX can have");
        }
        for (int i = 0; i < smtp.listen().size(); i++) {
            if (reachesListener(primary, smtp.listen().get(i), identity)) {
                throw node.error(ConfigNode.quote(text) + " is this gateway's own SMTP listener (smtp.listen["
                        + i + "] is " + DnsNames.text(smtp.listen().get(i)) + "): the probe would always find the "
                        + "primary up and the domain's mail would be refused for good");
            }
        }
        return primary;
    }

    /** True when connecting to {@code primary} certainly reaches the listener bound to {@code listen}. */
    private static boolean reachesListener(InetSocketAddress primary, InetSocketAddress listen,
            LocalIdentity identity) {
        if (primary.getPort() != listen.getPort()) {
            return false;
        }
        InetAddress p = DnsNames.canonical(primary.getAddress());
        InetAddress l = listen.getAddress();
        if (!l.isAnyLocalAddress()) {
            return p.equals(DnsNames.canonical(l));
        }
        // A wildcard listener takes every local address: the loopback ones and the gateway's own.
        return p.isLoopbackAddress() || identity.addresses().contains(p);
    }

}
