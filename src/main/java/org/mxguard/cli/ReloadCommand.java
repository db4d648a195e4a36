package org.mxguard.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code mxguard reload}: asks the running {@code serve} of a spool to re-read its configuration,
 * by sending it SIGHUP (as {@code kill -HUP} would). New sessions get the new policy; open ones are
 * not dropped.
 */
@Command(name = "reload", mixinStandardHelpOptions = true,
        description = {"Make the running mxguard serve re-read its configuration file (it is sent SIGHUP).",
                "Sessions under way finish with the old settings; listen addresses, the spool and delivery",
                "change only on a restart. A file with an error is refused and the running settings kept."})
public final class ReloadCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--spool", paramLabel = "DIR", defaultValue = "var/spool",
            description = "the spool directory of the server to reload (default: ${DEFAULT-VALUE})")
    Path spool;

    @Override
    public Integer call() throws IOException, InterruptedException {
        CommandLine cmd = spec.commandLine();
        Optional<ProcessHandle> server = ServerPidFile.read(spool);
        if (server.isEmpty()) {
            cmd.getErr().println("mxguard reload: no mxguard serve is running for the spool " + spool.toAbsolutePath());
            return 1;
        }
        long pid = server.get().pid();
        Process kill = new ProcessBuilder("kill", "-HUP", Long.toString(pid)).inheritIO().start();
        if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
            cmd.getErr().println("mxguard reload: could not signal process " + pid);
            return 1;
        }
        cmd.getOut().println("reload requested from mxguard serve (pid " + pid + ")");
        return 0;
    }
}
