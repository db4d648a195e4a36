package org.mxguard.check;

/**
 * The point of the SMTP conversation from which a check has its inputs, so that the gateway
 * starts its lookups then, while the client goes on talking.
 */
public enum Stage {
    /** The client's address: PTR names and what they say. */
    CONNECT,
    /** The HELO/EHLO name. */
    HELO,
    /** MAIL FROM, once per transaction. */
    MAIL,
    /** The message's header fields, at the end of DATA. */
    DATA
}
