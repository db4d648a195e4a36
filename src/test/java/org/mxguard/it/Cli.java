package org.mxguard.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.mxguard.cli.Main;
import picocli.CommandLine;

/**
 * Runs mxguard's public command line in-process, exactly as {@code Main.run} does, but with
 * standard output and standard error captured.
 */
final class Cli {
    static final ObjectMapper MAPPER = new ObjectMapper();

    private Cli() {
    }

    /** One run of the command line: exit code, standard output, standard error. */
    record Run(int exit, String out, String err) {
        /** Standard output parsed as JSON (the command must have succeeded or tempfailed). */
        JsonNode json() {
            assertThat(exit).as("exit code of a JSON run; stderr:%n%s", err).isIn(0, 75);
            try {
                return MAPPER.readTree(out);
            } catch (IOException e) {
                throw new AssertionError("stdout is not JSON:\n" + out + "\nstderr:\n" + err, e);
            }
        }
    }

    static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cmd = Main.commandLine();
        cmd.setOut(new PrintWriter(out, true));
        cmd.setErr(new PrintWriter(err, true));
        int exit = cmd.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    /** {@code mxguard check --json --dns DNS ARGS...}, parsed. */
    static CheckJson check(String dns, String... args) {
        List<String> all = new ArrayList<>(List.of("check", "--json", "--dns", dns));
        all.addAll(List.of(args));
        Run run = run(all.toArray(String[]::new));
        assertThat(run.exit()).as("mxguard %s%nstderr: %s", all, run.err()).isZero();
        return new CheckJson(List.copyOf(all), run.json());
    }

    /** {@code mxguard mx DOMAIN --dns DNS --json}. */
    static Run mx(String dns, String domain) {
        return run("mx", domain, "--dns", dns, "--json");
    }

    /** Writes a TOML config file into {@code dir}. */
    static Path config(Path dir, String name, String toml) {
        try {
            return Files.writeString(dir.resolve(name), toml);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
