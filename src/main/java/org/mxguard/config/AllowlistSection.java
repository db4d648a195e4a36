package org.mxguard.config;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.mxguard.check.HostNameSyntax;
import org.mxguard.policy.Allowlist;
import org.mxguard.policy.AllowlistEntry;

/** Reads the {@code [[allowlist]]} entries. */
final class AllowlistSection {
    private static final List<String> KINDS =
            Arrays.stream(AllowlistEntry.Kind.values()).map(AllowlistEntry.Kind::key).toList();
    private static final List<String> KEYS = concat(KINDS, List.of("checks", "comment"));
    private static final String ONE_KIND = "exactly one of " + String.join(", ", KINDS);

    private AllowlistSection() {
    }

    static Allowlist read(ConfigNode allowlist) throws ConfigException {
        if (!allowlist.isPresent()) {
            return Allowlist.empty();
        }
        List<AllowlistEntry> entries = new ArrayList<>();
        for (ConfigNode entry : allowlist.elements("entries written as [[allowlist]] tables")) {
            entries.add(entry(entry));
        }
        return new Allowlist(entries);
    }

    private static AllowlistEntry entry(ConfigNode entry) throws ConfigException {
        entry.allowOnly(KEYS, "a table with " + ONE_KIND);
        AllowlistEntry.Kind kind = null;
        ConfigNode valueNode = null;
        for (Map.Entry<String, ConfigNode> e : entry.table("a table").entrySet()) {
            int k = KINDS.indexOf(e.getKey());
            if (k < 0) {
                continue;
            }
            if (kind != null) {
                throw e.getValue().error("an entry takes " + ONE_KIND + " (this one also has " + kind.key() + ")");
            }
            kind = AllowlistEntry.Kind.values()[k];
            valueNode = e.getValue();
        }
        if (kind == null) {
            throw entry.error("needs " + ONE_KIND);
        }
        String value = valueNode.text();
        List<String> checks = checks(entry.get("checks"));
        ConfigNode comment = entry.get("comment");
        String commentText = comment.isPresent() ? comment.text() : "";
        AllowlistEntry made;
        try {
            made = new AllowlistEntry(kind, value, checks, commentText);
        } catch (IllegalArgumentException e) {
            String what = kind == AllowlistEntry.Kind.CIDR ? "bad network " + ConfigNode.quote(value) + ": " : "";
            throw valueNode.error(what + e.getMessage(), e);
        }
        if (kind != AllowlistEntry.Kind.CIDR) {
            String problem = HostNameSyntax.problem(made.value());
            if (problem != null) {
                throw valueNode.error(ConfigNode.quote(value) + " is not a valid domain: " + problem);
            }
        }
        return made;
    }

    private static List<String> checks(ConfigNode node) throws ConfigException {
        if (!node.isPresent()) {
            return List.of(); // all checks
        }
        List<String> checks = new ArrayList<>();
        for (ConfigNode c : node.elements("an array of check names")) {
            String name = c.text();
            if (!CheckNames.ALLOWLIST.contains(name)) {
                throw c.error("unknown check " + ConfigNode.quote(name) + Suggestions.hint(name, CheckNames.ALLOWLIST));
            }
            checks.add(name);
        }
        if (checks.isEmpty()) {
            // An empty list would silently mean "every check"; make the administrator say so.
            throw node.error("empty list: omit checks to skip every check, or name them");
        }
        return checks;
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> all = new ArrayList<>(a);
        all.addAll(b);
        return List.copyOf(all);
    }
}
