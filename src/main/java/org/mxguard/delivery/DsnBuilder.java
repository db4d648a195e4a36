package org.mxguard.delivery;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * Turns a delivery that gave up (a 5xx reply, or the queue lifetime running out) into an RFC 3464
 * delivery status notification for the sender, or into a logged reason not to send one (null
 * sender, bounce of a bounce; see {@link DsnLoopGuard}).
 *
 * <p>The notification is an RFC 6522 {@code multipart/report}: a plain-words explanation, the
 * {@code message/delivery-status} report, and the original message's headers as
 * {@code text/rfc822-headers} (never the body: see {@link DsnOriginalHeaders}). It is 7-bit with
 * CRLF line endings and no line over 998 octets; 8-bit text is sent quoted-printable. Only an
 * internationalised sender's own address in To: stays UTF-8, as only SMTPUTF8 can reach it.
 *
 * <p>The clock and both random strings come in as parameters so a test's output is exact. The
 * builder holds no state of its own; it is as thread-safe as the two suppliers given to it.
 */
public final class DsnBuilder {
    static final String SUBJECT = "Undelivered Mail Returned to Sender";
    private static final Pattern HOST_NAME = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?");
    private static final Pattern ID_LEFT = Pattern.compile("[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+");
    private static final Pattern BOUNDARY = Pattern.compile("[A-Za-z0-9'()+_,./:=?-]{1,70}");
    private static final int BOUNDARY_TRIES = 10;

    private final String reportingHost;
    private final Duration queueLifetime;
    private final Clock clock;
    private final Supplier<String> messageIdLeftParts;
    private final Supplier<String> boundaries;

    /**
     * @param reportingHost      our host name: Reporting-MTA, From: MAILER-DAEMON@it, Message-ID's right part
     * @param queueLifetime      how long the queue tries before giving up, for the expiry explanation
     * @param clock              gives the Date: field and the time zone of every date
     * @param messageIdLeftParts unique left parts for Message-ID: {@code <left@reportingHost>}
     * @param boundaries         MIME boundaries (RFC 2046 characters, at most 70); one that occurs in
     *                           the content is skipped and the next one asked for
     */
    public DsnBuilder(String reportingHost, Duration queueLifetime, Clock clock, Supplier<String> messageIdLeftParts,
            Supplier<String> boundaries) {
        if (reportingHost == null || !HOST_NAME.matcher(reportingHost).matches()) {
            throw new IllegalArgumentException("reportingHost must be a host name, got " + reportingHost);
        }
        if (queueLifetime == null || queueLifetime.isNegative() || queueLifetime.isZero()) {
            throw new IllegalArgumentException("queueLifetime must be positive");
        }
        this.reportingHost = reportingHost;
        this.queueLifetime = queueLifetime;
        this.clock = Objects.requireNonNull(clock, "clock");
        this.messageIdLeftParts = Objects.requireNonNull(messageIdLeftParts, "messageIdLeftParts");
        this.boundaries = Objects.requireNonNull(boundaries, "boundaries");
    }

    /** The notification for this request, or empty when none may be sent. */
    public Optional<DsnMessage> build(DsnRequest request) {
        return decide(request).message();
    }

