package org.mxguard.smtp;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.io.CharacterEscapes;
import com.fasterxml.jackson.core.io.SerializedString;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Objects;
import org.mxguard.policy.Reply;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The transaction log: one JSON object on one line for every SMTP transaction, and for every
 * connection that ended without one, written at INFO to the SLF4J logger {@value #LOGGER} so that
 * a logback configuration can send it wherever the administrator wants (a file of its own, syslog,
 * stdout for a container). The message is the JSON line alone.
 *
 * <p>Whatever a client sends (a HELO with control characters, a reason quoting it), the line stays
 * one line: JSON escapes every control character, and this writer also escapes U+0085, U+2028 and
 * U+2029, which some readers take for line ends. Every field is always present, {@code null} when
 * it does not apply; the field names are a public contract, documented in the README.
 */
public final class TransactionLog {
    /** The logger name the lines go to. */
    public static final String LOGGER = "mxguard.transactions";

    private static final JsonFactory JSON = new JsonFactory();
    private static final CharacterEscapes ESCAPES = new OneLineEscapes();
    private static final DateTimeFormatter TIME =
            DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

    private final Logger log;

    /** Writes to the logger {@value #LOGGER}. */
    public TransactionLog() {
        this(LoggerFactory.getLogger(LOGGER));
    }

    /** Writes to another logger (tests). */
    public TransactionLog(Logger log) {
        this.log = Objects.requireNonNull(log, "log");
    }

    /** Writes the record's line, unless the logger is off for INFO. Never throws. */
    public void write(TransactionRecord record) {
        if (!log.isInfoEnabled()) {
            return;
        }
        String line;
        try {
            line = toJson(record);
        } catch (RuntimeException e) {
            LoggerFactory.getLogger(TransactionLog.class).warn("cannot render a transaction record: {}", e.toString());
            return;
        }
        log.info("{}", line);
    }

    /** The record as one line of JSON, without a line end. */
    public static String toJson(TransactionRecord r) {
        StringWriter out = new StringWriter(1024);
        try (JsonGenerator g = JSON.createGenerator(out).setCharacterEscapes(ESCAPES)) {
            g.writeStartObject();
            g.writeStringField("time", TIME.format(r.time()));
            g.writeStringField("event", r.outcome().event().text());
            g.writeStringField("outcome", r.outcome().text());
            g.writeStringField("client-ip", r.clientIp());
            g.writeStringField("ptr", r.ptr());
            g.writeStringField("helo", r.helo());
            g.writeStringField("mail-from", r.mailFrom());
            g.writeArrayFieldStart("recipients");
            for (String recipient : r.recipients()) {
                g.writeString(recipient);
            }
            g.writeEndArray();
            g.writeArrayFieldStart("refused-recipients");
            for (TransactionRecord.RefusedRecipient refused : r.refusedRecipients()) {
                g.writeStartObject();
                g.writeStringField("address", refused.address());
                g.writeStringField("reply", text(refused.reply()));
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeArrayFieldStart("checks");
            for (TransactionRecord.CheckEntry check : r.checks()) {
                g.writeStartObject();
                g.writeStringField("name", check.name());
                g.writeStringField("result", check.result().text());
                g.writeStringField("problem", check.problem());
                g.writeStringField("reason", check.reason());
                g.writeStringField("action", check.action() == null ? null : check.action().text());
                g.writeEndObject();
            }
            g.writeEndArray();
            if (r.verdict() == null) {
                g.writeNullField("verdict");
            } else {
                g.writeObjectFieldStart("verdict");
                g.writeStringField("action", r.verdict().action().text());
                g.writeStringField("reply", text(r.verdict().reply()));
                g.writeStringField("stage", r.verdict().stage());
                g.writeEndObject();
            }
            g.writeBooleanField("dry-run", r.dryRun());
            g.writeStringField("queue-id", r.queueId());
            numberOrNull(g, "size", r.size());
            g.writeNumberField("dns-questions", r.dnsQuestions());
            g.writeNumberField("dns-refused", r.dnsRefused());
            g.writeStringField("reply", text(r.reply()));
            numberOrNull(g, "transaction-ms", millis(r.transactionTime()));
            numberOrNull(g, "session-ms", millis(r.sessionTime()));
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a StringWriter does not fail
        }
        return out.toString();
    }

    /** A reply as it is sent: code, enhanced code when there is one, text. */
    static String text(Reply reply) {
        if (reply == null) {
            return null;
        }
        return reply.code() + (reply.enhanced() == null ? "" : " " + reply.enhanced()) + " " + reply.text();
    }

    private static Long millis(Duration d) {
        return d == null ? null : d.toMillis();
    }

    private static void numberOrNull(JsonGenerator g, String field, Long value) throws IOException {
        if (value == null) {
            g.writeNullField(field);
        } else {
            g.writeNumberField(field, value);
        }
    }

    /**
     * JSON's own escapes (every character below U+0020, {@code "} and {@code \}), and the other
     * characters that some line readers split on: NEL and the C1 controls, U+2028, U+2029.
     */
    private static final class OneLineEscapes extends CharacterEscapes {
        private static final long serialVersionUID = 1L;
        private final int[] ascii = CharacterEscapes.standardAsciiEscapesForJSON();

        @Override
        public int[] getEscapeCodesForAscii() {
            return ascii;
        }

        @Override
        public SerializableString getEscapeSequence(int ch) {
            if ((ch >= 0x80 && ch <= 0x9f) || ch == 0x2028 || ch == 0x2029) {
                return new SerializedString(String.format("\\u%04x", ch));
            }
            return null;
        }
    }
}
