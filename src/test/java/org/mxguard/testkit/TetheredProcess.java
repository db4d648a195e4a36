package org.mxguard.testkit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A server program (redis-server, haproxy) run in the foreground behind a shell that kills it when
 * this JVM's pipe to the shell closes, so it dies with the JVM at the latest, even a JVM that is
 * killed. Its stdout and stderr go to a log file.
 */
final class TetheredProcess {
    private static final long START_SECONDS = 10;

    private final String name;
    private final Process shell;
    private final Path log;

    private TetheredProcess(String name, Process shell, Path log) {
        this.name = name;
        this.shell = shell;
        this.log = log;
    }

    /** Starts {@code command}, its output appended to {@code log}. */
    static TetheredProcess start(List<String> command, Path log) throws IOException {
        List<String> line = new ArrayList<>(List.of("/bin/sh", "-c",
                "\"$@\" </dev/null & child=$!; cat >/dev/null; kill -9 $child 2>/dev/null; wait $child", "sh"));
        line.addAll(command);
        Process shell = new ProcessBuilder(line).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        return new TetheredProcess(Path.of(command.getFirst()).getFileName().toString(), shell, log);
    }

    /** Something that answers once the program is ready; an IOException means not yet. */
    interface Probe {
        boolean answers() throws IOException;
    }

    /**
     * Waits until {@code ready} answers; kills the program and fails if it exits first or takes
     * longer than 10 s.
     */
    void awaitReady(String what, Probe ready) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(START_SECONDS);
        while (System.nanoTime() < end) {
            if (!shell.isAlive()) {
                throw new AssertionError(name + " exited (" + shell.exitValue() + ") before answering " + what
                        + ":\n" + log());
            }
            try {
                if (ready.answers()) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(20);
        }
        kill();
        throw new AssertionError(name + " did not answer " + what + " within " + START_SECONDS + " s:\n" + log());
    }

    boolean isAlive() {
        return shell.isAlive() && shell.descendants().anyMatch(ProcessHandle::isAlive);
    }

    /** Sends {@code signal} ({@code STOP}, {@code CONT}) to the program, not its shell. */
    void signal(String signal) throws IOException, InterruptedException {
        for (ProcessHandle child : shell.descendants().toList()) {
            Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(child.pid())).inheritIO().start();
            if (kill.waitFor() != 0) {
                throw new IOException("kill -" + signal + " " + child.pid() + " exited " + kill.exitValue());
            }
        }
    }

    /** SIGKILL to the program (and the shell), and waits until both are gone. */
    void kill() throws InterruptedException {
        List<ProcessHandle> children = shell.descendants().toList();
        children.forEach(ProcessHandle::destroyForcibly);
        try {
            shell.getOutputStream().close();
        } catch (IOException ignored) {
            // the shell is gone already
        }
        for (ProcessHandle child : children) {
            child.onExit().orTimeout(10, TimeUnit.SECONDS).exceptionally(e -> child).join();
        }
        if (!shell.waitFor(10, TimeUnit.SECONDS)) {
            shell.destroyForcibly();
            shell.waitFor(10, TimeUnit.SECONDS);
        }
    }

    /** What the program wrote so far. */
    String log() {
        try {
            return Files.readString(log, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    /** Deletes a flat temporary directory and its files; one left behind is harmless. */
    static void deleteDirectory(Path dir) {
        try (var files = Files.list(dir)) {
            for (Path f : files.toList()) {
                Files.deleteIfExists(f);
            }
            Files.deleteIfExists(dir);
        } catch (IOException ignored) {
            // a temporary directory left behind is harmless
        }
    }
}
