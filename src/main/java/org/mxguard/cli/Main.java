package org.mxguard.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point: {@code mxguard check | mx | audit | ptr-class | serve | reload | sendmail | queue | policy | milter | web}. */
@Command(name = "mxguard", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "DNS sender-identity checks and mail routing for mail administrators.",
        subcommands = {CheckCommand.class, MxCommand.class, AuditCommand.class, PtrClassCommand.class, ServeCommand.class, ReloadCommand.class, SendmailCommand.class, QueueCommand.class,
                PolicyCommand.class, MilterCommand.class, WebCommand.class,
                CommandLine.HelpCommand.class})
public final class Main implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** sysexits.h EX_CONFIG: the configuration file is wrong. */
    public static final int EXIT_CONFIG = 78;

    /** Runs a command line and returns its exit code (for tests). */
    public static int run(String... args) {
        return commandLine().execute(args);
    }

    /** The command line with mxguard's error handling: a bad config file is one clear line, not a usage dump. */
    public static CommandLine commandLine() {
        CommandLine cmd = new CommandLine(new Main());
        cmd.setExecutionExceptionHandler((error, failed, parsed) -> {
            if (error instanceof BadConfigException bad) {
                failed.getErr().println("mxguard: " + bad.getMessage());
                return EXIT_CONFIG;
            }
            throw error;
        });
        return cmd;
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"mxguard " + (v == null ? "dev" : v)};
        }
    }
}
