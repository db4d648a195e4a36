package org.mxguard.delivery;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.mxguard.dns.DnsNames;

/**
 * The last reply heard about a recipient, in the one-line form the queue keeps in its envelope
 * ({@code Recipient.reply}) and a notification is later made from, possibly days and restarts
 * later: so who said it must be in the text.
 *
 * <ul>
 * <li>a next hop's reply: {@code mail.example.org[192.0.2.1] said: 550 5.1.1 No such user}, as
 *     Postfix words it;</li>
 * <li>ours (routing, a failed connection, a lost session): {@code 451 4.4.1 text}, the same form
 *     as the queue's own replies.</li>
 * </ul>
 *
 * @param remoteHost the next hop's name when it gave the reply, else empty
 * @param remoteAddress its address, empty with {@code remoteHost}
 * @param reply      the reply itself; for ours, a reply we made up with the right class and code
 */
public record DeliveryReply(Optional<String> remoteHost, Optional<String> remoteAddress, SmtpReply reply) {
    private static final Pattern SAID = Pattern.compile("([^\\s\\[\\]]+)\\[([^\\s\\]]+)] said: (.*)", Pattern.DOTALL);

    public DeliveryReply {
        Objects.requireNonNull(remoteHost, "remoteHost");
        Objects.requireNonNull(remoteAddress, "remoteAddress");
        Objects.requireNonNull(reply, "reply");
        if (remoteHost.isPresent() != remoteAddress.isPresent()) {
            throw new IllegalArgumentException("a remote reply names both host and address");
        }
    }

    /** What the server of {@code attempt} answered. */
    public static DeliveryReply from(Attempt attempt, SmtpReply reply) {
        return new DeliveryReply(Optional.of(attempt.host()), Optional.of(address(attempt.address())), reply);
    }

    /**
     * A reply of our own: 451 for a 4.x.y status, 550 for a 5.x.y (the code is only there to keep
     * one form; the status says what happened).
     */
    public static DeliveryReply ours(String status, String text) {
        int code = status.startsWith("5") ? 550 : 451;
        String oneLine = text.replaceAll("[\\r\\n]+", " ");
        return new DeliveryReply(Optional.empty(), Optional.empty(),
                new SmtpReply(code, Optional.of(status), List.of(status + " " + oneLine)));
    }

    /**
     * Reads a stored reply back; empty for text in neither form (none heard yet, or written by
     * something else).
     */
    public static Optional<DeliveryReply> parse(String stored) {
        if (stored == null || stored.isBlank()) {
            return Optional.empty();
        }
        Matcher said = SAID.matcher(stored);
        try {
            if (said.matches()) {
                return Optional.of(new DeliveryReply(Optional.of(said.group(1)), Optional.of(said.group(2)),
                        SmtpReply.parse(List.of(said.group(3)))));
            }
            return Optional.of(new DeliveryReply(Optional.empty(), Optional.empty(), SmtpReply.parse(List.of(stored))));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /** True when a next hop said it, rather than we. */
    public boolean isRemote() {
        return remoteHost.isPresent();
    }

    /** The RFC 3463 status: the enhanced code, or the reply's class ({@code 5.0.0}) without one. */
    public String status() {
        return reply.status();
    }

    /** The reply's text without the enhanced status code in front. */
    public String words() {
        String text = reply.text();
        return reply.enhancedCode().filter(text::startsWith).map(code -> text.substring(code.length()).strip())
                .orElse(text);
    }

    /** The stored form. */
    @Override
    public String toString() {
        return isRemote() ? remoteHost.get() + "[" + remoteAddress.get() + "] said: " + reply : reply.toString();
    }

    private static String address(InetSocketAddress address) {
        return DnsNames.text(address.getAddress());
    }
}
