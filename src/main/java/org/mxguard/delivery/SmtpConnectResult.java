package org.mxguard.delivery;

import java.net.InetSocketAddress;
import java.util.Objects;
import java.util.Optional;

/** Either a session ready for transactions, or why there is none. */
public sealed interface SmtpConnectResult {

    /** Greeted, EHLO (or HELO) answered, and TLS started when the server offered it and it worked. */
    record Connected(SmtpConnection connection) implements SmtpConnectResult {
        public Connected {
            Objects.requireNonNull(connection, "connection");
        }
    }

    /**
     * No session.
     *
     * @param target the server
     * @param stage  how far it got: a failure to {@code BIND} the source address points at the
     *               egress, the others at the server or the path to it
     * @param reply  the server's refusal (a 421 or 554 greeting, the reply to HELO) if it gave one
     * @param detail one line saying what happened
     */
    record Failed(InetSocketAddress target, Stage stage, Optional<SmtpReply> reply, String detail)
            implements SmtpConnectResult {
        public Failed {
            Objects.requireNonNull(target, "target");
            Objects.requireNonNull(stage, "stage");
            Objects.requireNonNull(reply, "reply");
            Objects.requireNonNull(detail, "detail");
        }

        @Override
        public String toString() {
            return target + ": " + stage + ": " + detail;
        }
    }

    enum Stage {
        /** The source address could not be bound: it is not (or no longer) an address of this host. */
        BIND,
        /** No TCP connection: refused, unreachable, timed out. */
        CONNECT,
        /** Connected but no 220: a 421/554 greeting, silence, a closed connection. */
        GREETING,
        /** Neither EHLO nor HELO was accepted. */
        HELLO
    }
}
