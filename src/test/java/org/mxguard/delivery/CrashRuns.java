package org.mxguard.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * What the kill -9 tests ({@link CrashIT}: serve delivering a spool; {@link CrashUnderLoadIT}: the
 * gateway taking mail over SMTP) share: {@code mxguard} as a child process with its stderr in a
 * log file, killed with SIGKILL; the spool watched from outside; the sinks' dumps counted by
 * Message-ID.
 */
final class CrashRuns {
    private CrashRuns() {
    }

    /** {@code mxguard ARGS...} on this JVM's class path; stdout discarded, stderr into {@code log}. */
    static Process mxguard(Path log, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "org.mxguard.cli.Main"));
        command.addAll(List.of(args));
        return new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(log.toFile()).start();
    }

    /** SIGKILL, and waits for the process to be gone. */
    static void kill(Process process) throws InterruptedException {
        process.destroyForcibly();
        assertThat(process.waitFor(10, TimeUnit.SECONDS)).as("mxguard dies on SIGKILL").isTrue();
    }

    /** SIGTERM if it is still running; SIGKILL if it lingers. */
    static void stop(Process process) throws InterruptedException {
        if (process.isAlive()) {
            process.destroy();
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                kill(process);
            }
        }
    }

    /** Waits until {@code log} has a line containing {@code text}; fails if the process ends first. */
    static void awaitLog(Path log, String text, int seconds, Process process) throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!Files.readString(log, StandardCharsets.UTF_8).contains(text)) {
            if (!process.isAlive()) {
                throw new AssertionError("mxguard exited (" + process.exitValue() + ") before '" + text + "':\n" + tail(log));
            }
            if (System.nanoTime() > end) {
                throw new AssertionError("mxguard did not say '" + text + "' within " + seconds + " s:\n" + tail(log));
            }
            Thread.sleep(20);
        }
    }

    /**
     * How often each message arrived, by the number {@code messageId}'s first group captures, over
     * every sink; every dump must carry such a Message-ID.
     */
    static Map<Integer, Integer> arrived(List<DeliveryTestSink> sinks, Pattern messageId) {
        Map<Integer, Integer> arrivals = new TreeMap<>();
        for (DeliveryTestSink sink : sinks) {
            for (String dump : sink.dumps()) {
                Matcher m = messageId.matcher(dump);
                assertThat(m.find()).as("a Message-ID in %s", dump).isTrue();
                arrivals.merge(Integer.parseInt(m.group(1)), 1, Integer::sum);
            }
        }
        return arrivals;
    }

    static void awaitEmptySpool(Path spool, int seconds, Process serve, Path log) throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (true) {
            List<String> left = envelopes(spool);
            if (left.isEmpty()) {
                return;
            }
            if (!serve.isAlive()) {
                throw new AssertionError("serve exited (" + serve.exitValue() + ") with " + left.size()
                        + " envelopes queued:\n" + tail(log));
            }
            if (System.nanoTime() > end) {
                throw new AssertionError(left.size() + " envelopes still in the spool after " + seconds + " s: "
                        + left.subList(0, Math.min(10, left.size())) + "\n" + tail(log));
            }
            Thread.sleep(100);
        }
    }

    /** The envelope files ({@code ID.env}) in the spool's message directories. */
    static List<String> envelopes(Path spool) throws IOException {
        return listing(spool).stream().filter(name -> name.endsWith(".env")).toList();
    }

    /** The files in {@code directory} and its message directories (not corrupt/, which is listed on its own). */
    static List<String> listing(Path directory) throws IOException {
        while (true) {
            try (Stream<Path> files = Files.walk(directory, 2)) {
                return files.filter(Files::isRegularFile)
                        .filter(f -> f.getParent().equals(directory) || f.getParent().getFileName().toString().length() == 1)
                        .map(f -> f.getFileName().toString()).sorted().toList();
            } catch (UncheckedIOException e) {
                if (!(e.getCause() instanceof NoSuchFileException)) {
                    throw e;
                }
                // serve deleted a delivered message while the walk passed it: look again
            }
        }
    }

    /** What is in the spool's corrupt/ directory: envelopes recovery could not read. */
    static List<String> corrupt(Path spool) throws IOException {
        Path corrupt = spool.resolve("corrupt");
        return Files.exists(corrupt) ? listing(corrupt) : List.of();
    }

    /** The last 40 lines of {@code log}. */
    static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }
}
