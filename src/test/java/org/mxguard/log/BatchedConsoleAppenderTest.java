package org.mxguard.log;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.status.Status;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Lines reach stdout in batches, one write for many, no later than the flush interval, and all of
 * them when the appender stops; stdout itself stays open.
 */
class BatchedConsoleAppenderTest {
    /** What reached "stdout", and each write(2) it would have been. */
    private final List<String> writes = new ArrayList<>();
    private final ByteArrayOutputStream written = new ByteArrayOutputStream();
    private boolean closed;
    private final PrintStream stdout = new PrintStream(new OutputStream() {
        @Override
        public synchronized void write(int b) {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public synchronized void write(byte[] b, int off, int len) {
            writes.add(new String(b, off, len, StandardCharsets.UTF_8));
            written.write(b, off, len);
        }

        @Override
        public void close() {
            closed = true;
        }
    }, true, StandardCharsets.UTF_8);
    private PrintStream realStdout;
    private final LoggerContext context = new LoggerContext();
    private BatchedConsoleAppender<ILoggingEvent> appender;

    @BeforeEach
    void replaceStdout() {
        context.setMDCAdapter(new ch.qos.logback.classic.util.LogbackMDCAdapter()); // as a configured context has
        realStdout = System.out;
        System.setOut(stdout);
    }

    @AfterEach
    void restoreStdout() {
        if (appender != null) {
            appender.stop();
        }
        System.setOut(realStdout);
    }

    private Logger logger(int flushMillis) {
        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(context);
        encoder.setPattern("%msg%n");
        encoder.start();
        appender = new BatchedConsoleAppender<>();
        appender.setContext(context);
        appender.setName("TEST");
        appender.setEncoder(encoder);
        appender.setFlushMillis(flushMillis);
        appender.start();
        assertThat(appender.isStarted()).isTrue();
        Logger logger = context.getLogger("test");
        logger.setLevel(Level.INFO);
        logger.setAdditive(false);
        logger.addAppender(appender);
        return logger;
    }

    private synchronized String text() {
        synchronized (stdout) {
            return written.toString(StandardCharsets.UTF_8);
        }
    }

    @Test
    void manyLinesBecomeOneWriteWithinTheFlushInterval() throws Exception {
        Logger log = logger(2000); // the first flush 2 s after the start: the lines are logged well before
        for (int i = 0; i < 100; i++) {
            log.info("line {}", i);
        }
        assertThat(text()).as("not yet: batched").isEmpty();
        for (int i = 0; i < 600 && !text().contains("line 99\n"); i++) {
            Thread.sleep(10);
        }
        assertThat(text()).startsWith("line 0\nline 1\n").endsWith("line 99\n");
        assertThat(writes).as("one write for all hundred lines").hasSize(1);
    }

    @Test
    void stoppingWritesTheRestAndLeavesStdoutOpen() {
        Logger log = logger(60_000);
        log.info("the last words");
        assertThat(text()).isEmpty();
        appender.stop();
        assertThat(text()).isEqualTo("the last words\n");
        assertThat(closed).isFalse();
    }

    @Test
    void flushMillisZeroWritesEachLineAtOnce() {
        Logger log = logger(0);
        log.info("one");
        assertThat(text()).isEqualTo("one\n");
        log.info("two");
        assertThat(text()).isEqualTo("one\ntwo\n");
    }

    /** A JVM whose first log line comes from a shutdown hook, with the shipped logback.xml. */
    public static final class FirstLineAtExit {
        public static void main(String[] args) {
            Runtime.getRuntime().addShutdownHook(new Thread(() ->
                    org.slf4j.LoggerFactory.getLogger("mxguard.transactions").info("{\"said\":\"at exit\"}")));
        }
    }

    @Test
    void aFirstLineWhileTheJvmExitsIsWrittenAllTheSame() throws Exception {
        Process jvm = new ProcessBuilder(java.nio.file.Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), FirstLineAtExit.class.getName())
                .redirectErrorStream(true).start();
        String out = new String(jvm.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(jvm.waitFor()).isZero();
        assertThat(out).as("stdout and stderr of the JVM").contains("{\"said\":\"at exit\"}\n");
    }

    @Test
    void aBadTargetIsAnErrorAndTheAppenderDoesNotStart() {
        BatchedConsoleAppender<ILoggingEvent> bad = new BatchedConsoleAppender<>();
        bad.setContext(context);
        bad.setName("BAD");
        bad.setTarget("System.in");
        bad.start();
        assertThat(bad.isStarted()).isFalse();
        assertThat(context.getStatusManager().getCopyOfStatusList()).extracting(Status::getMessage)
                .anySatisfy(m -> assertThat(m).contains("\"BAD\"", "System.out or System.err", "System.in"));
    }
}
