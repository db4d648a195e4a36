package org.mxguard.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.mxguard.queue.Envelope;
import org.mxguard.queue.Recipient;
import org.mxguard.queue.Spool;
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
        exitCodeList = {" 0:deleted", " 1:no such message, or no spool at DIR", "74:the spool could not be read or written"})
public final class QueueDeleteCommand implements Callable<Integer> {
    /** The reply recorded for each recipient given up by deletion (the spool removes only finished messages). */
    static final String DELETED = "deleted from the queue by an administrator (mxguard queue delete): not delivered, no bounce sent";

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    QueueSpool spool;

    @Parameters(index = "0", paramLabel = "ID", description = "the queue id, as `mxguard queue list` shows it")
    String id;

    @Option(names = "--json", description = "print the deleted message as one JSON object")
    boolean json;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        try {
            Optional<Spool> queue = spool.openExisting(err);
            Optional<Envelope> message = queue.flatMap(q -> spool.find(q, id, err));
            if (message.isEmpty()) {
                return 1;
            }
            Envelope envelope = message.get();
            Envelope givenUp = envelope;
            for (Recipient pending : envelope.pending()) {
                givenUp = givenUp.with(pending.bounced(DELETED));
            }
            queue.get().remove(givenUp);
            int undelivered = envelope.pending().size();
            out.println(json ? Json.write(QueueOutput.envelope(envelope))
                    : id + " deleted" + (undelivered == 0 ? ""
                    : ": " + undelivered + (undelivered == 1 ? " recipient" : " recipients") + " not delivered, no bounce sent"));
            out.flush();
            return 0;
        } catch (IOException e) {
            return QueueSpool.failed(err, e);
        }
    }
}
