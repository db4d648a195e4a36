package org.mxguard.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import org.mxguard.check.LocalIdentity;
import org.mxguard.policy.ActionTable;
import org.mxguard.policy.Allowlist;
import org.mxguard.policy.Policy;
import org.mxguard.policy.Scoring;

/**
 * Everything a configuration file sets.
 *
 * @param file      where it was read from; null for the built-in defaults
 * @param smtp      the SMTP listener: addresses, name, trusted networks, limits, timeouts, TLS files
 * @param actions   the file's {@code [policy.*]} rules already laid over {@link ActionTable#defaults()}
 * @param scoring   {@code [scoring]}: on or off, thresholds, and the file's weights laid over
 *                  {@link Scoring#defaults()}; when on, it decides instead of {@code actions}
 * @param delivery  how mail leaves: routing, port, EHLO name
 * @param egress    the source addresses mail leaves from, in order; empty: the system chooses
 * @param queue     the spool and the retry schedule
 * @param backupMx  the domains this gateway is a secondary MX for, with their primaries; empty: none
 * @param trap      the trap MX's listeners, expiry and action; {@link TrapSettings#enabled()} false: no trap
 * @param milter    what {@code mxguard milter} listens on and how it behaves
 * @param policyService the Postfix policy delegation service of {@code mxguard policy}
 * @param metrics   where each command serves its Prometheus metrics
 * @param cluster   where nodes share what they learn of clients; none: in this process
 */
public record MxguardConfig(Path file, DnsSettings dns, LocalIdentity identity, SmtpSettings smtp, ActionTable actions,
        Scoring scoring, Allowlist allowlist, DeliverySettings delivery, List<EgressSettings> egress,
        QueueSettings queue, List<BackupMxSettings> backupMx, TrapSettings trap, MilterSettings milter,
        PolicyServiceSettings policyService, MetricsSettings metrics, ClusterSettings cluster) {
    public MxguardConfig {
        Objects.requireNonNull(cluster, "cluster");
        Objects.requireNonNull(dns, "dns");
        Objects.requireNonNull(identity, "identity");
        Objects.requireNonNull(smtp, "smtp");
        Objects.requireNonNull(actions, "actions");
        Objects.requireNonNull(scoring, "scoring");
        Objects.requireNonNull(allowlist, "allowlist");
        Objects.requireNonNull(delivery, "delivery");
        egress = List.copyOf(egress);
        Objects.requireNonNull(queue, "queue");
        backupMx = List.copyOf(backupMx);
        Objects.requireNonNull(trap, "trap");
        Objects.requireNonNull(milter, "milter");
        Objects.requireNonNull(policyService, "policyService");
        Objects.requireNonNull(metrics, "metrics");
    }

    /** What mxguard does without a configuration file. */
    public static MxguardConfig defaults() {
        return new MxguardConfig(null, DnsSettings.defaults(), LocalIdentity.none(), SmtpSettings.defaults(),
                ActionTable.defaults(), Scoring.defaults(),
                Allowlist.empty(), DeliverySettings.defaults(), List.of(), QueueSettings.defaults(), List.of(),
                TrapSettings.defaults(), MilterSettings.defaults(), PolicyServiceSettings.defaults(),
                MetricsSettings.defaults(), ClusterSettings.defaults());
    }

    /** The policy these actions, scoring and allowlist make. */
    public Policy policy() {
        return new Policy(actions, allowlist, scoring);
    }

    /** This configuration with other DNS settings (the CLI's {@code --dns}). */
    public MxguardConfig withDns(DnsSettings newDns) {
        return new MxguardConfig(file, newDns, identity, smtp, actions, scoring, allowlist, delivery, egress, queue,
                backupMx, trap, milter, policyService, metrics, cluster);
    }

    /** This configuration with other delivery settings (the CLI's {@code --delivery-port}). */
    public MxguardConfig withDelivery(DeliverySettings newDelivery) {
        return new MxguardConfig(file, dns, identity, smtp, actions, scoring, allowlist, newDelivery, egress, queue,
                backupMx, trap, milter, policyService, metrics, cluster);
    }

    /** This configuration with other queue settings (the CLI's {@code --spool}, say). */
    public MxguardConfig withQueue(QueueSettings newQueue) {
        return new MxguardConfig(file, dns, identity, smtp, actions, scoring, allowlist, delivery, egress, newQueue,
                backupMx, trap, milter, policyService, metrics, cluster);
    }

    /** This configuration with other SMTP listener settings (the CLI's {@code --listen}). */
    public MxguardConfig withSmtp(SmtpSettings newSmtp) {
        return new MxguardConfig(file, dns, identity, newSmtp, actions, scoring, allowlist, delivery, egress, queue,
                backupMx, trap, milter, policyService, metrics, cluster);
    }

    /** This configuration with other scoring settings (switched on or off, say). */
    public MxguardConfig withScoring(Scoring newScoring) {
        return new MxguardConfig(file, dns, identity, smtp, actions, newScoring, allowlist, delivery, egress, queue,
                backupMx, trap, milter, policyService, metrics, cluster);
    }

    /** This configuration with other backup-MX entries. */
    public MxguardConfig withBackupMx(List<BackupMxSettings> newBackupMx) {
        return new MxguardConfig(file, dns, identity, smtp, actions, scoring, allowlist, delivery, egress, queue, newBackupMx,
                trap, milter, policyService, metrics, cluster);
    }

    /** This configuration with other policy-service settings (the CLI's {@code --listen}, {@code --socket}). */
    public MxguardConfig withPolicyService(PolicyServiceSettings newPolicyService) {
        return new MxguardConfig(file, dns, identity, smtp, actions, scoring, allowlist, delivery, egress, queue, backupMx,
                trap, milter, newPolicyService, metrics, cluster);
    }

    /** This configuration with other trap settings (tests: the trap on a loopback port). */
    public MxguardConfig withTrap(TrapSettings newTrap) {
        return new MxguardConfig(file, dns, identity, smtp, actions, scoring, allowlist, delivery, egress, queue, backupMx,
                newTrap, milter, policyService, metrics, cluster);
    }

    /** This configuration with other metrics endpoints. */
    public MxguardConfig withMetrics(MetricsSettings newMetrics) {
        return new MxguardConfig(file, dns, identity, smtp, actions, scoring, allowlist, delivery, egress, queue, backupMx,
                trap, milter, policyService, newMetrics, cluster);
    }

    /** This configuration with other cluster settings. */
    public MxguardConfig withCluster(ClusterSettings newCluster) {
        return new MxguardConfig(file, dns, identity, smtp, actions, scoring, allowlist, delivery, egress, queue, backupMx,
                trap, milter, policyService, metrics, newCluster);
    }

    /** This configuration with other milter settings (the CLI's {@code --listen}, {@code --dry-run}). */
    public MxguardConfig withMilter(MilterSettings newMilter) {
        return new MxguardConfig(file, dns, identity, smtp, actions, scoring, allowlist, delivery, egress, queue, backupMx,
                trap, newMilter, policyService, metrics, cluster);
    }
}