    /** Like {@link #build}, but says why when no notification is sent. */
    public DsnDecision decide(DsnRequest request) {
        Optional<String> suppressed = DsnLoopGuard.reasonToSuppress(request);
        if (suppressed.isPresent()) {
            return new DsnDecision.Suppressed(suppressed.get());
        }
        String sender = withoutAngles(request.envelopeSender());
        String messageId = "<" + checked(messageIdLeftParts.get(), ID_LEFT, "Message-ID left part") + "@"
                + reportingHost + ">";

        MimePart explanation = MimePart.text("Notification",
                DsnExplanation.text(reportingHost, queueLifetime, request, clock.getZone()));
        MimePart report = new MimePart("Delivery report", "message/delivery-status", null,
                DsnStatusReport.text(reportingHost, request, clock.getZone()));
        MimePart headers = request.originalHeaders().isEmpty() ? null
                : MimePart.headers("Undelivered Message Headers", request.originalHeaders());
        String boundary = boundaryNotIn(explanation.body + report.body + (headers == null ? "" : headers.body));

        StringBuilder m = new StringBuilder();
        m.append(DsnFormat.field("From", "MAILER-DAEMON@" + reportingHost + " (Mail Delivery System)"));
        m.append(DsnFormat.utf8Field("To", "<" + sender + ">"));
        m.append(DsnFormat.field("Subject", SUBJECT));
        m.append(DsnFormat.field("Date", DsnFormat.date(clock.instant(), clock.getZone())));
        m.append(DsnFormat.field("Message-ID", messageId));
        // RFC 3834: tells auto-responders (vacation, out-of-office) not to answer.
        m.append(DsnFormat.field("Auto-Submitted", "auto-replied"));
        m.append(DsnFormat.field("MIME-Version", "1.0"));
        m.append(DsnFormat.field("Content-Type",
                "multipart/report; report-type=delivery-status; boundary=\"" + boundary + "\""));
        m.append(DsnFormat.CRLF);
        m.append("This is a MIME-encapsulated message.").append(DsnFormat.CRLF);
        explanation.appendTo(m, boundary);
        report.appendTo(m, boundary);
        if (headers != null) {
            headers.appendTo(m, boundary);
        }
        m.append(DsnFormat.CRLF).append("--").append(boundary).append("--").append(DsnFormat.CRLF);

        byte[] content = m.toString().getBytes(StandardCharsets.UTF_8);
        return new DsnDecision.Send(new DsnMessage("", sender, messageId, content));
    }

    private String boundaryNotIn(String bodies) {
        for (int i = 0; i < BOUNDARY_TRIES; i++) {
            String boundary = checked(boundaries.get(), BOUNDARY, "boundary");
            if (!bodies.contains("--" + boundary)) {
                return boundary;
            }
        }
        throw new IllegalStateException("no boundary in " + BOUNDARY_TRIES + " tries was absent from the content");
    }

    private static String checked(String value, Pattern allowed, String what) {
        if (value == null || !allowed.matcher(value).matches()) {
            throw new IllegalStateException("unusable " + what + ": " + value);
        }
        return value;
    }

    private static String withoutAngles(String address) {
        String a = address.strip();
        return a.startsWith("<") && a.endsWith(">") ? a.substring(1, a.length() - 1).strip() : a;
    }

    /** One body part; {@code body} is 7-bit text whose lines end in CRLF. */
    private record MimePart(String description, String contentType, String transferEncoding, String body) {
        static MimePart text(String description, String text) {
            if (text.chars().allMatch(c -> c < 0x80)) {
                return new MimePart(description, "text/plain; charset=us-ascii", null, text);
            }
            return new MimePart(description, "text/plain; charset=utf-8", "quoted-printable",
                    DsnQuotedPrintable.encode(text.getBytes(StandardCharsets.UTF_8)));
        }

        static MimePart headers(String description, DsnOriginalHeaders original) {
            byte[] bytes = original.bytes();
            if (!original.hasEightBitOctets()) {
                return new MimePart(description, "text/rfc822-headers", null,
                        new String(bytes, StandardCharsets.US_ASCII));
            }
            return new MimePart(description, "text/rfc822-headers", "quoted-printable",
                    DsnQuotedPrintable.encode(bytes));
        }

        void appendTo(StringBuilder m, String boundary) {
            m.append(DsnFormat.CRLF).append("--").append(boundary).append(DsnFormat.CRLF);
            m.append(DsnFormat.field("Content-Description", description));
            m.append(DsnFormat.field("Content-Type", contentType));
            if (transferEncoding != null) {
                m.append(DsnFormat.field("Content-Transfer-Encoding", transferEncoding));
            }
            m.append(DsnFormat.CRLF).append(body);
        }
    }
}
