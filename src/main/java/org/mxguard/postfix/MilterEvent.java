package org.mxguard.postfix;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What an MTA tells a milter (the libmilter protocol's {@code SMFIC_*} commands), decoded by
 * {@link MilterCodec}. Text is UTF-8; a value never contains a NUL (the protocol's terminator).
 */
public sealed interface MilterEvent {
    /** {@code SMFIC_OPTNEG 'O'}: the MTA's protocol version, the actions it allows, the steps it can leave out. */
    record Negotiate(int version, int actions, int protocol) implements MilterEvent {
    }

    /**
     * {@code SMFIC_MACRO 'D'}: macros for the event with code {@code stage} that follows (no reply).
     *
     * @param macros name (as sent, e.g. {@code {client_addr}} or {@code j}) to value, in order
     */
    record Macros(char stage, Map<String, String> macros) implements MilterEvent {
        public Macros {
            macros = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(macros));
        }
    }

    /** The address families of {@link Connect}. */
    enum Family {
        INET('4'), INET6('6'), UNIX('L'), UNKNOWN('U');

        private final char code;

        Family(char code) {
            this.code = code;
        }

        public char code() {
            return code;
        }
    }

    /**
     * {@code SMFIC_CONNECT 'C'}: the SMTP client.
     *
     * @param hostname its verified name, or {@code [address]} when it has none
     * @param port     its port, 0 for {@link Family#UNIX} and {@link Family#UNKNOWN}
     * @param address  its address as text (a socket path for UNIX); "" for {@link Family#UNKNOWN}
     */
    record Connect(String hostname, Family family, int port, String address) implements MilterEvent {
        public Connect {
            Objects.requireNonNull(hostname, "hostname");
            Objects.requireNonNull(family, "family");
            Objects.requireNonNull(address, "address");
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port " + port);
            }
        }
    }

    /** {@code SMFIC_HELO 'H'}: the HELO/EHLO argument. */
    record Helo(String name) implements MilterEvent {
    }

    /** {@code SMFIC_MAIL 'M'}: the MAIL FROM address (in angle brackets, as sent), then its ESMTP parameters. */
    record Mail(List<String> arguments) implements MilterEvent {
        public Mail {
            arguments = List.copyOf(arguments);
        }
    }

    /** {@code SMFIC_RCPT 'R'}: the RCPT TO address (in angle brackets, as sent), then its ESMTP parameters. */
    record Recipient(List<String> arguments) implements MilterEvent {
        public Recipient {
            arguments = List.copyOf(arguments);
        }
    }

    /** {@code SMFIC_HEADER 'L'}: one header field; a folded value keeps its line breaks ({@code \n}). */
    record Header(String name, String value) implements MilterEvent {
    }

    /** {@code SMFIC_EOH 'N'}: the header section is complete. */
    record EndOfHeaders() implements MilterEvent {
    }

    /** {@code SMFIC_BODY 'B'}: a piece of the body, of which only the size is kept (mxguard asks for no body). */
    record Body(int octets) implements MilterEvent {
    }

    /** {@code SMFIC_BODYEOB 'E'}: the message is complete; the final decision and any header changes are due. */
    record EndOfMessage() implements MilterEvent {
    }

    /** {@code SMFIC_ABORT 'A'}: the transaction is over without a message (RSET, a refusal elsewhere); no reply. */
    record Abort() implements MilterEvent {
    }

    /** {@code SMFIC_QUIT 'Q'}: the SMTP session is over; the MTA closes the connection. */
    record Quit() implements MilterEvent {
    }

    /** {@code SMFIC_QUIT_NC 'K'}: the SMTP session is over, and the connection carries a new one. */
    record QuitNewConnection() implements MilterEvent {
    }

    /** {@code SMFIC_DATA 'T'}: the client said DATA. */
    record Data() implements MilterEvent {
    }

    /** {@code SMFIC_UNKNOWN 'U'}: a command the MTA did not know. */
    record Unknown(String command) implements MilterEvent {
    }
}
