package org.mxguard.check;

import java.net.Inet6Address;
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
 *   <li>The whole client IP in the host part, or an address-shaped pattern (any form when the IP
 *       is unknown; four decimal octets of some other address when it is known): generic, unless
 *       a mail word (mail, mx, smtp, out, ...) is there and no strong dynamic word is; ISPs do not
 *       put "mail" into their customer names, mail operators do
 *       ({@code out162-62-57-49.mail.qq.com}). "static" or "business" next to the IP does not
 *       help: it is still ISP address space named by the ISP. A short list of big senders' domains
 *       breaks the tie when nothing else speaks for a mail server.
 *   <li>Only two or three octets of the IP: generic with a dynamic or ISP word and no mail word
 *       ({@code CM-vina5-168-207.cm.vtr.net}); alone it is how ESPs number their hosts
 *       ({@code m43-7.mailgun.net}, {@code a8-29.smtp-out.amazonses.com}).
 *   <li>No address: generic only with a strong dynamic word (dsl, pool, cable, ...), digits, at
 *       least two labels and no mail word
 *       ({@code cpc86377-aztw32-2-0-cust226.18-1.cable.virginm.net}).
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
        Found f = inspect(name, ipOrNull);
        if (f.ip() == null) {
            return byWords(f);
        }
        return f.ip().kind() == IpMatch.Kind.PARTIAL ? byPartialAddress(f) : byAddress(f, ipOrNull == null);
    }

    /** Everything the verdict looks at, gathered from the host part in one pass each. */
    private record Found(String where, String registrable, HostTokens tokens, IpMatch ip, String strong, String weak,
            String mail, boolean knownSender) {

        boolean mailWord() {
            return mail != null;
        }

        boolean dynamicWord() {
            return strong != null || (weak != null && ip != null);
        }

        String found() {
            return where + describe(ip);
        }
    }

    private static Found inspect(String name, InetAddress ipOrNull) {
        String registrable = RegistrableDomain.of(name);
        boolean hasHostPart = name.length() > registrable.length() + 1 && name.endsWith(registrable)
                && name.charAt(name.length() - registrable.length() - 1) == '.';
        String judged = hasHostPart ? name.substring(0, name.length() - registrable.length() - 1) : firstLabel(name);
        HostTokens tokens = HostTokens.of(judged);
        // a name that is itself a registrable domain was chosen by its registrant: words say nothing there
        String shown = judged.length() <= 80 ? judged : judged.substring(0, 77) + "...";
        return new Found(hasHostPart ? "host part '" + shown + "'" : "first label '" + shown + "'", registrable, tokens,
                findAddress(tokens, ipOrNull),
                hasHostPart ? DynamicWords.STRONG.firstIn(tokens) : null,
                hasHostPart ? DynamicWords.WEAK.firstIn(tokens) : null,
                MailWords.ALL.firstIn(tokens), KnownSenders.contains(registrable));
    }

    /** The whole address, or an address-shaped pattern: generic unless a mail word outweighs it. */
    private static Classification byAddress(Found f, boolean ipUnknown) {
        boolean embedded = f.ip().kind() == IpMatch.Kind.FULL || ipUnknown;
        if (f.strong() != null) {
            return new Classification(true, embedded, true, f.mailWord(), f.found() + " with dynamic word '" + f.strong() + "'");
        }
        if (f.mailWord()) {
            return new Classification(false, embedded, f.dynamicWord(), true, f.found() + " but mail word '" + f.mail() + "' outweighs it");
        }
        if (f.knownSender()) {
            return new Classification(false, embedded, f.dynamicWord(), false, f.found() + " but " + f.registrable() + " is a known mail sender");
        }
        String word = f.weak() != null ? " with ISP word '" + f.weak() + "'" : "";
        return new Classification(true, embedded, f.dynamicWord(), false, f.found() + word);
    }

    /** Two or three octets: generic only next to a dynamic or ISP word, and no mail word. */
    private static Classification byPartialAddress(Found f) {
        if (f.strong() != null || (f.weak() != null && !f.mailWord() && !f.knownSender())) {
            String word = f.strong() != null ? f.strong() : f.weak();
            return new Classification(true, true, true, f.mailWord(), f.found() + " with dynamic word '" + word + "'");
        }
        String why = f.mailWord() ? " and mail word '" + f.mail() + "'" : " and no dynamic word";
        return new Classification(false, false, f.dynamicWord(), f.mailWord(), f.found() + why);
    }

    /** No address: a strong dynamic word in an ISP-shaped name. */
    private static Classification byWords(Found f) {
        // ISPs delegate a zone per access type or region, so their names are at least two labels
        // deep below the registrable domain; a one-label "cm1" or "nat-gw2" is an organisation's host
        boolean nested = f.tokens().text().indexOf('.') > 0;
        boolean digits = f.tokens().hasDigit();
        if (f.strong() != null && !f.mailWord() && digits && nested && !f.knownSender()) {
            return new Classification(true, false, true, false, "dynamic word '" + f.strong() + "' in " + f.where());
        }
        if (f.strong() != null) {
            String why = f.mailWord() ? "mail word '" + f.mail() + "'" : !digits ? "no digits"
                    : !nested ? "a single label" : "known sender " + f.registrable();
            return new Classification(false, false, true, f.mailWord(), "dynamic word '" + f.strong() + "' in " + f.where() + " but " + why + ", no address");
        }
        String mail = f.mailWord() ? ", mail word '" + f.mail() + "'" : "";
        return new Classification(false, false, false, f.mailWord(), "no address or dynamic word in " + f.where() + mail);
    }

    private static IpMatch findAddress(HostTokens tokens, InetAddress ip) {
        if (ip == null) {
            return IpLikePattern.find(tokens);
        }
        IpMatch m = ip instanceof Inet6Address v6 ? Ipv6InName.find(tokens.text(), v6) : Ipv4InName.find(tokens, ip.getAddress());
        if (m != null && m.kind() == IpMatch.Kind.FULL) {
            return m;
        }
        // four decimal octets of some other address (stale PTR, NAT, a neighbour) still is an ISP scheme
        IpMatch like = IpLikePattern.decimal(tokens);
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
