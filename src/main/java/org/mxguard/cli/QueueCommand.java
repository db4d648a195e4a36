package org.mxguard.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code mxguard queue}: look at and act on the messages in the spool. */
@Command(name = "queue", mixinStandardHelpOptions = true,
        description = "Look at the queued messages and act on them: list, show, flush, delete, hold, release.",
        subcommands = {QueueListCommand.class, QueueShowCommand.class, QueueFlushCommand.class, QueueDeleteCommand.class,
                QueueHoldCommand.class, QueueReleaseCommand.class},
        footerHeading = "%n",
        footer = {"Each takes --spool DIR (default var/spool, as for the server) and --json. They read the spool"
                + " directly and never delete or move a file of it except the message they are told to delete.",
                "While mxguard serve runs on the spool it alone writes it: flush, delete, hold and release then leave"
                + " a request in DIR/requests/, which it applies within 2 s (--wait waits for that; a message being"
                + " delivered is changed when its delivery round ends). Otherwise they change the spool themselves.",
                "Exit codes: 0 done (or requested), 1 no such message (or no spool), 74 the spool could not be read"
                + " or written, 75 --wait gave up."})
public final class QueueCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
