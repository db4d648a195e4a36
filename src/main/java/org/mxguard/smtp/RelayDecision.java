package org.mxguard.smtp;

import java.util.Objects;
import org.mxguard.policy.Reply;

/** Whether mxguard takes mail for one recipient, as far as relaying goes. */
public sealed interface RelayDecision {
    /** 250 2.1.5 Ok unless another check objects. */
    Reply OK = new Reply(250, "2.1.5", "Ok");

    Reply reply();

    enum Reason {
        /** the recipient domain is one mxguard relays for: inbound mail */
        RELAY_DOMAIN,
        /** the client is in a trusted network: outbound mail, delivered by MX */
        TRUSTED_CLIENT,
        /** the bare {@code <postmaster>} RFC 5321 §4.5.1 requires every server to accept */
        POSTMASTER
    }

    record Accept(Reason reason) implements RelayDecision {
        public Accept {
            Objects.requireNonNull(reason, "reason");
        }

        @Override
        public Reply reply() {
            return OK;
        }
    }

    /** @param why for the log: which rule refused */
    record Refuse(Reply reply, String why) implements RelayDecision {
        public Refuse {
            Objects.requireNonNull(reply, "reply");
            Objects.requireNonNull(why, "why");
        }
    }
}
