package org.mxguard.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.mxguard.check.LocalIdentity;
import org.mxguard.policy.ActionTable;
import org.mxguard.policy.Scoring;
import org.mxguard.policy.Allowlist;

/**
 * Loads mxguard's TOML configuration. Every section and key is optional; what is left out keeps
 * its built-in default. Any mistake is a {@link ConfigException} naming the file, the line and
 * the key ({@code /etc/mxguard.toml:12: policy.iprev.temperror: ...}); nothing unknown is ignored,
 * so a misspelt key cannot silently fall back to a default.
 *
 * <pre>{@code
 * [dns]
 * servers = ["127.0.0.1:53"]   # IP or IP:PORT, [IPv6]:PORT or bare IPv6; omit for /etc/resolv.conf
 * timeout-ms = 2000            # per query, 1 to 60000
 * retries = 1                  # after a timeout, 0 to 5
 * cache-size = 100000          # cached answers, 0 or more (0: no cache)
 * query-budget = 20            # distinct lookups a verdict may make, 1 to 1000;
 *                              # beyond it a check is permerror
 *
 * [identity]                   # names and addresses this gateway answers as (HELO claiming them fails)
 * hostnames = ["mx.example.org"]   # fully-qualified
 * addresses = ["192.0.2.25", "2001:db8::25"]
 *
 * [smtp]                       # the SMTP listener; limits and timeouts default to Postfix's
 * listen = ["0.0.0.0:25"]      # IP, IP:PORT or [IPv6]:PORT (port 25 if none); --listen overrides
 * hostname = "mx.example.org"  # banner, Received:, authserv-id; default: [delivery].helo, else the machine's
 * trusted-networks = ["10.0.0.0/8"]   # CIDRs whose clients may relay to any domain; default none
 * max-message-bytes = 10240000 # 1024 to 2147483647 (message_size_limit)
 * max-recipients = 1000        # per message, 1 to 100000 (smtpd_recipient_limit)
 * max-connections = 10000      # at once, all clients, 1 to 1000000
 * max-connections-per-client = 50   # 1 to 1000000 (smtpd_client_connection_count_limit)
 * command-timeout-s = 300      # longest wait for a command, 1 to 3600 (RFC 5321 4.5.3.2, smtpd_timeout)
 * data-timeout-s = 300         # longest wait for the next piece of DATA, 1 to 3600
 * hard-error-limit = 20        # error replies before disconnecting, 1 to 1000 (smtpd_hard_error_limit)
 * greet-wait-ms = 1000         # pregreet test: a new client sees one banner line this long; 0 to 30000, 0: off
 * reject-at = "rcpt"           # or "earliest" (rcpt: like smtpd_delay_reject = yes)
 * dry-run = false              # log what would have been refused, refuse nothing
 * tls-certificate = "/etc/mxguard/cert.pem"   # PEM files, both or neither; with both, STARTTLS is offered
 * tls-key = "/etc/mxguard/key.pem"
 *
 * [policy.iprev]               # per check: result = action
 * fail = "reject"
 * temperror = "tempfail"
 *
 * [policy."reverse-mx:from"]   # names with a colon need quotes
 * fail = "tag"
 *
 * [scoring]                    # instead of [policy]: weights add up, thresholds decide
 * enabled = false              # true: the score decides and [policy] is not used
 * tag = 4.0                    # thresholds above 0 (up to 10000), tag <= tempfail <= reject
 * tempfail = 6.0               # optional; default none
 * reject = 8.0                 # needs the score's floor (temperror checks at their most favourable) too
 *
 * [scoring.weights]            # CHECK.RESULT = weight, -1000 to 1000; temperror 0 or more
 * iprev.fail = 8.0
 * helo.pass = -1.0             # negative: in the sender's favour
 * reverse-mx.fail = 1.0        # a family, as in [policy]
 *
 * [[allowlist]]                # repeat for each entry
 * cidr = "192.0.2.0/24"        # exactly one of: cidr (an IP is a /32 or /128), sender-domain, ptr-suffix
 * checks = ["iprev", "generic-ptr"]   # omit for all checks
 * comment = "partner relay"
 *
 * [delivery]                   # how mail leaves
 * port = 25                    # of MX hosts and of next hops given without a port, 1 to 65535
 * smart-host = "[relay.example.net]:587"   # all mail not for a relay domain goes there; omit for MX
 * address-order = "ipv4-first" # or "ipv6-first": which addresses of one host are tried first
 * helo = "mx.example.org"      # EHLO name where an egress has none; default: this machine's host name
 * connect-timeout-ms = 30000   # per TCP connection, 1 to 300000
 *
 * [delivery.relay-domains]     # domain = next hop (HOST, HOST:PORT, [IP]:PORT); never looked up by MX
 * "example.org" = "10.0.0.5:2525"     # that domain only
 * ".example.org" = "10.0.0.5:2525"    # its subdomains (not the domain itself)
 *
 * [[egress]]                   # repeat per source address, in order of preference; omit: the system chooses
 * address = "192.0.2.25"
 * helo = "mx.example.org"      # default: the address's PTR name, else [delivery].helo
 *
 * [queue]
 * spool = "var/spool"          # relative to the working directory
 * reserve-mb = 64              # free space kept for the queue's own rewrites; 0 to 1048576
 * minimal-backoff-s = 300      # first retry of a deferred message, 1 to 86400
 * maximal-backoff-s = 4000     # the wait doubles up to this, 1 to 604800, not below the minimal
 * lifetime-hours = 120         # deferred this long: bounced, 1 to 8760
 * destination-concurrency = 20 # deliveries at once per destination domain, 1 to 1000
 *
 * [[backup-mx]]                # repeat per domain this gateway is a secondary MX for
 * domain = "example.net"       # must be a relay domain ([delivery.relay-domains])
 * primary = "192.0.2.10:25"    # the primary MX: IP, IP:PORT or [IPv6]:PORT (port 25 if none); no host names
 * probe-interval-s = 60        # 10 to 3600; a probe connects, waits for the 220 banner, says QUIT
 * action = "tempfail"          # while the primary is up: tempfail (450), reject (550), log, tag (logged for now)
 *
 * [trap]                       # a trap MX: every client connecting there is recorded
 * listen = ["192.0.2.26:25"]   # IP, IP:PORT or [IPv6]:PORT; must not overlap smtp.listen
 * expiry-hours = 24            # a client stays recorded this long after its last visit, 1 to 8760
 * action = "reject"            # for recorded clients on the SMTP listener: reject (550), tempfail (450), log, tag
 *
 * [milter]                     # mxguard milter: the checks inside a Postfix in front (smtpd_milters)
 * listen = ["127.0.0.1:8895"]  # IP, IP:PORT or [IPv6]:PORT (port 8895 if none); --listen overrides
 * hostname = "mx.example.org"  # Authentication-Results authserv-id; default: Postfix's myhostname (macro j)
 * dry-run = false              # log what would have been refused, refuse nothing
 * max-connections = 1000       # MTA connections at once (one per SMTP session), 1 to 1000000
 * max-packet-bytes = 1048576   # largest milter packet (a header field is one), 65536 to 67108864
 * idle-timeout-s = 3600        # longest wait for the MTA's next packet, 1 to 86400
 * verdict-timeout-s = 20       # longest wait for the checks before a 451; below milter_command_timeout
 * [policy-service]             # mxguard policy: Postfix's check_policy_service
 * listen = ["127.0.0.1:10045"] # IP, IP:PORT or [IPv6]:PORT (port 10045 if none); default 127.0.0.1:10045 unless socket
 * socket = "/var/spool/postfix/private/mxguard"   # a UNIX-domain socket too (or alone); default none
 * max-connections = 1000       # at once, 1 to 100000
 * idle-timeout-s = 600         # silent this long: closed, 1 to 86400 (above smtpd_policy_service_max_idle)
 * max-line-bytes = 4096        # longest attribute line, 512 to 1048576; longer: the connection is closed
 * max-request-bytes = 32768    # largest request, max-line-bytes to 16777216; larger: the connection is closed
 * verdict-timeout-s = 60       # longest wait for the checks, then DEFER_IF_PERMIT; 1 to 3600
 * reject-at = "rcpt"           # or "earliest"
 * dry-run = false              # refuse nothing, log what would have been refused
 *
 * [metrics]                    # Prometheus /metrics over HTTP, one address per command; --metrics overrides
 * serve = "127.0.0.1:9325"     # mxguard serve; IP, IP:PORT or [IPv6]:PORT (port 9325 if none); default none
 * policy = "127.0.0.1:9326"    # mxguard policy; default none
 * milter = "127.0.0.1:9327"    # mxguard milter; default none
 * }</pre>
 *
 * <p>{@code [policy.CHECK]} tables name a check: {@code iprev}, {@code generic-ptr}, {@code helo},
 * {@code sender-domain}, {@code reverse-mx:mail-from}, {@code reverse-mx:from},
 * {@code reverse-mx:reply-to}, {@code reverse-mx:ptr}, or the family {@code reverse-mx} for all
 * four (an exact name wins over the family). Keys are results ({@code pass}, {@code fail},
 * {@code none}, {@code temperror}, {@code permerror}), values actions ({@code reject},
 * {@code tempfail}, {@code tag}, {@code log}, {@code accept}); {@code temperror} can never be
 * {@code reject}. The rules are laid over the defaults result by result: iprev and sender-domain
 * failures reject, generic-ptr failures tag, the rest log; an unset temperror tempfails where
 * fail rejects and logs elsewhere.
 *
 * <p>{@code [scoring.weights]} takes the same check names as {@code [policy.CHECK]} and the same
 * results, each with a number; they are laid over the default weights (iprev and sender-domain
 * fail 8, generic-ptr fail 4, helo fail 2, reverse-mx fail 1, the rest 0) result by result, and a
 * temperror not set weighs what fail weighs. {@code tag} may not be above {@code reject}, and
 * {@code tempfail}, when set, lies between them; an error blames the threshold the file sets.
 *
 * <p>An allowlist entry's {@code checks} takes the same names plus {@code reverse-mx:*} (same as
 * {@code reverse-mx}) and {@code *} (all); an empty list is an error rather than a guess at
 * "none" or "all". {@code sender-domain} also covers subdomains;
 * {@code ptr-suffix} matches the client's forward-confirmed PTR name, so it applies once
 * {@code iprev} has run. In error messages, entries are counted from 0: {@code allowlist[0]} is
 * the first.
 *
 * <p>A relay domain's next hop and the smart host are used as written: a name is resolved to its
 * addresses (A/AAAA), never by MX. A domain matches the most specific relay key, then the smart
 * host, then its MX hosts. {@code [[egress]]} addresses must be this machine's; one that cannot be
 * bound is skipped for a while and the next one used, and a message whose next hop has no egress
 * address of its family waits in the queue.
 *
 * <p>A {@code [[backup-mx]]} primary is an IP address: a probe that had to look the name up first
 * would take a DNS failure for the primary being down. Its domain must be a relay domain (otherwise
 * the gateway refuses the domain's mail anyway), and the primary must not be this gateway's own
 * listener. A {@code [trap]} table needs {@code listen}; its addresses must not overlap
 * {@code smtp.listen} (a wildcard {@code 0.0.0.0:25} there, the default, takes every address on
 * port 25, so a trap on port 25 needs the listener's addresses written out).
 */
