package org.mxguard.smtp;

import java.net.InetAddress;
import java.text.Normalizer;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;
import org.mxguard.policy.AllowlistEntry.Cidr;
import org.mxguard.policy.Reply;

/**
 * Decides whether a RCPT may be accepted without making mxguard an open relay: mail for a relay
 * domain is taken from anyone; mail for any other domain only from a trusted network; everything
 * else is refused with Postfix's {@code 554 5.7.1 <rcpt>: Relay access denied}.
 *
 * <p>From clients outside the trusted networks, addresses that carry their own routing are refused
 * even for a relay domain, as Postfix does with {@code allow_untrusted_routing = no}: a '%', '!' or
 * '@' in the local part ({@code user%other.example@relay.example}, {@code other!user@...},
 * {@code "user@other.example"@...}) and source routes. The relay domain's own server might honour
 * that routing and pass the mail on to the outside. The characters are looked for after NFKC
 * normalization too, since a server downstream may fold a full-width '％' into '%'. Address
 * literals ({@code user@[192.0.2.1]}) name a machine, not a domain we serve, and are refused too.
 *
 * @param relayDomains    {@code example.org} matches that domain only; {@code .example.org} its
 *                        subdomains only (Postfix's {@code .domain} notation, as in Transports):
 *                        subdomains are often other mail systems, so relaying for them must be
 *                        said. Given in U-labels or A-labels, any case, trailing dot or not.
 * @param trustedNetworks clients that may send to any domain
 */
public record RelayControl(Set<String> relayDomains, List<Cidr> trustedNetworks) {
    private static final String ROUTING_CHARACTERS = "%!@";

    public RelayControl {
        relayDomains = relayDomains.stream().map(MailDomain::relayKey).collect(Collectors.toUnmodifiableSet());
        trustedNetworks = List.copyOf(trustedNetworks);
    }

    /** @param trustedNetworks CIDRs or plain addresses, e.g. {@code 192.0.2.0/24}, {@code ::1} */
    public static RelayControl of(Collection<String> relayDomains, Collection<String> trustedNetworks) {
        return new RelayControl(Set.copyOf(relayDomains), trustedNetworks.stream().map(Cidr::parse).toList());
    }

    public RelayDecision decide(SmtpPath recipient, InetAddress client) {
        Objects.requireNonNull(client, "client");
        if (recipient.isNull()) {
            throw new IllegalArgumentException("the null path is no recipient");
        }
        if (recipient.isPostmaster()) {
            return new RelayDecision.Accept(RelayDecision.Reason.POSTMASTER);
        }
        boolean relayDomain = isRelayDomain(recipient.domain());
        if (isTrusted(client)) {
            return new RelayDecision.Accept(relayDomain ? RelayDecision.Reason.RELAY_DOMAIN
                    : RelayDecision.Reason.TRUSTED_CLIENT);
        }
        if (recipient.hadSourceRoute()) {
            return denied(recipient, "source route from an untrusted client");
        }
        if (hasRoutingCharacter(recipient.localPart().value())) {
            return denied(recipient, "sender-specified routing in the local part from an untrusted client");
        }
        if (recipient.isAddressLiteral()) {
            return denied(recipient, "address literal from an untrusted client");
        }
        if (!relayDomain) {
            return denied(recipient, "not a relay domain and the client is not trusted");
        }
        return new RelayDecision.Accept(RelayDecision.Reason.RELAY_DOMAIN);
    }

    /** @param domain as {@link SmtpPath#domain()} gives it: normalized */
    public boolean isRelayDomain(String domain) {
        if (relayDomains.contains(domain)) {
            return true;
        }
        for (int dot = domain.indexOf('.'); dot >= 0; dot = domain.indexOf('.', dot + 1)) {
            if (relayDomains.contains(domain.substring(dot))) { // ".example.org" for "a.example.org"
                return true;
            }
        }
        return false;
    }

    public boolean isTrusted(InetAddress client) {
        for (Cidr network : trustedNetworks) {
            if (network.contains(client)) {
                return true;
            }
        }
        return false;
    }

    private static boolean hasRoutingCharacter(String local) {
        String folded = Normalizer.normalize(local, Normalizer.Form.NFKC);
        for (int i = 0; i < ROUTING_CHARACTERS.length(); i++) {
            char c = ROUTING_CHARACTERS.charAt(i);
            if (local.indexOf(c) >= 0 || folded.indexOf(c) >= 0) {
                return true;
            }
        }
        return false;
    }

    private static RelayDecision.Refuse denied(SmtpPath recipient, String why) {
        return new RelayDecision.Refuse(new Reply(554, "5.7.1", recipient.original() + ": Relay access denied"), why);
    }
}
