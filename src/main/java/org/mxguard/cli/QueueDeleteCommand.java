package org.mxguard.cli;

import java.io.PrintWriter;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.mxguard.queue.Envelope;
import org.mxguard.queue.QueueRequest;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code mxguard queue delete ID}: removes a message whatever its recipients' states. */
@Command(name = "delete", mixinStandardHelpOptions = true,
        description = {"Delete a queued message, envelope and body, whatever state its recipients are in. Recipients"
                + " still pending are not delivered, and their sender gets no bounce.",
                "With --json, the message as it was before: " + QueueOutput.SCHEMA + "."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {" 0:deleted", " 1:no such message, or no spool at DIR", "74:the spool could not be read or written",
                "75:--wait: the server had not applied the request after 60 s; it stays, to be applied later"})
public final class QueueDeleteCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    QueueSpool spool;

    @Parameters(index = "0", paramLabel = "ID", description = "the queue id, as `mxguard queue list` shows it")
    String id;

    @Option(names = "--json", description = "print the deleted message as one JSON object")
    boolean json;

    @Option(names = "--wait", description = "when a running server is asked to make the change, wait until it has")
    boolean wait;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        return spool.change(id, QueueRequest.Action.DELETE, json, wait, out, err, queue -> {
            Optional<Envelope> message = spool.find(queue, id, err);
            if (message.isEmpty()) {
                return 1;
            }
            Envelope envelope = message.get();
            queue.delete(envelope.id());
            int undelivered = envelope.pending().size();
            out.println(json ? Json.write(QueueOutput.envelope(envelope))
                    : id + " deleted" + (undelivered == 0 ? ""
                    : ": " + undelivered + (undelivered == 1 ? " recipient" : " recipients") + " not delivered, no bounce sent"));
            out.flush();
            return 0;
        });
    }
}
