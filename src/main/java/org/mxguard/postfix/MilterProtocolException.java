package org.mxguard.postfix;

import java.io.IOException;

/**
 * The peer broke the milter protocol: a packet with a bad length, an unknown command, data that
 * does not have the command's form, or a command out of order. The connection cannot be trusted to
 * be in step any more, so it is closed; the MTA then applies its {@code milter_default_action}.
 */
public final class MilterProtocolException extends IOException {
    private static final long serialVersionUID = 1L;

    public MilterProtocolException(String message) {
        super(message);
    }
}
