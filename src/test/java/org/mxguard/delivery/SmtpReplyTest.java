package org.mxguard.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class SmtpReplyTest {

    @Test
    void multiLineReply() {
        SmtpReply r = SmtpReply.parse(List.of("250-mx.example.org", "250-PIPELINING", "250 SIZE 1000"));

        assertThat(r.code()).isEqualTo(250);
        assertThat(r.lines()).containsExactly("mx.example.org", "PIPELINING", "SIZE 1000");
        assertThat(r.enhancedCode()).isEmpty();
        assertThat(r.status()).isEqualTo("2.0.0");
        assertThat(r.isPositive()).isTrue();
    }

    @Test
    void enhancedCodeFromTheFirstLine() {
        SmtpReply r = SmtpReply.parse(List.of("550-5.1.1 no such user", "550 5.1.1 see https://example.org"));

        assertThat(r.enhancedCode()).hasValue("5.1.1");
        assertThat(r.isPermanent()).isTrue();
        assertThat(r.toString()).isEqualTo("550 5.1.1 no such user 5.1.1 see https://example.org");
    }

    /** RFC 2034: an enhanced code of another class than the reply's is not one. */
    @Test
    void enhancedCodeOfTheWrongClassIsIgnored() {
        assertThat(SmtpReply.parse(List.of("451 5.1.1 odd")).enhancedCode()).isEmpty();
        assertThat(SmtpReply.parse(List.of("451 4.7.1 greylisted")).status()).isEqualTo("4.7.1");
        assertThat(SmtpReply.parse(List.of("250 2.0.0")).enhancedCode()).hasValue("2.0.0");
        assertThat(SmtpReply.parse(List.of("250 2.0.0x")).enhancedCode()).isEmpty();
    }

    @Test
    void bareCodeAndEmptyText() {
        assertThat(SmtpReply.parse(List.of("250")).lines()).containsExactly("");
        assertThat(SmtpReply.parse(List.of("250-smtp-sink", "250 ")).lines()).containsExactly("smtp-sink", "");
        assertThat(SmtpReply.parse(List.of("354")).isIntermediate()).isTrue();
        assertThat(SmtpReply.parse(List.of("421 closing")).isTransient()).isTrue();
    }

    @Test
    void malformedReplies() {
        assertThatThrownBy(() -> SmtpReply.parse(List.of("250-a", "251 b"))).hasMessageContaining("code changes");
        assertThatThrownBy(() -> SmtpReply.parse(List.of("250 a", "250 b"))).hasMessageContaining("lacks '-'");
        assertThatThrownBy(() -> SmtpReply.parse(List.of("250-a"))).hasMessageContaining("continuation");
        assertThatThrownBy(() -> SmtpReply.parse(List.of("hello"))).hasMessageContaining("not an SMTP reply line");
        assertThatThrownBy(() -> SmtpReply.parse(List.of("150 early"))).hasMessageContaining("not an SMTP reply line");
        assertThatThrownBy(() -> SmtpReply.parse(List.of("250ok"))).hasMessageContaining("no separator");
    }

    @Test
    void capabilitiesFromEhlo() {
        SmtpCapabilities c = SmtpCapabilities.fromEhlo(SmtpReply.parse(List.of(
                "250-mx.example.org greets you", "250-pipelining", "250-SIZE 10240000", "250-8BITMIME",
                "250-STARTTLS", "250 ")));

        assertThat(c.esmtp()).isTrue();
        assertThat(c.pipelining()).isTrue();
        assertThat(c.sizeLimit()).hasValue(10240000);
        assertThat(c.eightBitMime()).isTrue();
        assertThat(c.startTls()).isTrue();
        assertThat(c.has("DSN")).isFalse();
    }

    /** RFC 1870: SIZE without a number, or SIZE 0, is no fixed limit, but SIZE= is still welcome. */
    @Test
    void sizeWithoutLimit() {
        SmtpCapabilities bare = SmtpCapabilities.fromEhlo(SmtpReply.parse(List.of("250-mx", "250 SIZE")));
        SmtpCapabilities zero = SmtpCapabilities.fromEhlo(SmtpReply.parse(List.of("250-mx", "250 SIZE 0")));

        assertThat(bare.size()).isTrue();
        assertThat(bare.sizeLimit()).isEmpty();
        assertThat(zero.sizeLimit()).isEmpty();
        assertThat(SmtpCapabilities.none().size()).isFalse();
    }

    @Test
    void rfc5321Timeouts() {
        SmtpTimeouts t = SmtpTimeouts.rfc5321();

        assertThat(t.connect()).hasSeconds(30);
        assertThat(t.greeting()).hasMinutes(5);
        assertThat(t.mail()).hasMinutes(5);
        assertThat(t.rcpt()).hasMinutes(5);
        assertThat(t.dataInitiation()).hasMinutes(2);
        assertThat(t.dataBlock()).hasMinutes(3);
        assertThat(t.dataTermination()).hasMinutes(10);
    }
}
