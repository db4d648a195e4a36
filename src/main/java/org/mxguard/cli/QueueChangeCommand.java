package org.mxguard.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.mxguard.queue.Envelope;
import org.mxguard.queue.QueueRequest;
import org.mxguard.queue.Spool;
import picocli.CommandLine;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * What {@code queue hold}, {@code release}, {@code delete} and {@code flush} share: the {@code --spool} and
 * {@code --wait} options, and making their change through {@link QueueSpool#change} (here when no server runs,
 * else by a request to it). Each command declares its own {@code --json}, whose help says what it prints.
 */
abstract class QueueChangeCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    QueueSpool spool; // named "spool": tests find the mixin by that name

    @Option(names = "--wait", description = "when a running server is asked to make the change, wait until it has")
    boolean wait;

    /** The request left for a running server. */
    private final QueueRequest.Action action;

    QueueChangeCommand(QueueRequest.Action action) {
        this.action = action;
    }

    /** The message to change, or null for every message. */
    abstract String id();

    abstract boolean json();

    /** Makes the change in {@code queue}, which this process may write, and prints it; returns the exit code. */
    abstract int edit(Spool queue, PrintWriter out, PrintWriter err) throws IOException;

    @Override
    public final Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        return spool.change(id(), action, json(), wait, out, err, queue -> edit(queue, out, err));
    }

    /** hold, release and delete: one message, which must be in the queue. */
    abstract static class OneMessage extends QueueChangeCommand {
        @Parameters(index = "0", paramLabel = "ID", description = "the queue id, as `mxguard queue list` shows it")
        String id;

        OneMessage(QueueRequest.Action action) {
            super(action);
        }

        @Override
        final String id() {
            return id;
        }

        @Override
        final int edit(Spool queue, PrintWriter out, PrintWriter err) throws IOException {
            Optional<Envelope> message = spool.find(queue, id, err);
            return message.isEmpty() ? 1 : edit(queue, message.get(), out);
        }

        /** Changes {@code message}, found in {@code queue}, and prints it; returns the exit code. */
        abstract int edit(Spool queue, Envelope message, PrintWriter out) throws IOException;
    }

    /** hold and release: set the held flag, leaving the message alone when it has that value already. */
    abstract static class SetHeld extends OneMessage {
        private final boolean held;
        private final String changed;
        private final String unchanged;

        @Option(names = "--json", description = "print the message as one JSON object")
        boolean json;

        /** {@code changed} or {@code unchanged} follows the id in the text output. */
        SetHeld(QueueRequest.Action action, boolean held, String changed, String unchanged) {
            super(action);
            this.held = held;
            this.changed = changed;
            this.unchanged = unchanged;
        }

        @Override
        final boolean json() {
            return json;
        }

        @Override
        final int edit(Spool queue, Envelope message, PrintWriter out) throws IOException {
            boolean change = message.held() != held;
            Envelope envelope = message;
            if (change) {
                envelope = message.withHeld(held);
                queue.update(envelope);
            }
            return QueueOutput.printed(out, json ? Json.write(QueueOutput.envelope(envelope)) : id + (change ? changed : unchanged));
        }
    }
}
