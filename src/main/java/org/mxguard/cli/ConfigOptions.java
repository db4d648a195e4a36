package org.mxguard.cli;

import java.nio.file.Path;
import org.mxguard.config.MxguardConfig;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/** {@code --config} and {@code --dns}, for every command that reads the configuration. */
final class ConfigOptions {
    @Option(names = "--config", paramLabel = "FILE", description = "TOML configuration file")
    Path file;

    @Option(names = "--dns", paramLabel = "HOST:PORT", description = "resolver to ask instead of the system's")
    String dns;

    /** The file's configuration (or the defaults) with {@code --dns} laid over it. */
    MxguardConfig load(CommandLine cmd) {
        return Wiring.config(file, dns, cmd);
    }
}
