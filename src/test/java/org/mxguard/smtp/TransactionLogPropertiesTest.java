package org.mxguard.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Instant;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.mxguard.check.Result;
import org.mxguard.dns.InetAddresses;
import org.mxguard.policy.Action;
import org.mxguard.policy.Reply;

/** Whatever text a client sends, the transaction log writes one line that reads back as it was sent. */
class TransactionLogPropertiesTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    /** Mostly the characters that trouble line-oriented logs, among ordinary and wide ones. */
    @Provide
    Arbitrary<String> clientText() {
        Arbitrary<Character> troublesome = Arbitraries.of('\r', '\n', '\u0085', '\u2028', '\u2029', '\u000b', '\f',
                '\u001c', '\u001d', '\u001e', '\u0000', '\t', '"', '\\', '{', '}', '\u007f', '\u009b', 'é', '日');
        Arbitrary<Character> any = Arbitraries.chars().range('\u0000', '\uffff')
                .filter(c -> !Character.isSurrogate(c));
        return AwkwardText.strings(troublesome, any, 40);
    }

    @Property(tries = 300)
    void oneLineThatReadsBack(@ForAll("clientText") String helo, @ForAll("clientText") String reason,
            @ForAll("clientText") String address) throws Exception {
        TransactionRecord record = TransactionRecord.builder(TransactionRecord.Outcome.ABORTED,
                        Instant.parse("2025-01-01T00:00:00Z"), InetAddresses.require("198.51.100.9"))
                .helo(helo)
                .mailFrom(address)
                .recipients(List.of(address))
                .refusedRecipient(address, new Reply(550, "5.1.1", reason))
                .checks(List.of(new TransactionRecord.CheckEntry("helo", Result.FAIL, reason, reason, Action.LOG)))
                .build();

        String line = TransactionLog.toJson(record);

        assertThat(TransactionLogTest.lineBreaksIn(line)).isEmpty();
        JsonNode json = MAPPER.readTree(line);
        assertThat(json.get("helo").asText()).isEqualTo(helo);
        assertThat(json.get("mail-from").asText()).isEqualTo(address);
        assertThat(json.get("recipients").get(0).asText()).isEqualTo(address);
        assertThat(json.get("refused-recipients").get(0).get("reply").asText()).isEqualTo("550 5.1.1 " + reason);
        assertThat(json.get("checks").get(0).get("reason").asText()).isEqualTo(reason);
        assertThat(json.size()).isEqualTo(TransactionLogTest.FIELDS.size());
    }
}