public final class ConfigLoader {
    private static final List<String> SECTIONS =
            List.of("dns", "identity", "smtp", "policy", "scoring", "allowlist", "delivery", "egress", "queue",
                    "backup-mx", "trap", "milter", "policy-service", "metrics", "cluster");
    private static final TomlMapper TOML = new TomlMapper();

    private ConfigLoader() {
    }

    public static MxguardConfig load(Path file) throws ConfigException {
        return parse(read(file), file);
    }

    /** Parses configuration text; {@code nameForMessages} is what errors call the file (and {@link MxguardConfig#file()}). */
    public static MxguardConfig parse(String text, Path nameForMessages) throws ConfigException {
        if (text.startsWith("\uFEFF")) {
            text = text.substring(1); // a byte-order mark some editors write
        }
        KeyLines lines = KeyLines.scan(text);
        ConfigNode root = ConfigNode.root(tree(text, nameForMessages, lines), nameForMessages, lines);
        root.allowOnly(SECTIONS, "tables");
        DnsSettings dns = DnsSection.read(root.get("dns"));
        LocalIdentity identity = IdentitySection.read(root.get("identity"));
        SmtpSettings smtp = SmtpSection.read(root.get("smtp"));
        ActionTable actions = PolicySection.read(root.get("policy"));
        Scoring scoring = ScoringSection.read(root.get("scoring"));
        Allowlist allowlist = AllowlistSection.read(root.get("allowlist"));
        DeliverySettings delivery = DeliverySection.read(root.get("delivery"));
        List<EgressSettings> egress = EgressSection.read(root.get("egress"));
        QueueSettings queue = QueueSection.read(root.get("queue"));
        // these two are checked against the listener, the relay domains and the identity read above
        List<BackupMxSettings> backupMx = BackupMxSection.read(root.get("backup-mx"), delivery, smtp, identity);
        TrapSettings trap = TrapSection.read(root.get("trap"), smtp);
        MilterSettings milter = MilterSection.read(root.get("milter"));
        PolicyServiceSettings policyService = PolicyServiceSection.read(root.get("policy-service"));
        MetricsSettings metrics = MetricsSection.read(root.get("metrics"));
        ClusterSettings cluster = ClusterSection.read(root.get("cluster"));
        return new MxguardConfig(nameForMessages, dns, identity, smtp, actions, scoring, allowlist, delivery, egress,
                queue, backupMx, trap, milter, policyService, metrics, cluster);
    }

