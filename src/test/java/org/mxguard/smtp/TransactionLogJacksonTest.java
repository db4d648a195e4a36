package org.mxguard.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.io.CharacterEscapes;
import com.fasterxml.jackson.core.io.SerializedString;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;
import org.mxguard.check.Result;
import org.mxguard.dns.InetAddresses;
import org.mxguard.policy.Action;
import org.mxguard.policy.Reply;

/**
 * The hand-written {@link TransactionLog#toJson} gives the same text, byte for byte, as the Jackson
 * generator it replaced (kept here as the reference): JSON's escapes as Jackson writes them, and
 * U+0080 to U+009F, U+2028 and U+2029 escaped as well.
 */
class TransactionLogJacksonTest {
    @Provide
    Arbitrary<String> text() {
        Arbitrary<Character> troublesome = Arbitraries.of('\r', '\n', '\u0085', '\u2028', '\u2029', '\u000b', '\f',
                '\b', '\t', '\u001c', '\u001f', '\u0000', '"', '\\', '/', '{', '}', '\u007f', '\u0080', '\u009f',
                '\u00a0', 'é', '日', '\ud83d', '\ude00', '\ufffd', '\uffff');
        Arbitrary<Character> any = Arbitraries.chars().range('\u0000', '\uffff');
        return AwkwardText.strings(troublesome, any, 30);
    }

    @Provide
    Arbitrary<Instant> times() {
        return Arbitraries.longs().between(-62_000_000_000_000L, 253_402_300_799_999L).map(Instant::ofEpochMilli)
                .edgeCases(c -> c.add(Instant.parse("2025-12-31T23:59:59.999Z")));
    }

    @Property(tries = 1000)
    void sameTextAsJackson(@ForAll("text") String helo, @ForAll("text") String reason, @ForAll("text") String address,
            @ForAll("text") String enhanced, @ForAll("times") Instant time, @ForAll boolean nulls, @ForAll boolean dry,
            @ForAll int questions) {
        TransactionRecord.Builder b = TransactionRecord.builder(TransactionRecord.Outcome.REJECT, time,
                        InetAddresses.require("2001:db8::9"))
                .dryRun(dry)
                .dns(questions, questions / 3);
        if (!nulls) {
            b.helo(helo).mailFrom(address).ptr(reason).recipients(List.of(address, helo))
                    .refusedRecipient(address, new Reply(550, enhanced.isEmpty() ? null : enhanced, reason))
                    .refusedRecipient(helo, new Reply(450, "4.7.1", helo))
                    .checks(List.of(new TransactionRecord.CheckEntry("helo", Result.FAIL, reason, helo, Action.LOG),
                            new TransactionRecord.CheckEntry(address, Result.PASS, "", "", null)))
                    .verdict(new TransactionRecord.VerdictEntry(Action.REJECT, new Reply(554, "5.7.1", reason), "rcpt"))
                    .queueId(helo).size(Math.abs((long) questions)).reply(new Reply(250, null, address))
                    .transactionTime(Duration.ofNanos(Math.abs((long) questions) * 997))
                    .sessionTime(Duration.ofMillis(Math.abs((long) questions)));
        }
        TransactionRecord record = b.build();
        String expected = jackson(record);
        assertThat(TransactionLog.toJson(record)).isEqualTo(expected);
        assertThat(TransactionLog.toJson(record)).as("again, its checks and verdict kept").isEqualTo(expected);
        assertThat(TransactionLog.toJson(b.build())).as("an equal record").isEqualTo(expected);
    }

    @Test
    void everyCharacterIsEscapedAsJacksonDid() {
        StringBuilder all = new StringBuilder();
        List<String> texts = new ArrayList<>();
        for (int c = 0; c <= 0xffff; c++) {
            all.append((char) c);
            texts.add(String.valueOf((char) c));
        }
        texts.add(all.toString());
        for (String text : texts) {
            TransactionRecord record = TransactionRecord.builder(TransactionRecord.Outcome.DUNNO,
                    Instant.parse("2025-06-01T12:34:56.789Z"), InetAddresses.require("198.51.100.9")).helo(text).build();
            assertThat(TransactionLog.toJson(record)).isEqualTo(jackson(record));
        }
    }

    // --- the Jackson rendering toJson had until it was written by hand -----------------------------

    private static final JsonFactory JSON = new JsonFactory();
    private static final CharacterEscapes ESCAPES = new OneLineEscapes();
    private static final DateTimeFormatter TIME =
            DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

    static String jackson(TransactionRecord r) {
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
                g.writeStringField("reply", TransactionLog.text(refused.reply()));
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
                g.writeStringField("reply", TransactionLog.text(r.verdict().reply()));
                g.writeStringField("stage", r.verdict().stage());
                g.writeEndObject();
            }
            g.writeBooleanField("dry-run", r.dryRun());
            g.writeStringField("queue-id", r.queueId());
            numberOrNull(g, "size", r.size());
            g.writeNumberField("dns-questions", r.dnsQuestions());
            g.writeNumberField("dns-refused", r.dnsRefused());
            g.writeStringField("reply", TransactionLog.text(r.reply()));
            numberOrNull(g, "transaction-ms", r.transactionTime() == null ? null : r.transactionTime().toMillis());
            numberOrNull(g, "session-ms", r.sessionTime() == null ? null : r.sessionTime().toMillis());
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }

    private static void numberOrNull(JsonGenerator g, String field, Long value) throws IOException {
        if (value == null) {
            g.writeNullField(field);
        } else {
            g.writeNumberField(field, value);
        }
    }

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
