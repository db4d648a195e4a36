package org.mxguard.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.mxguard.queue.Envelope;
import org.mxguard.queue.QueueRequest;
import org.mxguard.queue.Spool;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code mxguard queue flush [ID]}: makes messages due now. */
@Command(name = "flush", mixinStandardHelpOptions = true,
        description = {"Make a queued message, or without ID every one, due now: its next attempt becomes the current"
                + " time (its attempt count, and so its later back-off, stays). A held message stays held.",
                "Prints each message made due; with --json, an array of them: " + QueueOutput.SCHEMA + "."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {" 0:flushed (or already due)", " 1:no such message, or no spool at DIR",
                "74:the spool could not be read or written",
                "75:--wait: the server had not applied the request after 60 s; it stays, to be applied later"})
public final class QueueFlushCommand extends QueueChangeCommand {
    @Parameters(index = "0", arity = "0..1", paramLabel = "ID", description = "the queue id; without it, every message")
    String id;

    @Option(names = "--json", description = "print a JSON array of the messages made due")
    boolean json;

    public QueueFlushCommand() {
        super(QueueRequest.Action.FLUSH);
    }

    @Override
    String id() {
        return id;
    }

    @Override
    boolean json() {
        return json;
    }

    @Override
    int edit(Spool queue, PrintWriter out, PrintWriter err) throws IOException {
        List<Envelope> messages;
        if (id == null) {
            messages = queue.list();
        } else {
            Optional<Envelope> message = spool.find(queue, id, err);
            if (message.isEmpty()) {
                return 1;
            }
            messages = List.of(message.get());
        }
        Instant now = spool.clock.instant();
        List<Envelope> flushed = new ArrayList<>();
        for (Envelope envelope : messages) {
            if (envelope.nextAttempt().isAfter(now)) {
                Envelope due = envelope.withSchedule(envelope.attempts(), now);
                queue.update(due);
                flushed.add(due);
            }
        }
        return QueueOutput.printed(out, json ? QueueOutput.json(flushed) : text(flushed));
    }

    private String text(List<Envelope> flushed) {
        if (flushed.isEmpty()) {
            return id == null ? "every message is already due" : id + " is already due";
        }
        List<String> lines = flushed.stream()
                .map(e -> e.id() + " due now" + (e.held() ? " (held: not delivered until released)" : "")).toList();
        return String.join("\n", lines);
    }
}
