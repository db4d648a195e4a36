package org.mxguard.log;

import ch.qos.logback.core.OutputStreamAppender;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;

/**
 * A console appender (stdout or stderr) that writes its lines in batches: into a buffer that is
 * written out when it fills, at most {@code flushMillis} after a line came (100 ms unless set), and
 * when the JVM exits. A busy server then makes one write(2) for many lines instead of one a line,
 * as nginx's {@code access_log ... buffer= flush=} does: at tens of thousands of policy answers a
 * second, writing each log line alone took a tenth of the service's CPU time.
 *
 * <p>What it costs: a line reaches the log up to {@code flushMillis} late, and a process killed
 * outright ({@code kill -9}) loses the lines of that last moment. Mail is never affected (the spool
 * is written and synced before any 250). {@code flushMillis} 0 writes every line at once.
 *
 * <p>Configured in logback.xml: {@code target} ({@code System.out} or {@code System.err}),
 * {@code flushMillis}, {@code bufferSize} (bytes, 64 KiB unless set).
 */
public class BatchedConsoleAppender<E> extends OutputStreamAppender<E> {
    private String target = "System.out";
    private int flushMillis = 100;
    private int bufferSize = 64 * 1024;
    private BufferedOutputStream buffer;
    private Thread flusher;
    private Thread atExit;

    public void setTarget(String target) {
        this.target = target;
    }

    public void setFlushMillis(int flushMillis) {
        this.flushMillis = flushMillis;
    }

    public void setBufferSize(int bufferSize) {
        this.bufferSize = bufferSize;
    }

    @Override
    public void start() {
        boolean err = target.equals("System.err");
        if (!(err || target.equals("System.out")) || flushMillis < 0 || bufferSize < 1) {
            addError("appender \"" + getName() + "\": target must be System.out or System.err (it is \"" + target
                    + "\"), flushMillis 0 or more (" + flushMillis + "), bufferSize 1 or more (" + bufferSize + ")");
            return;
        }
        buffer = new BufferedOutputStream(new Console(err), bufferSize);
        setOutputStream(buffer);
        setImmediateFlush(flushMillis == 0);
        super.start();
        if (!isStarted()) {
            return;
        }
        if (flushMillis > 0) {
            flusher = Thread.ofPlatform().daemon().name("log-flush-" + getName()).start(this::flushEvery);
        }
        atExit = Thread.ofPlatform().name("log-flush-at-exit").unstarted(this::flush);
        try {
            Runtime.getRuntime().addShutdownHook(atExit);
        } catch (IllegalStateException e) {
            // started while the JVM exits (a first log line in another shutdown hook): write each line at once
            atExit = null;
            setImmediateFlush(true);
        }
    }

    private void flushEvery() {
        while (isStarted()) {
            try {
                Thread.sleep(flushMillis);
            } catch (InterruptedException e) {
                return;
            }
            flush();
        }
    }

    /** Writes out what the buffer holds (nothing, when it holds nothing). */
    private void flush() {
        streamWriteLock.lock();
        try {
            buffer.flush();
        } catch (IOException e) {
            addError("appender \"" + getName() + "\": cannot write to " + target, e);
        } finally {
            streamWriteLock.unlock();
        }
    }

    @Override
    public void stop() {
        if (flusher != null) {
            flusher.interrupt();
        }
        if (atExit != null) {
            try {
                Runtime.getRuntime().removeShutdownHook(atExit);
            } catch (IllegalStateException e) {
                // the JVM is exiting: the hook runs anyway
            }
        }
        super.stop();
    }

    /**
     * System.out or System.err as they are at each write (a test harness may replace them): a batch
     * is one write to them, which their PrintStream hands to the descriptor in one go.
     */
    private static final class Console extends OutputStream {
        private final boolean err;

        Console(boolean err) {
            this.err = err;
        }

        private PrintStream stream() {
            return err ? System.err : System.out;
        }

        @Override
        public void write(int b) {
            stream().write(b);
        }

        @Override
        public void write(byte[] bytes, int offset, int length) {
            // a PrintStream keeps a write error to itself, as Logback's ConsoleAppender has it: logging never stops
            stream().write(bytes, offset, length);
        }

        @Override
        public void flush() {
            stream().flush();
        }
    }

    /** Stopping (or a reconfiguration) writes the buffer out but leaves stdout and stderr open. */
    @Override
    protected void closeOutputStream() {
        if (buffer != null) {
            flush();
        }
    }
}
