package org.mxguard.postfix;

import java.util.Objects;
import java.util.regex.Pattern;
import org.mxguard.policy.Reply;

/** What a milter answers (the libmilter protocol's {@code SMFIR_*} replies), encoded by {@link MilterCodec}. */
public sealed interface MilterReply {
    /** {@code SMFIC_OPTNEG 'O'}: the version spoken, the actions wanted, the steps the MTA may leave out. */
    record Negotiate(int version, int actions, int protocol) implements MilterReply {
    }

    /** {@code SMFIR_CONTINUE 'c'}: go on. */
    record Continue() implements MilterReply {
    }

    /** {@code SMFIR_ACCEPT 'a'}: accept; no more events for this message (or, at connect, this connection). */
    record Accept() implements MilterReply {
    }

    /** {@code SMFIR_REJECT 'r'}: the MTA's own 5xx. */
    record Reject() implements MilterReply {
    }

    /** {@code SMFIR_TEMPFAIL 't'}: the MTA's own 4xx. */
    record Tempfail() implements MilterReply {
    }

    /**
     * {@code SMFIR_REPLYCODE 'y'}: refuse with this SMTP reply, e.g. {@code 550 5.7.25 text}. The text
     * is one line of printable ASCII: Postfix (as Sendmail) reads {@code %%} as one {@code %}, so
     * {@link #of} doubles each.
     */
    record ReplyCode(String reply) implements MilterReply {
        private static final Pattern FORM = Pattern.compile("[45][0-9][0-9] [\\x20-\\x7e]*");
        /** A reply line is at most 512 octets (RFC 5321 §4.5.3.1.5), less the CRLF. */
        static final int MAX_TEXT = 400;

        public ReplyCode {
            Objects.requireNonNull(reply, "reply");
            if (!FORM.matcher(reply).matches()) {
                throw new IllegalArgumentException("not a 4xx/5xx reply line: " + reply);
            }
        }

        /** A policy reply as a milter reply: control and non-ASCII characters made safe, '%' doubled, kept short. */
        public static ReplyCode of(Reply reply) {
            StringBuilder text = new StringBuilder();
            String given = reply.text() == null ? "" : reply.text();
            for (int i = 0; i < given.length() && text.length() < MAX_TEXT; i++) {
                char c = given.charAt(i);
                if (c == '%') {
                    text.append("%%");
                } else {
                    text.append(c < 0x20 || c == 0x7f ? ' ' : c > 0x7e ? '?' : c);
                }
            }
            String enhanced = reply.enhanced() == null ? "" : reply.enhanced() + " ";
            return new ReplyCode(reply.code() + " " + enhanced + text);
        }
    }

    /** {@code SMFIR_ADDHEADER 'h'}: append a field to the header; a folded value breaks lines with {@code \n}. */
    record AddHeader(String name, String value) implements MilterReply {
    }

    /**
     * {@code SMFIR_INSHEADER 'i'}: insert a field before the {@code index}th (0: at the very top). Postfix
     * counts its own {@code Received:} here, so 1 is just below it.
     */
    record InsertHeader(int index, String name, String value) implements MilterReply {
    }

    /**
     * {@code SMFIR_CHGHEADER 'm'}: replace the {@code index}th field called {@code name} (from 1, among the
     * fields the milter was shown); an empty value deletes it.
     */
    record ChangeHeader(int index, String name, String value) implements MilterReply {
    }
}
