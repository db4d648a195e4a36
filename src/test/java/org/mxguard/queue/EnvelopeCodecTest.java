package org.mxguard.queue;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class EnvelopeCodecTest {
    private static final QueueId ID = QueueId.parse("01jn0q2f6g0000abc");
    private static final Envelope SAMPLE = new Envelope(ID, "", List.of(
            new Recipient("a@example.org", Recipient.Status.PENDING, "451 4.2.0 greylisted, réessayez \"plus tard\""),
            new Recipient("b@Example.NET", Recipient.Status.DELIVERED, "250 2.0.0 Ok: queued as 4XyZ"),
            new Recipient("postmaster", Recipient.Status.BOUNCED, "550 5.1.1 <postmaster>: no such user\r\nsecond line")),
            Instant.parse("2025-03-01T10:00:00.123Z"), 3, Instant.parse("2025-03-01T10:35:00Z"), true, "");

    @Test
    void roundTrips() throws IOException {
        assertThat(EnvelopeCodec.decode(EnvelopeCodec.encode(SAMPLE))).isEqualTo(SAMPLE);
        Envelope stamped = SAMPLE.withTraceHeaders("Received: from a (b [192.0.2.1])\r\n\tby c; date\r\n");
        assertThat(EnvelopeCodec.decode(EnvelopeCodec.encode(stamped))).isEqualTo(stamped);
        assertThat(new String(EnvelopeCodec.encode(SAMPLE), UTF_8)).doesNotContain("traceHeaders");
    }

    @Test
    void isPlainJsonAPersonCanRead() {
        String json = new String(EnvelopeCodec.encode(SAMPLE), UTF_8);
        assertThat(json).contains("\"format\" : 1", "\"id\" : \"01jn0q2f6g0000abc\"", "\"sender\" : \"\"",
                "\"arrival\" : \"2025-03-01T10:00:00.123Z\"", "\"status\" : \"delivered\"", "\"held\" : true");
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "",
            "not json",
            "[]",
            "{\"format\":2}",
            "{\"format\":1,\"id\":\"01jn0q2f6g0000abc\"}",
            "{\"format\":1,\"id\":\"01jn0q2f6g0000abc\",\"sender\":\"\",\"arrival\":\"2025-03-01T10:00:00Z\",\"attempts\":\"1\","
                    + "\"nextAttempt\":\"2025-03-01T10:00:00Z\",\"held\":false,\"recipients\":[]}",
            "{\"format\":1,\"id\":\"01jn0q2f6g0000abc\",\"sender\":\"\",\"arrival\":\"2025-03-01T10:00:00Z\",\"attempts\":1,"
                    + "\"nextAttempt\":\"2025-03-01T10:00:00Z\",\"held\":false,\"recipients\":[]}",
            "{\"format\":1,\"id\":\"01jn0q2f6g0000abc\",\"sender\":\"\",\"arrival\":\"yesterday\",\"attempts\":1,"
                    + "\"nextAttempt\":\"2025-03-01T10:00:00Z\",\"held\":false,\"recipients\":[{\"address\":\"a@b\",\"status\":\"pending\",\"reply\":\"\"}]}",
            "{\"format\":1,\"id\":\"01jn0q2f6g0000abc\",\"sender\":\"\",\"arrival\":\"2025-03-01T10:00:00Z\",\"attempts\":1,"
                    + "\"nextAttempt\":\"2025-03-01T10:00:00Z\",\"held\":false,\"recipients\":[{\"address\":\"a@b\",\"status\":\"sent\",\"reply\":\"\"}]}",
            "{\"format\":1,\"id\":\"../etc/passwd\",\"sender\":\"\",\"arrival\":\"2025-03-01T10:00:00Z\",\"attempts\":1,"
                    + "\"nextAttempt\":\"2025-03-01T10:00:00Z\",\"held\":false,\"recipients\":[{\"address\":\"a@b\",\"status\":\"pending\",\"reply\":\"\"}]}",
    })
    void rejectsWhatIsNotACompleteEnvelope(String json) {
        assertThatThrownBy(() -> EnvelopeCodec.decode(json.getBytes(UTF_8))).isInstanceOf(IOException.class);
    }

    @Test
    void rejectsEveryTruncation() {
        byte[] whole = EnvelopeCodec.encode(SAMPLE);
        for (int length = 0; length < whole.length; length++) {
            byte[] cut = Arrays.copyOf(whole, length);
            assertThatThrownBy(() -> EnvelopeCodec.decode(cut)).as("cut at %d", length).isInstanceOf(IOException.class);
        }
    }
}
