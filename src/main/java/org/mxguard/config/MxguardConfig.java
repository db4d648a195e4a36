package org.mxguard.config;

import java.nio.file.Path;
import java.util.Objects;
import org.mxguard.check.LocalIdentity;
import org.mxguard.policy.ActionTable;
import org.mxguard.policy.Allowlist;
import org.mxguard.policy.Policy;

/**
 * Everything a configuration file sets.
 *
 * @param file      where it was read from; null for the built-in defaults
 * @param actions   the file's {@code [policy.*]} rules already laid over {@link ActionTable#defaults()}
 */
public record MxguardConfig(Path file, DnsSettings dns, LocalIdentity identity, ActionTable actions,
        Allowlist allowlist) {
    public MxguardConfig {
        Objects.requireNonNull(dns, "dns");
        Objects.requireNonNull(identity, "identity");
        Objects.requireNonNull(actions, "actions");
        Objects.requireNonNull(allowlist, "allowlist");
    }

    /** What mxguard does without a configuration file. */
    public static MxguardConfig defaults() {
        return new MxguardConfig(null, DnsSettings.defaults(), LocalIdentity.none(), ActionTable.defaults(),
                Allowlist.empty());
    }

    /** The policy these actions and allowlist make. */
    public Policy policy() {
        return new Policy(actions, allowlist);
    }
}
