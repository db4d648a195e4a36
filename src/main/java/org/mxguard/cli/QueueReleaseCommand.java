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

/** {@code mxguard queue release ID}: sets the message's held flag to false. */
@Command(name = "release", mixinStandardHelpOptions = true,
        description = {"Release a held message: it is delivered at its next attempt (mxguard queue flush ID makes that now).",
                "With --json, the message after the change: " + QueueOutput.SCHEMA + "."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {" 0:released (or it was not held)", " 1:no such message, or no spool at DIR",
                "74:the spool could not be read or written",
                "75:--wait: the server had not applied the request after 60 s; it stays, to be applied later"})
public final class QueueReleaseCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    QueueSpool spool;

    @Parameters(index = "0", paramLabel = "ID", description = "the queue id, as `mxguard queue list` shows it")
    String id;

    @Option(names = "--json", description = "print the message as one JSON object")
    boolean json;

    @Option(names = "--wait", description = "when a running server is asked to make the change, wait until it has")
    boolean wait;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        return spool.change(id, QueueRequest.Action.RELEASE, json, wait, out, err, queue -> {
            Optional<Envelope> message = spool.find(queue, id, err);
            if (message.isEmpty()) {
                return 1;
            }
            Envelope envelope = message.get();
            boolean change = envelope.held() != false;
            if (change) {
                envelope = envelope.withHeld(false);
                queue.update(envelope);
            }
            out.println(json ? Json.write(QueueOutput.envelope(envelope)) : id + (change ? " released" : " was not held"));
            out.flush();
            return 0;
        });
    }
}
