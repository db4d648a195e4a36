package org.mxguard.postfix;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.UUID;
import org.mxguard.smtp.TransactionLog;
import org.slf4j.LoggerFactory;

/** A transaction log of the test's own, whose lines the test reads back as JSON. */
final class TransactionLines {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();
    private final TransactionLog log;

    TransactionLines() {
        ch.qos.logback.classic.Logger logger = (ch.qos.logback.classic.Logger) LoggerFactory
                .getLogger("test.transactions." + UUID.randomUUID());
        logger.setLevel(Level.INFO);
        logger.setAdditive(false);
        appender.start();
        logger.addAppender(appender);
        log = new TransactionLog(logger);
    }

    TransactionLog log() {
        return log;
    }

    List<JsonNode> lines() {
        synchronized (appender) {
            return appender.list.stream().map(e -> {
                try {
                    return JSON.readTree(e.getFormattedMessage());
                } catch (Exception ex) {
                    throw new AssertionError(ex);
                }
            }).toList();
        }
    }

    JsonNode only() {
        List<JsonNode> all = lines();
        if (all.size() != 1) {
            throw new AssertionError("expected one transaction line, got " + all);
        }
        return all.getFirst();
    }
}
