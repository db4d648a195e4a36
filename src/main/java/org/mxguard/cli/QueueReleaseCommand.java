package org.mxguard.cli;

import org.mxguard.queue.QueueRequest;
import picocli.CommandLine.Command;

/** {@code mxguard queue release ID}: sets the message's held flag to false. */
@Command(name = "release", mixinStandardHelpOptions = true,
        description = {"Release a held message: it is delivered at its next attempt (mxguard queue flush ID makes that now).",
                "With --json, the message after the change: " + QueueOutput.SCHEMA + "."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {" 0:released (or it was not held)", " 1:no such message, or no spool at DIR",
                "74:the spool could not be read or written",
                "75:--wait: the server had not applied the request after 60 s; it stays, to be applied later"})
public final class QueueReleaseCommand extends QueueChangeCommand.SetHeld {
    public QueueReleaseCommand() {
        super(QueueRequest.Action.RELEASE, false, " released", " was not held");
    }
}
