package org.mxguard.cli;

import java.io.IOException;
import java.io.PrintWriter;
import org.mxguard.queue.Envelope;
import org.mxguard.queue.QueueRequest;
import org.mxguard.queue.Spool;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code mxguard queue delete ID}: removes a message whatever its recipients' states. */
@Command(name = "delete", mixinStandardHelpOptions = true,
        description = {"Delete a queued message, envelope and body, whatever state its recipients are in. Recipients"
                + " still pending are not delivered, and their sender gets no bounce.",
                "With --json, the message as it was before: " + QueueOutput.SCHEMA + "."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {" 0:deleted", " 1:no such message, or no spool at DIR", "74:the spool could not be read or written",
                "75:--wait: the server had not applied the request after 60 s; it stays, to be applied later"})
public final class QueueDeleteCommand extends QueueChangeCommand.OneMessage {
    @Option(names = "--json", description = "print the deleted message as one JSON object")
    boolean json;

    public QueueDeleteCommand() {
        super(QueueRequest.Action.DELETE);
    }

    @Override
    boolean json() {
        return json;
    }

    @Override
    int edit(Spool queue, Envelope message, PrintWriter out) throws IOException {
        queue.delete(message.id());
        int undelivered = message.pending().size();
        return QueueOutput.printed(out, json ? Json.write(QueueOutput.envelope(message))
                : id + " deleted" + (undelivered == 0 ? ""
                : ": " + undelivered + (undelivered == 1 ? " recipient" : " recipients") + " not delivered, no bounce sent"));
    }
}
