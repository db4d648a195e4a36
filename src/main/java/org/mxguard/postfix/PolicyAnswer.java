package org.mxguard.postfix;

import java.nio.charset.StandardCharsets;
import java.util.Objects;
import org.mxguard.policy.Reply;

/**
 * What mxguard tells Postfix: one access(5) action. Texts are made one printable ASCII line and cut
 * to a length an SMTP reply can carry, since Postfix puts them into its reply or the message header.
 */
sealed interface PolicyAnswer {
    /** Longest text of a refusal: Postfix adds "&lt;rcpt&gt;: Recipient address rejected: " in front. */
    int MAX_REPLY_TEXT = 300;

    /** The action, as after {@code action=}. */
    String action();

    /** The lower-case keyword, for logs and metrics: dunno, prepend, reject, defer_if_permit. */
    String keyword();

    /** The whole answer on the wire: the action line and the empty line that ends it. */
    default byte[] wire() {
        return ("action=" + action() + "\n\n").getBytes(StandardCharsets.US_ASCII);
    }

    /** No opinion: Postfix goes on with its next restriction. */
    record Dunno() implements PolicyAnswer {
        static final Dunno INSTANCE = new Dunno();

        @Override
        public String action() {
            return "DUNNO";
        }

        @Override
        public String keyword() {
            return "dunno";
        }
    }

    /**
     * A refusal, chosen by the reply's code so that a 4xx can never become a permanent one: a 5xx is
     * {@code REJECT} (Postfix answers with its {@code access_map_reject_code}, 554 by default), a 4xx
     * {@code DEFER_IF_PERMIT} (refused for now unless a later restriction rejects; Postfix answers with
     * its {@code access_map_defer_code}, 450 by default); either with this enhanced code and text.
     */
    record Refusal(Reply reply) implements PolicyAnswer {
        public Refusal {
            Objects.requireNonNull(reply, "reply");
        }

        boolean permanent() {
            return reply.code() >= 500;
        }

        @Override
        public String action() {
            return (permanent() ? "REJECT " : "DEFER_IF_PERMIT ") + reply.enhanced() + " "
                    + printable(reply.text(), MAX_REPLY_TEXT);
        }

        @Override
        public String keyword() {
            return permanent() ? "reject" : "defer_if_permit";
        }
    }

    /** A header field for Postfix to add on top of the message: {@code Name: value}, one line. */
    record Prepend(String field) implements PolicyAnswer {
        public Prepend {
            if (field.indexOf('\n') >= 0 || field.indexOf('\r') >= 0 || field.indexOf(':') <= 0) {
                throw new IllegalArgumentException("not a one-line header field: " + field);
            }
        }

        @Override
        public String action() {
            return "PREPEND " + field;
        }

        @Override
        public String keyword() {
            return "prepend";
        }
    }

    /** The text as printable ASCII on one line ('?' for anything else), at most {@code max} characters. */
    static String printable(String text, int max) {
        StringBuilder out = new StringBuilder(Math.min(text.length(), max));
        for (int i = 0; i < text.length() && out.length() < max; i++) {
            char c = text.charAt(i);
            out.append(c >= 0x20 && c < 0x7f ? c : '?');
        }
        return out.toString();
    }
}
