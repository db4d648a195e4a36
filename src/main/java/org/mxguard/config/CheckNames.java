package org.mxguard.config;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.mxguard.check.GenericPtrCheck;
import org.mxguard.check.HeloCheck;
import org.mxguard.check.IprevCheck;
import org.mxguard.check.ReverseMxCheck;
import org.mxguard.check.SenderDomainCheck;

/** The check names a configuration may use, taken from the checks themselves so they cannot drift. */
final class CheckNames {
    static final String REVERSE_MX_FAMILY = ReverseMxCheck.PREFIX.substring(0, ReverseMxCheck.PREFIX.length() - 1);

    /** Names that may head a {@code [policy.NAME]} table: every check, and the reverse-mx family. */
    static final List<String> POLICY = policyNames();

    /** Names an allowlist entry's {@code checks} may list: the above, {@code reverse-mx:*} and {@code *}. */
    static final List<String> ALLOWLIST = allowlistNames();

    private CheckNames() {
    }

    private static List<String> policyNames() {
        List<String> names = new ArrayList<>(List.of(IprevCheck.NAME, GenericPtrCheck.NAME, HeloCheck.NAME,
                SenderDomainCheck.NAME, REVERSE_MX_FAMILY));
        Arrays.stream(ReverseMxCheck.Source.values()).map(s -> ReverseMxCheck.PREFIX + s.id()).forEach(names::add);
        return List.copyOf(names);
    }

    private static List<String> allowlistNames() {
        List<String> names = new ArrayList<>(POLICY);
        names.add(ReverseMxCheck.PREFIX + "*");
        names.add("*");
        return List.copyOf(names);
    }
}
