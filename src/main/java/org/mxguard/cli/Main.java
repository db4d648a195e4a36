package org.mxguard.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point: {@code mxguard check | mx | ptr-class}. */
@Command(name = "mxguard", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "DNS sender-identity checks and mail routing for mail administrators.",
        subcommands = {CheckCommand.class, MxCommand.class, PtrClassCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs a command line and returns its exit code (for tests). */
    public static int run(String... args) {
        return new CommandLine(new Main()).execute(args);
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
