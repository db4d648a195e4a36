package org.mxguard.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.mxguard.dns.InetAddresses;
import org.mxguard.queue.DeliveryOutcome;
import org.mxguard.queue.QueueRunner;

/** The one-line replies the queue keeps per recipient, and reading them back for a DSN. */
class DeliveryReplyTest {
    private static final Attempt MX = new Attempt("mx.example.org",
            new InetSocketAddress(InetAddresses.require("192.0.2.1"), 25), 10);

    @Test
    void aNextHopsReplyNamesTheHostLikePostfix() {
        SmtpReply reply = SmtpReply.parse(List.of("550-5.1.1 No such user", "550 5.1.1 really"));
        DeliveryReply said = DeliveryReply.from(MX, reply);

        assertThat(said).hasToString("mx.example.org[192.0.2.1] said: 550 5.1.1 No such user 5.1.1 really");
        DeliveryReply back = DeliveryReply.parse(said.toString()).orElseThrow();
        assertThat(back.remoteHost()).contains("mx.example.org");
        assertThat(back.remoteAddress()).contains("192.0.2.1");
        assertThat(back.status()).isEqualTo("5.1.1");
        assertThat(back.reply().code()).isEqualTo(550);
        assertThat(back.words()).isEqualTo("No such user 5.1.1 really");
    }

    @Test
    void anIpv6NextHopAndAReplyWithoutEnhancedCode() {
        Attempt v6 = new Attempt("mx6.example.org", new InetSocketAddress(InetAddresses.require("2001:db8::1"), 25), 10);
        String stored = DeliveryReply.from(v6, SmtpReply.parse(List.of("451 greylisted, said: come back"))).toString();

        assertThat(stored).isEqualTo("mx6.example.org[2001:db8::1] said: 451 greylisted, said: come back");
        DeliveryReply back = DeliveryReply.parse(stored).orElseThrow();
        assertThat(back.remoteAddress()).contains("2001:db8::1");
        assertThat(back.status()).as("the class alone").isEqualTo("4.0.0");
        assertThat(back.words()).isEqualTo("greylisted, said: come back");
    }

    @Test
    void oursHasTheQueuesFormAndNoHost() {
        DeliveryReply ours = DeliveryReply.ours("5.1.10", "Recipient domain nullmx.test has a null MX\r\n(RFC 7505)");

        assertThat(ours).hasToString("550 5.1.10 Recipient domain nullmx.test has a null MX (RFC 7505)");
        assertThat(ours.isRemote()).isFalse();
        assertThat(DeliveryReply.parse(ours.toString())).contains(ours);
        assertThat(DeliveryReply.ours("4.4.3", "DNS failed")).hasToString("451 4.4.3 DNS failed");
        assertThat(DeliveryReply.ours("4.4.3", "DNS failed").words()).isEqualTo("DNS failed");
    }

    @Test
    void theQueuesOwnRepliesReadAsOurs() {
        for (String queue : List.of(QueueRunner.TIMED_OUT, DeliveryOutcome.NO_OUTCOME)) {
            DeliveryReply reply = DeliveryReply.parse(queue).orElseThrow();
            assertThat(reply.isRemote()).isFalse();
            assertThat(reply.status()).startsWith("4.");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "  ", "connection refused", "99 not a code", "mx[1.2.3.4] said: nonsense"})
    void anythingElseIsNotRead(String stored) {
        assertThat(DeliveryReply.parse(stored)).isEqualTo(Optional.empty());
    }
}
