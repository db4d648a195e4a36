package org.mxguard.policy;

import java.net.InetAddress;
import java.util.List;
import java.util.Locale;
import org.mxguard.dns.DnsNames;
import org.mxguard.dns.InetAddresses;

/**
 * One allowlist rule: a client IP or network, a sender domain (and its subdomains), or a suffix
 * of the client's forward-confirmed PTR name; and the checks it skips (empty: all). A check name
 * may be a family ({@code reverse-mx}) or end in {@code :*}.
 */
public record AllowlistEntry(Kind kind, String value, List<String> checks, String comment) {
    public enum Kind {
        CIDR("cidr"), SENDER_DOMAIN("sender-domain"), PTR_SUFFIX("ptr-suffix");

        private final String key;

        Kind(String key) {
            this.key = key;
        }

        public String key() {
            return key;
        }
    }

    public AllowlistEntry {
        checks = List.copyOf(checks);
        comment = comment == null ? "" : comment;
        value = switch (kind) {
            case CIDR -> Cidr.parse(value).toString();
            case SENDER_DOMAIN, PTR_SUFFIX -> {
                String v = DnsNames.normalize(value);
                while (v.startsWith(".")) {
                    v = v.substring(1);
                }
                if (v.isEmpty()) {
                    throw new IllegalArgumentException("empty " + kind.key());
                }
                yield v.toLowerCase(Locale.ROOT);
            }
        };
    }

    /** True when this entry names {@code check} (or names no checks at all). */
    public boolean covers(String check) {
        if (checks.isEmpty()) {
            return true;
        }
        for (String c : checks) {
            String name = c.endsWith(":*") ? c.substring(0, c.length() - 2) : c;
            if (c.equals("*") || name.equals(check) || check.startsWith(name + ":")) {
                return true;
            }
        }
        return false;
    }

    public boolean matchesIp(InetAddress ip) {
        return kind == Kind.CIDR && Cidr.parse(value).contains(ip);
    }

    /** Domain or subdomain match, at a label boundary. */
    public boolean matchesDomain(String name) {
        String n = DnsNames.normalize(name);
        return n.equals(value) || n.endsWith("." + value);
    }

    public String describe() {
        return "allowlisted by " + kind.key() + " " + value + (comment.isEmpty() ? "" : " (" + comment + ")");
    }

    /** An IPv4 or IPv6 network; a plain address is a /32 or /128. */
    public record Cidr(InetAddress network, int prefix) {
        public static Cidr parse(String text) {
            String t = text.trim();
            int slash = t.indexOf('/');
            InetAddress ip = InetAddresses.require(slash < 0 ? t : t.substring(0, slash));
            int max = ip.getAddress().length * 8;
            int prefix;
            try {
                prefix = slash < 0 ? max : Integer.parseInt(t.substring(slash + 1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("bad prefix length in '" + text + "'");
            }
            if (prefix < 0 || prefix > max) {
                throw new IllegalArgumentException("prefix length out of range in '" + text + "'");
            }
            return new Cidr(ip, prefix);
        }

        public boolean contains(InetAddress ip) {
            byte[] a = network.getAddress();
            byte[] b = DnsNames.canonical(ip).getAddress();
            if (a.length != b.length) {
                return false;
            }
            int bits = prefix;
            for (int i = 0; i < a.length && bits > 0; i++, bits -= 8) {
                int mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
                if ((a[i] & mask) != (b[i] & mask)) {
                    return false;
                }
            }
            return true;
        }

        @Override
        public String toString() {
            return DnsNames.text(network) + "/" + prefix;
        }
    }
}
