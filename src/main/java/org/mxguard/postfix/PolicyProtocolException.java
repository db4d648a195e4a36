package org.mxguard.postfix;

import java.io.IOException;

/**
 * A request that breaks the protocol or a limit. Postfix's SMTPD_POLICY_README says a server in
 * trouble sends no reply, logs a warning and disconnects: the request's end can no longer be found
 * with certainty, and Postfix then retries and, failing that, applies its
 * {@code smtpd_policy_service_default_action}.
 */
final class PolicyProtocolException extends IOException {
    enum Kind {
        /** A line without '=', or with an empty name. */
        MALFORMED_LINE,
        /** A line longer than the line limit. */
        LINE_TOO_LONG,
        /** A request larger than the request limit. */
        REQUEST_TOO_LARGE,
        /** The client closed the connection in the middle of a request. */
        TRUNCATED
    }

    private final Kind kind;

    PolicyProtocolException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    Kind kind() {
        return kind;
    }
}
