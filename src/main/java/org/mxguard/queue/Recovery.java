package org.mxguard.queue;

import java.nio.file.Path;
import java.util.List;

/**
 * What start-up found in the spool.
 *
 * @param messages    every complete message, oldest first: these are back in the queue
 * @param discarded   temporary files and bodies without an envelope, deleted: never acknowledged
 * @param quarantined envelopes that could not be read (and their bodies), moved to {@code corrupt/}
 *                    for a person to look at, since they may have been acknowledged
 */
public record Recovery(List<Envelope> messages, List<Path> discarded, List<Path> quarantined) {
    public Recovery {
        messages = List.copyOf(messages);
        discarded = List.copyOf(discarded);
        quarantined = List.copyOf(quarantined);
    }
}
