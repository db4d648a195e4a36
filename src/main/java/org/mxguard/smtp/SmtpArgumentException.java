package org.mxguard.smtp;

import java.util.Objects;
import org.mxguard.policy.Reply;

/**
 * A MAIL or RCPT argument the server refuses, with the reply to send. The reply text is fixed
 * (Postfix's wording) so that clients and tests can rely on it; {@link #detail()} says what exactly
 * was wrong, for the log.
 */
public final class SmtpArgumentException extends Exception {
    private final Reply reply;
    private final String detail;

    public SmtpArgumentException(Reply reply, String detail) {
        // no stack trace: bad input from the network is routine, not a bug worth tracing
        super(Objects.requireNonNull(reply, "reply") + " (" + detail + ")", null, false, false);
        this.reply = reply;
        this.detail = Objects.requireNonNull(detail, "detail");
    }

    public Reply reply() {
        return reply;
    }

    public String detail() {
        return detail;
    }
}