    private static JsonNode tree(String text, Path file, KeyLines lines) throws ConfigException {
        try {
            return TOML.readTree(text);
        } catch (JsonProcessingException e) {
            String what = e.getOriginalMessage();
            Optional<KeyLines.Duplicate> dup = lines.duplicate();
            // Jackson places a duplicate after the value that follows it; the scan knows where it is.
            if (dup.isPresent() && (what.contains("Duplicate key") || what.contains("redefined"))) {
                KeyLines.Duplicate d = dup.get();
                throw new ConfigException(file, d.line(), d.key().toString(),
                        "TOML syntax error: defined twice (first on line " + d.firstLine() + ")", e);
            }
            JsonLocation at = e.getLocation();
            int line = at == null ? 0 : Math.max(at.getLineNr(), 0);
            throw new ConfigException(file, line, lines.keyAt(line).toString(),
                    "TOML syntax error: " + lowerFirst(what), e);
        }
    }

    private static String read(Path file) throws ConfigException {
        if (Files.isDirectory(file)) {
            throw new ConfigException(file, 0, "", "is a directory, not a configuration file");
        }
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new ConfigException(file, 0, "", "file not found", e);
        } catch (AccessDeniedException e) {
            throw new ConfigException(file, 0, "", "permission denied", e);
        } catch (CharacterCodingException e) {
            throw new ConfigException(file, 0, "", "not UTF-8 text", e);
        } catch (IOException e) {
            throw new ConfigException(file, 0, "", "cannot read: " + e.getMessage(), e);
        }
    }

    private static String lowerFirst(String s) {
        return s == null || s.isEmpty() ? "malformed" : s.substring(0, 1).toLowerCase(Locale.ROOT) + s.substring(1);
    }
}
