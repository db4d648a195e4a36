package org.mxguard.queue;

import java.io.IOException;

/**
 * The message was not queued and nothing of it is left in the spool: the client must not get a
 * 250. The SMTP layer answers {@link #REPLY} so that the client keeps the message and tries later.
 */
public class NotQueuedException extends IOException {
    public static final int REPLY_CODE = 452;
    public static final String REPLY_ENHANCED_CODE = "4.3.1";
    public static final String REPLY_TEXT = "Insufficient system storage";
    public static final String REPLY = REPLY_CODE + " " + REPLY_ENHANCED_CODE + " " + REPLY_TEXT;

    public NotQueuedException(String message, Throwable cause) {
        super(message, cause);
    }

    public NotQueuedException(String message) {
        super(message);
    }
}
