package org.mxguard.check;

import java.net.InetAddress;
import java.util.Objects;
import java.util.Optional;
import org.mxguard.dns.DnsNames;

/**
 * What is known about one client so far; facts grow stage by stage (connect, HELO, MAIL, headers).
 * Absent facts are null.
 *
 * @param clientIp  the connecting address (IPv4-mapped IPv6 is made IPv4)
 * @param helo      the HELO/EHLO argument as sent
 * @param mailFrom  the MAIL FROM address without angle brackets; "" is the null reverse-path
 * @param from      the address in the From: header
 * @param replyTo   the address in the Reply-To: header
 */
public record SessionFacts(InetAddress clientIp, String helo, String mailFrom, String from, String replyTo) {
    public SessionFacts {
        clientIp = DnsNames.canonical(Objects.requireNonNull(clientIp, "clientIp"));
    }

    public static SessionFacts connect(InetAddress clientIp) {
        return new SessionFacts(clientIp, null, null, null, null);
    }

    public SessionFacts withHelo(String name) {
        return new SessionFacts(clientIp, name, mailFrom, from, replyTo);
    }

    public SessionFacts withMailFrom(String address) {
        return new SessionFacts(clientIp, helo, address, from, replyTo);
    }

    public SessionFacts withHeaders(String fromAddress, String replyToAddress) {
        return new SessionFacts(clientIp, helo, mailFrom, fromAddress, replyToAddress);
    }

    /** The domain of the MAIL FROM address, when there is one. */
    public Optional<String> mailFromDomain() {
        return MailAddress.domainOf(mailFrom);
    }
}
