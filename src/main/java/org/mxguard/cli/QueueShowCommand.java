package org.mxguard.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.mxguard.queue.Envelope;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code mxguard queue show ID}: one message's envelope and header. */
@Command(name = "show", mixinStandardHelpOptions = true,
        description = {"Show one queued message: its envelope (each recipient with its status and the last reply"
                + " heard about it), its size, and its header fields as stored.",
                "With --json, one object: " + QueueOutput.SCHEMA + ", plus \"size\" (octets) and"
                + " \"headers\": [{\"name\", \"value\" (unfolded)}] in message order."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {" 0:shown", " 1:no such message, or no spool at DIR", "74:the spool could not be read"})
public final class QueueShowCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    QueueSpool spool;

    @Parameters(index = "0", paramLabel = "ID", description = "the queue id, as `mxguard queue list` shows it")
    String id;

    @Option(names = "--json", description = "print one JSON object")
    boolean json;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        return spool.read(err, queue -> {
            Optional<Envelope> message = spool.find(queue, id, err);
            if (message.isEmpty()) {
                return 1;
            }
            Envelope envelope = message.get();
            Path body = queue.body(envelope.id());
            long size;
            List<QueueMessage.Field> headers;
            try {
                size = Files.size(body);
                headers = QueueMessage.headers(body);
            } catch (NoSuchFileException e) {
                err.println("mxguard: message " + id + " has just left the queue");
                return 1;
            }
            return QueueOutput.printed(out, json ? QueueOutput.showJson(envelope, size, headers) : QueueOutput.show(envelope, size, headers));
        });
    }
}
