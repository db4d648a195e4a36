package org.mxguard.cli;

import org.mxguard.queue.QueueRequest;
import picocli.CommandLine.Command;

/** {@code mxguard queue hold ID}: sets the message's held flag to true. */
@Command(name = "hold", mixinStandardHelpOptions = true,
        description = {"Hold a queued message: it is kept, but neither delivered nor expired, until released.",
                "With --json, the message after the change: " + QueueOutput.SCHEMA + "."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {" 0:held (or it already was)", " 1:no such message, or no spool at DIR",
                "74:the spool could not be read or written",
                "75:--wait: the server had not applied the request after 60 s; it stays, to be applied later"})
public final class QueueHoldCommand extends QueueChangeCommand.SetHeld {
    public QueueHoldCommand() {
        super(QueueRequest.Action.HOLD, true, " held", " was already held");
    }
}
