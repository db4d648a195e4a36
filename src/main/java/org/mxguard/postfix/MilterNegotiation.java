package org.mxguard.postfix;

/**
 * What mxguard asks for in the option negotiation ({@code SMFIC_OPTNEG}), given what the MTA offers:
 * the events it needs (connect, HELO, MAIL, RCPT, headers, end of headers, end of message) and not
 * the body, DATA or unknown commands; no reply to each header when the MTA allows it; and the right
 * to add header fields (Authentication-Results, the tag) and to delete forged ones. Only what the
 * MTA offers is asked for: Postfix refuses a milter that asks for more.
 *
 * @param version  the protocol version both speak: the MTA's, at most {@value #VERSION}
 * @param actions  the {@code SMFIF_*} actions mxguard may take
 * @param protocol the {@code SMFIP_*} steps the MTA leaves out or needs no reply for
 */
public record MilterNegotiation(int version, int actions, int protocol) {
    /** The version mxguard speaks, Postfix's {@code milter_protocol = 6}. */
    public static final int VERSION = 6;
    /** The oldest version with everything needed here. */
    static final int OLDEST = 2;

    static final int ADD_HEADERS = 0x01;      // SMFIF_ADDHDRS
    static final int CHANGE_HEADERS = 0x10;   // SMFIF_CHGHDRS

    static final int NO_BODY = 0x10;          // SMFIP_NOBODY
    static final int NO_HEADER_REPLY = 0x80;  // SMFIP_NR_HDR
    static final int NO_UNKNOWN = 0x100;      // SMFIP_NOUNKNOWN
    static final int NO_DATA = 0x200;         // SMFIP_NODATA

    private static final int WANTED_ACTIONS = ADD_HEADERS | CHANGE_HEADERS;
    private static final int WANTED_PROTOCOL = NO_BODY | NO_HEADER_REPLY | NO_UNKNOWN | NO_DATA;

    /** The answer to the MTA's offer. */
    public static MilterNegotiation answer(MilterEvent.Negotiate offer) throws MilterProtocolException {
        if (offer.version() < OLDEST) {
            throw new MilterProtocolException("the MTA speaks milter protocol version " + offer.version()
                    + "; mxguard needs " + OLDEST + " or later");
        }
        return new MilterNegotiation(Math.min(VERSION, offer.version()), offer.actions() & WANTED_ACTIONS,
                offer.protocol() & WANTED_PROTOCOL);
    }

    public MilterReply.Negotiate reply() {
        return new MilterReply.Negotiate(version, actions, protocol);
    }

    /** Whether the MTA waits for a reply to each header field. */
    public boolean repliesToHeaders() {
        return (protocol & NO_HEADER_REPLY) == 0;
    }

    public boolean mayAddHeaders() {
        return (actions & ADD_HEADERS) != 0;
    }

    public boolean mayChangeHeaders() {
        return (actions & CHANGE_HEADERS) != 0;
    }
}
