package org.mxguard.cli;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.SplittableRandom;
import org.mxguard.queue.NioSpoolFiles;
import org.mxguard.queue.QueueIds;
import org.mxguard.queue.Spool;
import org.mxguard.queue.SpoolFiles;
import picocli.CommandLine;

/**
 * Runs {@code mxguard sendmail} and {@code mxguard queue ...} in-process through {@link Main#commandLine()},
 * with standard output and error captured, standard input given, and a fixed clock and host name.
 */
final class QueueCli {
    static final ObjectMapper MAPPER = new ObjectMapper();
    static final Instant T0 = Instant.parse("2025-01-01T10:00:00Z");
    static final String HOST = "host.example";

    private QueueCli() {
    }

    record Run(int exit, String out, String err) {
        JsonNode json() {
            try {
                return MAPPER.readTree(out);
            } catch (IOException e) {
                throw new AssertionError("stdout is not JSON:\n" + out + "\nstderr:\n" + err, e);
            }
        }
    }

    /** A run at time {@code now} with {@code stdin}, whose spool uses {@code files} (null for the real ones). */
    static Run run(Instant now, String stdin, SpoolFiles files, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cmd = Main.commandLine();
        cmd.setOut(new PrintWriter(out, true));
        cmd.setErr(new PrintWriter(err, true));
        SendmailCommand sendmail = (SendmailCommand) cmd.getSubcommands().get("sendmail").getCommand();
        sendmail.stdin = new ByteArrayInputStream(stdin.getBytes(UTF_8));
        sendmail.hostName = () -> HOST;
        setUp(sendmail.spool, now, files);
        for (CommandLine sub : cmd.getSubcommands().get("queue").getSubcommands().values()) {
            if (sub.getCommandSpec().mixins().get("spool") != null) {
                setUp((QueueSpool) sub.getCommandSpec().mixins().get("spool").userObject(), now, files);
            }
        }
        int exit = cmd.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    static Run run(String stdin, String... args) {
        return run(T0, stdin, null, args);
    }

    private static void setUp(QueueSpool spool, Instant now, SpoolFiles files) {
        spool.clock = Clock.fixed(now, ZoneOffset.UTC);
        if (files != null) {
            spool.files = files;
        }
    }

    /** The spool in {@code directory} as the server would open it, at {@code now}. */
    static Spool spool(Path directory, Instant now) {
        Clock clock = Clock.fixed(now, ZoneOffset.UTC);
        Spool spool = new Spool(directory, new NioSpoolFiles(), new QueueIds(clock, new SplittableRandom(3)), clock, 0);
        try {
            spool.recover();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return spool;
    }
}
