package org.mxguard.smtp;

import java.io.IOException;
import java.util.Objects;

/**
 * A connection that should have started with a PROXY protocol header did not start with a valid
 * one. The spec's answer is to drop the connection at once, without a reply. An {@link IOException}
 * so that a session's reading code ends on it like on any other broken connection.
 */
public final class ProxyProtocolException extends IOException {
    /** What was wrong, for the log and for tests. */
    public enum Reason {
        /** Neither the v1 {@code "PROXY "} nor the v2 signature. */
        NOT_PROXY,
        /** The stream ended inside the header. */
        TRUNCATED,
        /** v1: no CRLF within 107 octets. */
        TOO_LONG,
        /** v1: a bare CR or LF, a wrong field count or spacing, an unknown protocol name. */
        BAD_SYNTAX,
        /** v1: an address that is not of the announced family, or not an address. */
        BAD_ADDRESS,
        /** v1: a port that is not a decimal in [0, 65535] without leading zeros. */
        BAD_PORT,
        /** v2: a version other than 2, a command other than LOCAL or PROXY, or an unassigned family or protocol. */
        UNSUPPORTED,
        /** v2: an address block shorter than its family needs. */
        BAD_LENGTH
    }

    private final Reason reason;

    public ProxyProtocolException(Reason reason, String detail) {
        super(Objects.requireNonNull(reason, "reason") + ": " + detail);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }

    /** No stack trace: bad input from the network is routine, not a bug worth tracing. */
    @Override
    public synchronized Throwable fillInStackTrace() {
        return this;
    }
}
