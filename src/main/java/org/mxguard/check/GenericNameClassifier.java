package org.mxguard.check;

import java.net.Inet4Address;
import java.net.InetAddress;
import org.mxguard.check.generic.DynamicWords;
import org.mxguard.check.generic.HostTokens;
import org.mxguard.check.generic.IpLikePattern;
import org.mxguard.check.generic.IpMatch;
import org.mxguard.check.generic.Ipv4InName;
import org.mxguard.check.generic.Ipv6InName;
import org.mxguard.check.generic.KnownSenders;
import org.mxguard.check.generic.MailWords;
import org.mxguard.dns.DnsNames;

/**
 * Decides from a PTR name (and the client IP, when known) whether the name is a generic ISP,
 * dynamic or cloud-default name rather than the configured name of a server. No DNS.
 *
 * <p>Only the host part is judged: the labels left of the registrable domain. The registrable
 * domain belongs to whoever registered it, so {@code mail.dynamicinternet.com} and
 * {@code mx.poolparty.org} are judged as {@code mail} and {@code mx}.
 *
 * <p>The verdict, in order:
 * <ol>
 *   <li>The whole client IP (or, without an IP, an address-shaped pattern) in the host part:
 *       generic, unless a mail word (mail, mx, smtp, out, ...) is there and no strong dynamic word
 *       is; ISPs do not put "mail" into their customer names, mail operators do
 *       ({@code out162-62-57-49.mail.qq.com}). "static" or "business" next to the IP does not
 *       help: it is still ISP address space named by the ISP.
 *   <li>Only two or three octets of the IP: generic with a dynamic or ISP word and no mail word
 *       ({@code CM-vina5-168-207.cm.vtr.net}); alone it is how ESPs number their hosts
 *       ({@code m43-7.mailgun.net}, {@code a8-29.smtp-out.amazonses.com}).
 *   <li>No address: generic only with a strong dynamic word (dsl, pool, cable, ...), digits, and
 *       no mail word ({@code cpc86377-aztw32-2-0-cust226.18-1.cable.virginm.net}).
 * </ol>
 * A name that is itself a registrable domain ({@code ip-51-75-1-2.eu}, cloud names under a
 * private public suffix such as {@code 172-105-1-2.ip.linodeusercontent.com}) is judged on its
 * first label, for an address only.
 *
 * <p>Immutable and thread-safe; one instance serves all connections.
 */
public final class GenericNameClassifier {
    private static final GenericNameClassifier STANDARD = new GenericNameClassifier();

    private GenericNameClassifier() {
    }

    public static GenericNameClassifier standard() {
        return STANDARD;
    }

    /** Classifies {@code hostName} (any case, trailing dot allowed); {@code ipOrNull} may be null. */
    public Classification classify(String hostName, InetAddress ipOrNull) {
        String name = hostName == null ? "" : DnsNames.normalize(hostName);
        if (name.isEmpty()) {
            return new Classification(false, false, false, false, "empty name");
        }
        if (name.endsWith(".in-addr.arpa") || name.endsWith(".ip6.arpa")) {
            return new Classification(true, true, false, false, "name is a reverse-zone name");
        }
        if (isAddressLiteral(name)) {
            return new Classification(true, true, false, false, "name is a bare address");
        }
        String registrable = RegistrableDomain.of(name);
        boolean hasHostPart = name.length() > registrable.length() + 1 && name.endsWith(registrable)
                && name.charAt(name.length() - registrable.length() - 1) == '.';
        String judged = hasHostPart ? name.substring(0, name.length() - registrable.length() - 1) : firstLabel(name);
        String where = hasHostPart ? "host part '" + judged + "'" : "first label '" + judged + "'";

        HostTokens tokens = HostTokens.of(judged);
        IpMatch ip = findAddress(tokens, ipOrNull);
        String strong = hasHostPart ? DynamicWords.STRONG.firstIn(tokens) : null;
        String weak = hasHostPart ? DynamicWords.WEAK.firstIn(tokens) : null;
        String mail = MailWords.ALL.firstIn(tokens);
        boolean knownSender = KnownSenders.contains(registrable);

        boolean mailWord = mail != null;
        boolean dynamicWord = strong != null || (weak != null && ip != null);
        String word = strong != null ? strong : weak;

        if (ip != null && ip.kind() != IpMatch.Kind.PARTIAL) {
            boolean embedded = ip.kind() == IpMatch.Kind.FULL || ipOrNull == null;
            String found = where + describe(ip);
            if (strong != null) {
                return new Classification(true, embedded, true, mailWord, found + " with dynamic word '" + strong + "'");
            }
            if (mailWord) {
                return new Classification(false, embedded, dynamicWord, true, found + " but mail word '" + mail + "' outweighs it");
            }
            if (knownSender) {
                return new Classification(false, embedded, dynamicWord, false, found + " but " + registrable + " is a known mail sender");
            }
            return new Classification(true, embedded, dynamicWord, false, found + (weak != null ? " with ISP word '" + weak + "'" : ""));
        }
        if (ip != null) {
            String found = where + describe(ip);
            if (strong != null || (weak != null && !mailWord && !knownSender)) {
                return new Classification(true, true, true, mailWord, found + " with dynamic word '" + word + "'");
            }
            String why = mailWord ? " and mail word '" + mail + "'" : " and no dynamic word";
            return new Classification(false, false, false, mailWord, found + why);
        }
        if (strong != null && !mailWord && tokens.hasDigit() && !knownSender) {
            return new Classification(true, false, true, false, "dynamic word '" + strong + "' in " + where);
        }
        if (strong != null) {
            String why = mailWord ? "mail word '" + mail + "'" : tokens.hasDigit() ? "known sender " + registrable : "no digits";
            return new Classification(false, false, true, mailWord, "dynamic word '" + strong + "' in " + where + " but " + why + ", no address");
        }
        return new Classification(false, false, false, mailWord,
                "no address or dynamic word in " + where + (mailWord ? ", mail word '" + mail + "'" : ""));
    }

    private static IpMatch findAddress(HostTokens tokens, InetAddress ip) {
        if (ip == null) {
            return IpLikePattern.find(tokens, true, true);
        }
        byte[] bytes = ip.getAddress();
        boolean v4 = ip instanceof Inet4Address;
        IpMatch m = v4 ? Ipv4InName.find(tokens, bytes) : Ipv6InName.find(tokens.text(), bytes, ip.getHostAddress());
        if (m != null && m.kind() == IpMatch.Kind.FULL) {
            return m;
        }
        // an address-shaped name for some other address of the same family still is a generic name
        IpMatch like = IpLikePattern.find(tokens, v4, !v4);
        return like != null ? like : m;
    }

    private static String describe(IpMatch ip) {
        return switch (ip.kind()) {
            case FULL -> " embeds client IP " + ip.text() + " (" + ip.form() + ")";
            case PARTIAL -> " embeds part of client IP " + ip.text() + " (" + ip.form() + ")";
            case LIKE -> " has IP-like pattern '" + ip.text() + "' (" + ip.form() + ")";
        };
    }

    private static String firstLabel(String name) {
        int dot = name.indexOf('.');
        return dot < 0 ? name : name.substring(0, dot);
    }

    /** A dotted-quad or an IPv6 literal used as a name (some PTRs point at the address itself). */
    private static boolean isAddressLiteral(String name) {
        if (name.indexOf(':') >= 0) {
            return true;
        }
        int dots = 0;
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c == '.') {
                dots++;
            } else if (c < '0' || c > '9') {
                return false;
            }
        }
        return dots == 3;
    }
}
