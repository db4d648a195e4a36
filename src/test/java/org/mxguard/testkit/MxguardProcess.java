package org.mxguard.testkit;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** An {@code mxguard} command as a process (this JVM's class path); SIGTERM on close, SIGKILL if it lingers. */
public final class MxguardProcess implements AutoCloseable {
    private final Process process;
    private final StringBuffer stderr = new StringBuffer();
    private final List<String> waitingFor = new ArrayList<>();
    private final CountDownLatch ended = new CountDownLatch(1);
    private final String name;

    private MxguardProcess(Process process, String name) {
        this.process = process;
        this.name = name;
    }

    /** Starts {@code mxguard COMMAND ARGS...}; its stdout is discarded, its stderr collected. */
    public static MxguardProcess start(String command, String... args) throws IOException {
        List<String> line = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "org.mxguard.cli.Main", command));
        line.addAll(List.of(args));
        MxguardProcess started = new MxguardProcess(
                new ProcessBuilder(line).redirectOutput(ProcessBuilder.Redirect.DISCARD).start(), "mxguard " + command);
        Thread.ofVirtual().start(started::drain);
        return started;
    }

    private void drain() {
        try (BufferedReader err = new BufferedReader(new InputStreamReader(process.getErrorStream(),
                StandardCharsets.UTF_8))) {
            for (String line = err.readLine(); line != null; line = err.readLine()) {
                stderr.append(line).append('\n');
                synchronized (waitingFor) {
                    waitingFor.notifyAll();
                }
            }
        } catch (IOException ignored) {
            // the process ended
        } finally {
            ended.countDown();
            synchronized (waitingFor) {
                waitingFor.notifyAll();
            }
        }
    }

    /** Sends SIGHUP, as {@code mxguard reload} and {@code systemctl reload} do. */
    public void hangUp() throws IOException, InterruptedException {
        int exit = new ProcessBuilder("kill", "-HUP", Long.toString(process.pid())).inheritIO().start().waitFor();
        if (exit != 0) {
            throw new IOException("kill -HUP " + process.pid() + " exited " + exit);
        }
    }

    /** Waits up to 30 s for {@code text} on its stderr; fails if it ends or says nothing of the kind. */
    public void awaitStderr(String text) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        synchronized (waitingFor) {
            while (!stderr.toString().contains(text)) {
                if (ended.getCount() == 0) {
                    throw new AssertionError(name + " ended before saying '" + text + "':\n" + stderr);
                }
                long left = TimeUnit.NANOSECONDS.toMillis(end - System.nanoTime());
                if (left <= 0) {
                    throw new AssertionError(name + " did not say '" + text + "' within 30 s:\n" + stderr);
                }
                waitingFor.wait(left);
            }
        }
    }

    public String stderr() {
        return stderr.toString();
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy(); // SIGTERM: the shutdown hook closes the listener and the queue runner
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
            throw new AssertionError(name + " did not stop on SIGTERM:\n" + stderr);
        }
    }
}
