package org.mxguard.delivery;

import java.util.List;
import java.util.Objects;

/**
 * One message to one server: MAIL FROM, an RCPT TO per recipient, DATA.
 *
 * @param sender     the reverse-path without angle brackets; empty for the null sender {@code <>}
 * @param recipients forward-paths without angle brackets, in the order they are sent
 * @param body       the message
 * @param eightBit   the message has octets above 127, so it goes with {@code BODY=8BITMIME} where
 *                   the server offers it; the queue knows this from reception, which saves
 *                   reading a large file twice
 */
public record SmtpTransaction(String sender, List<String> recipients, SmtpBody body, boolean eightBit) {
    public SmtpTransaction {
        requireSafe(Objects.requireNonNull(sender, "sender"));
        recipients = List.copyOf(recipients);
        if (recipients.isEmpty()) {
            throw new IllegalArgumentException("a transaction needs at least one recipient");
        }
        for (String r : recipients) {
            if (r.isEmpty()) {
                throw new IllegalArgumentException("empty recipient address");
            }
            requireSafe(r);
        }
        Objects.requireNonNull(body, "body");
    }

    /** A message held in memory; whether it is 8-bit is found by looking. */
    public static SmtpTransaction of(String sender, List<String> recipients, byte[] message) {
        SmtpBody.Bytes body = new SmtpBody.Bytes(message);
        return new SmtpTransaction(sender, recipients, body, body.has8bit());
    }

    /** An address goes into a command line: a CR or LF in it would inject commands of its own. */
    private static void requireSafe(String address) {
        for (int i = 0; i < address.length(); i++) {
            char c = address.charAt(i);
            if (c < 0x20 || c == 0x7f || c == '<' || c == '>') {
                throw new IllegalArgumentException("address contains a control character or angle bracket: "
                        + address.replaceAll("\\p{Cntrl}", "?"));
            }
        }
    }
}
