package org.mxguard.postfix;

import java.util.Locale;

/**
 * Postfix's {@code protocol_state}: the SMTP command whose restrictions asked. It says which facts a
 * request carries (an empty {@code sender} at CONNECT is no null reverse-path) and what Postfix lets
 * a policy answer do there ({@code PREPEND} only before the message content).
 */
enum ProtocolState {
    CONNECT, EHLO, HELO, MAIL, RCPT, DATA, END_OF_MESSAGE, VRFY, ETRN,
    /** Anything else (a later Postfix, another client): no check is run. */
    OTHER;

    static ProtocolState parse(String text) {
        return switch (text.toUpperCase(Locale.ROOT)) {
            case "CONNECT" -> CONNECT;
            case "EHLO" -> EHLO;
            case "HELO" -> HELO;
            case "MAIL" -> MAIL;
            case "RCPT" -> RCPT;
            case "DATA" -> DATA;
            case "END-OF-MESSAGE" -> END_OF_MESSAGE;
            case "VRFY" -> VRFY;
            case "ETRN" -> ETRN;
            default -> OTHER;
        };
    }

    /** A stage of a mail transaction, where mxguard's checks apply (VRFY and ETRN are not). */
    boolean isMailStage() {
        return this != VRFY && this != ETRN && this != OTHER;
    }

    /** The HELO/EHLO name is known here (an empty one means none was given). */
    boolean knowsHelo() {
        return isMailStage() && this != CONNECT;
    }

    /** MAIL FROM is known here (an empty {@code sender} is the null reverse-path). */
    boolean knowsSender() {
        return this == MAIL || this == RCPT || this == DATA || this == END_OF_MESSAGE;
    }

    /** RCPT or later: where the gateway gives its refusals by default. */
    boolean isRcptOrLater() {
        return this == RCPT || this == DATA || this == END_OF_MESSAGE;
    }

    /** Postfix's access(5): PREPEND must come before the message content, so not at END-OF-MESSAGE. */
    boolean canPrepend() {
        return this == RCPT || this == DATA;
    }

    /** The verdict stage of the logs and metrics: connect, helo, mail, rcpt or data. */
    String stage() {
        return switch (this) {
            case CONNECT -> "connect";
            case EHLO, HELO -> "helo";
            case MAIL -> "mail";
            case RCPT -> "rcpt";
            case DATA, END_OF_MESSAGE -> "data";
            default -> "other";
        };
    }
}
