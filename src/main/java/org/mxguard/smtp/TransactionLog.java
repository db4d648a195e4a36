package org.mxguard.smtp;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReferenceArray;
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
        log.info(line); // a message without arguments is taken as it is: no "{}" in it is formatted
    }

    /**
     * The record as one line of JSON, without a line end. Written by hand rather than with Jackson (a
     * line per policy answer, tens of thousands a second): the same text, byte for byte, as Jackson's
     * generator gave with escapes for U+0080 to U+009F, U+2028 and U+2029 (TransactionLogJacksonTest
     * compares them).
     */
    public static String toJson(TransactionRecord r) {
        StringBuilder out = new StringBuilder(2048); // an accepted message's line with six checks is over 1024
        out.append("{\"time\":\"");
        time(out, r.time());
        out.append("\",\"event\":\"").append(r.outcome().event().text());
        out.append("\",\"outcome\":\"").append(r.outcome().text()).append('"');
        field(out, ",\"client-ip\":", r.clientIp());
        field(out, ",\"ptr\":", r.ptr());
        field(out, ",\"helo\":", r.helo());
        field(out, ",\"mail-from\":", r.mailFrom());
        out.append(",\"recipients\":[");
        boolean first = true;
        for (String recipient : r.recipients()) {
            if (!first) {
                out.append(',');
            }
            first = false;
            string(out, recipient);
        }
        out.append("],\"refused-recipients\":[");
        first = true;
        for (TransactionRecord.RefusedRecipient refused : r.refusedRecipients()) {
            out.append(first ? "{" : ",{");
            first = false;
            field(out, "\"address\":", refused.address());
            out.append(",\"reply\":");
            reply(out, refused.reply());
            out.append('}');
        }
        out.append("],\"checks\":");
        checksAndVerdict(out, r.checks(), r.verdict());
        out.append(",\"dry-run\":").append(r.dryRun());
        field(out, ",\"queue-id\":", r.queueId());
        out.append(",\"size\":");
        number(out, r.size());
        out.append(",\"dns-questions\":").append(r.dnsQuestions());
        out.append(",\"dns-refused\":").append(r.dnsRefused());
        out.append(",\"reply\":");
        reply(out, r.reply());
        out.append(",\"transaction-ms\":");
        number(out, millis(r.transactionTime()));
        out.append(",\"session-ms\":");
        number(out, millis(r.sessionTime()));
        out.append('}');
        return out.toString();
    }

    /**
     * The checks and the verdict, as {@code [...],"verdict":...}: most of the line, and the same for
     * every answer from one remembered verdict, so the text is kept for the last verdicts written.
     */
    private static void checksAndVerdict(StringBuilder out, List<TransactionRecord.CheckEntry> checks,
            TransactionRecord.VerdictEntry verdict) {
        if (checks.isEmpty()) {
            renderChecksAndVerdict(out, checks, verdict);
            return;
        }
        int hash = checks.hashCode() * 31 + Objects.hashCode(verdict);
        int slot = (hash ^ (hash >>> 16)) & (FRAGMENTS.length() - 1);
        Fragment kept = FRAGMENTS.get(slot);
        // the entries' strings are mostly the same instances each time: equals is cheap
        if (kept != null && kept.hash() == hash && kept.checks().equals(checks) && Objects.equals(kept.verdict(), verdict)) {
            out.append(kept.json());
            return;
        }
        int start = out.length();
        renderChecksAndVerdict(out, checks, verdict);
        FRAGMENTS.set(slot, new Fragment(hash, List.copyOf(checks), verdict, out.substring(start)));
    }

    /** Rendered checks and verdict, by the hash of the pair: a few dozen, each replaced by the next in its slot. */
    private record Fragment(int hash, List<TransactionRecord.CheckEntry> checks, TransactionRecord.VerdictEntry verdict,
            String json) {
    }

    private static final AtomicReferenceArray<Fragment> FRAGMENTS = new AtomicReferenceArray<>(64);

    private static void renderChecksAndVerdict(StringBuilder out, List<TransactionRecord.CheckEntry> checks,
            TransactionRecord.VerdictEntry verdict) {
        out.append('[');
        boolean first = true;
        for (TransactionRecord.CheckEntry check : checks) {
            out.append(first ? "{" : ",{");
            first = false;
            field(out, "\"name\":", check.name());
            field(out, ",\"result\":", check.result().text());
            field(out, ",\"problem\":", check.problem());
            field(out, ",\"reason\":", check.reason());
            field(out, ",\"action\":", check.action() == null ? null : check.action().text());
            out.append('}');
        }
        out.append(']');
        if (verdict == null) {
            out.append(",\"verdict\":null");
        } else {
            field(out, ",\"verdict\":{\"action\":", verdict.action().text());
            out.append(",\"reply\":");
            reply(out, verdict.reply());
            field(out, ",\"stage\":", verdict.stage());
            out.append('}');
        }
    }

    private static void field(StringBuilder out, String nameAndColon, String value) {
        out.append(nameAndColon);
        string(out, value);
    }

    private static void number(StringBuilder out, Long value) {
        if (value == null) {
            out.append("null");
        } else {
            out.append(value.longValue());
        }
    }

    /** A reply as {@link #text(Reply)} gives it, as a JSON string, or null. */
    private static void reply(StringBuilder out, Reply reply) {
        if (reply == null) {
            out.append("null");
            return;
        }
        out.append('"').append(reply.code());
        if (reply.enhanced() != null) {
            out.append(' ');
            escaped(out, reply.enhanced());
        }
        out.append(' ');
        escaped(out, reply.text());
        out.append('"');
    }

    /** A JSON string, or null. */
    static void string(StringBuilder out, String value) {
        if (value == null) {
            out.append("null");
            return;
        }
        out.append('"');
        escaped(out, value);
        out.append('"');
    }

    private static final char[] HEX = "0123456789ABCDEF".toCharArray();
    private static final char[] HEX_LOWER = "0123456789abcdef".toCharArray();

    /**
     * The text with JSON's escapes as Jackson writes them ({@code \"}, {@code \\}, {@code \b \t \n
     * \f \r}, {@code \}{@code u00XX} in upper case for the other controls below U+0020), and in lower
     * case ({@code \}{@code u0085}) the characters some line readers split on: U+0080 to U+009F,
     * U+2028, U+2029. Everything else as it is.
     */
    private static void escaped(StringBuilder out, String value) {
        int length = value.length();
        int first = 0;
        while (first < length && !escapes(value.charAt(first))) {
            first++;
        }
        if (first == length) {
            out.append(value); // nearly always: nothing to escape, one copy
            return;
        }
        int plain = 0;
        for (int i = first; i < length; i++) {
            char c = value.charAt(i);
            if (!escapes(c)) {
                continue;
            }
            out.append(value, plain, i);
            plain = i + 1;
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\b' -> out.append("\\b");
                case '\t' -> out.append("\\t");
                case '\n' -> out.append("\\n");
                case '\f' -> out.append("\\f");
                case '\r' -> out.append("\\r");
                default -> {
                    char[] hex = c < 0x20 ? HEX : HEX_LOWER;
                    out.append("\\u").append(hex[c >> 12]).append(hex[(c >> 8) & 0xf]).append(hex[(c >> 4) & 0xf])
                            .append(hex[c & 0xf]);
                }
            }
        }
        out.append(value, plain, length);
    }

    private static boolean escapes(char c) {
        return c < 0x20 || c == '"' || c == '\\' || (c >= 0x80 && (c <= 0x9f || c == 0x2028 || c == 0x2029));
    }

    /** The second last rendered ("2025-01-01T00:00:00."), shared by the threads that write lines. */
    private record Second(long epochSecond, String text) {
    }

    private static volatile Second lastSecond = new Second(Long.MIN_VALUE, "");

    /** {@link #TIME}'s text for the instant: the date and time of its second rendered once a second. */
    private static void time(StringBuilder out, Instant time) {
        long epochSecond = time.getEpochSecond();
        Second second = lastSecond;
        if (second.epochSecond() != epochSecond) {
            String full = TIME.format(time);
            if (full.length() != 24) { // a year before 0 or after 9999: as it comes, uncached
                out.append(full);
                return;
            }
            second = new Second(epochSecond, full.substring(0, 20));
            lastSecond = second;
        }
        int millis = time.getNano() / 1_000_000;
        out.append(second.text()).append((char) ('0' + millis / 100)).append((char) ('0' + millis / 10 % 10))
                .append((char) ('0' + millis % 10)).append('Z');
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
}
