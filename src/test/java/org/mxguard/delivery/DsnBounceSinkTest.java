package org.mxguard.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mxguard.queue.Bounce;
import org.mxguard.queue.Envelope;
import org.mxguard.queue.NioSpoolFiles;
import org.mxguard.queue.NotQueuedException;
import org.mxguard.queue.QueueIds;
import org.mxguard.queue.Recipient;
import org.mxguard.queue.Spool;

/** Bounces become notifications in the spool, from the null sender, or nothing where none may go. */
class DsnBounceSinkTest {
    private static final String MESSAGE = "From: Alice <alice@example.org>\r\nSubject: quarterly report\r\n"
            + "Message-ID: <1@example.org>\r\n\r\nThe body, which a bounce never returns.\r\n";

    @TempDir
    Path directory;

    private final SmtpClientReuseTest.MutableClock clock = new SmtpClientReuseTest.MutableClock();
    private final AtomicInteger ids = new AtomicInteger();
    private Spool spool;
    private DsnBounceSink sink;

    @BeforeEach
    void open() throws IOException {
        spool = spool(0);
        sink = new DsnBounceSink(spool, builder(), clock);
    }

    private Spool spool(long reserve) throws IOException {
        Spool s = new Spool(directory, new NioSpoolFiles(), new QueueIds(clock, new SplittableRandom(3)), clock, reserve);
        s.recover();
        return s;
    }

    private DsnBuilder builder() {
        return new DsnBuilder("gateway.example.net", Duration.ofDays(5), clock, () -> "dsn" + ids.incrementAndGet(),
                () -> "boundary" + ids.incrementAndGet());
    }

    private Envelope original(String sender, String... recipients) throws IOException {
        return spool.accept(sender, List.of(recipients), MESSAGE.getBytes(StandardCharsets.US_ASCII));
    }

    private Bounce bounce(Envelope original, Bounce.Reason reason, Recipient... failed) {
        return new Bounce(original, spool.body(original.id()), List.of(failed), reason);
    }

    private Envelope onlyNotification(Envelope original) {
        List<Envelope> others = spool.list().stream().filter(e -> !e.id().equals(original.id())).toList();
        assertThat(others).hasSize(1);
        return others.getFirst();
    }

    private String content(Envelope queued) throws IOException {
        return Files.readString(spool.body(queued.id()), StandardCharsets.UTF_8);
    }

    @Test
    void aRejectionIsQueuedFromTheNullSenderWithTheRemoteReplyAndTheHeaders() throws IOException {
        Envelope original = original("alice@example.org", "bob@example.com", "carol@example.com");
        Recipient bob = Recipient.pending("bob@example.com")
                .bounced("mx.example.com[192.0.2.7] said: 550 5.1.1 <bob@example.com>: no such user");

        sink.bounce(bounce(original, Bounce.Reason.REJECTED, bob));

        Envelope dsn = onlyNotification(original);
        assertThat(dsn.sender()).isEmpty();
        assertThat(dsn.recipients()).extracting(Recipient::address).containsExactly("alice@example.org");
        assertThat(content(dsn)).contains("To: <alice@example.org>", "Final-Recipient: rfc822; bob@example.com",
                        "Action: failed", "Status: 5.1.1", "Remote-MTA: dns; mx.example.com",
                        "Diagnostic-Code: smtp; 550 5.1.1 <bob@example.com>: no such user",
                        "X-Mxguard-Queue-ID: " + original.id(), "Subject: quarterly report",
                        "the mail server mx.example.com refused")
                .doesNotContain("carol@example.com", "The body, which");
    }

    @Test
    void aRejectionOfOursHasOurDiagnosticTypeAndNoRemoteMta() throws IOException {
        Envelope original = original("alice@example.org", "bob@nullmx.example");
        Recipient bob = Recipient.pending("bob@nullmx.example")
                .bounced(DeliveryReply.ours("5.1.10", "Recipient domain nullmx.example has a null MX").toString());

        sink.bounce(bounce(original, Bounce.Reason.REJECTED, bob));

        assertThat(content(onlyNotification(original))).contains("Status: 5.1.10",
                "Diagnostic-Code: X-Mxguard; Recipient domain nullmx.example has a null MX").doesNotContain("Remote-MTA");
    }

    @Test
    void anExpiryIs447WithTheLastReply() throws IOException {
        Envelope original = original("alice@example.org", "bob@example.com");
        Recipient bob = Recipient.pending("bob@example.com")
                .deferred("mx.example.com[192.0.2.7] said: 451 4.7.1 greylisted");

        sink.bounce(bounce(original, Bounce.Reason.EXPIRED, bob));

        assertThat(content(onlyNotification(original))).contains("Status: 4.4.7", "Remote-MTA: dns; mx.example.com",
                "Diagnostic-Code: smtp; 451 4.7.1 greylisted", "could not be delivered for 5 days");
    }

    @Test
    void aReplyThatCannotBeReadIsStillReported() throws IOException {
        Envelope original = original("alice@example.org", "bob@example.com");

        sink.bounce(bounce(original, Bounce.Reason.REJECTED, Recipient.pending("bob@example.com").bounced("refused")));

        assertThat(content(onlyNotification(original))).contains("Status: 5.0.0", "Diagnostic-Code: X-Mxguard; refused");
    }

    @Test
    void nothingGoesToTheNullSenderNorAnswersABounce() throws IOException {
        Envelope fromNobody = original("", "bob@example.com");
        sink.bounce(bounce(fromNobody, Bounce.Reason.REJECTED,
                Recipient.pending("bob@example.com").bounced("550 5.1.1 no such user")));

        Envelope aBounce = spool.accept("postmaster@example.org", List.of("bob@example.com"), ("From: MAILER-DAEMON@example.org\r\n"
                + "Content-Type: multipart/report; report-type=delivery-status; boundary=x\r\n\r\n--x--\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        sink.bounce(bounce(aBounce, Bounce.Reason.EXPIRED, Recipient.pending("bob@example.com").deferred("451 4.4.1 no answer")));

        assertThat(spool.list()).extracting(Envelope::id).containsExactly(fromNobody.id(), aBounce.id());
    }

    @Test
    void aBodyThatIsGoneStillGetsTheSenderANotification() throws IOException {
        Envelope original = original("alice@example.org", "bob@example.com");
        Bounce bounce = new Bounce(original, directory.resolve("missing.eml"),
                List.of(Recipient.pending("bob@example.com").bounced("550 5.1.1 no such user")), Bounce.Reason.REJECTED);

        sink.bounce(bounce);

        assertThat(content(onlyNotification(original))).contains("Status: 5.1.1").doesNotContain("Subject: quarterly report");
    }

    @Test
    void whenTheNotificationCannotBeQueuedTheBounceIsNotTaken() throws IOException {
        Envelope original = original("alice@example.org", "bob@example.com");
        DsnBounceSink full = new DsnBounceSink(spool(Long.MAX_VALUE), builder(), clock); // no space to spare

        assertThatThrownBy(() -> full.bounce(bounce(original, Bounce.Reason.REJECTED,
                Recipient.pending("bob@example.com").bounced("550 5.1.1 no such user"))))
                .isInstanceOf(NotQueuedException.class);
        assertThat(spool(0).list()).extracting(Envelope::id).containsExactly(original.id());
    }
}
