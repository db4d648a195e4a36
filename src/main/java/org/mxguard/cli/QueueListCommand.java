package org.mxguard.cli;

import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import org.mxguard.queue.Envelope;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code mxguard queue list}: every queued message, one line each. */
@Command(name = "list", mixinStandardHelpOptions = true,
        description = {"List the queued messages, oldest first, one line each: id, arrival, sender (<> for the null"
                + " sender), delivery attempts so far, next attempt, held, and each recipient with its status.",
                "With --json, an array with one object per message: " + QueueOutput.SCHEMA + "."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {" 0:listed", " 1:no spool at DIR", "74:the spool could not be read"})
public final class QueueListCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    QueueSpool spool;

    @Option(names = "--json", description = "print a JSON array")
    boolean json;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        return spool.read(err, queue -> {
            List<Envelope> messages = queue.list();
            return QueueOutput.printed(out, json ? QueueOutput.json(messages) : QueueOutput.list(messages));
        });
    }
}
