package org.mxguard.delivery;

import java.nio.charset.StandardCharsets;

/**
 * A delivery status notification ready for the queue.
 *
 * @param envelopeSender always "", the null reverse-path (RFC 3464 §2, RFC 5321 §4.5.5), so that
 *                       a notification that cannot be delivered is never bounced in turn
 * @param recipient      the original message's envelope sender
 * @param messageId      the notification's Message-ID, with angle brackets, for the logs
 * @param content        the whole message, CRLF line endings, 7-bit
 */
public record DsnMessage(String envelopeSender, String recipient, String messageId, byte[] content) {
    public DsnMessage {
        if (!envelopeSender.isEmpty()) {
            throw new IllegalArgumentException("a notification is always sent from the null reverse-path");
        }
        content = content.clone();
    }

    @Override
    public byte[] content() {
        return content.clone();
    }

    /** The content as text; it is 7-bit, except in the To: field of an internationalised sender. */
    public String contentAsString() {
        return new String(content, StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return "DsnMessage[" + messageId + " to <" + recipient + ">, " + content.length + " octets]";
    }
}
