package org.mxguard.delivery;

import java.time.Duration;
import java.time.ZoneId;

/** The first part of a notification: in plain words, which recipients failed and why. */
final class DsnExplanation {
    private static final String INDENT = "    ";

    private DsnExplanation() {
    }

    /** The text, lines ending in CRLF; it may hold UTF-8 (an internationalised address). */
    static String text(String reportingHost, Duration queueLifetime, DsnRequest request, ZoneId zone) {
        StringBuilder out = new StringBuilder();
        paragraph(out, "This is the mail system at host " + reportingHost + ".");
        paragraph(out, "Your message could not be delivered to one or more recipients. We received it on "
                + DsnFormat.date(request.arrival(), zone) + " (queue ID "
                + DsnFormat.withoutControls(request.queueId()) + ").");
        paragraph(out, "The details for each recipient follow. A report for programs and the headers of your "
                + "message are attached; the message body is not.");
        String separator = "";
        for (DsnRecipient recipient : request.failedRecipients()) {
            String line = "<" + recipient.finalRecipient() + ">: " + why(recipient, queueLifetime);
            out.append(separator).append(DsnFormat.wrap(DsnFormat.withoutControls(line), INDENT))
                    .append(DsnFormat.CRLF);
            separator = DsnFormat.CRLF;
        }
        return out.toString();
    }

    private static void paragraph(StringBuilder out, String text) {
        out.append(DsnFormat.wrap(text, "")).append(DsnFormat.CRLF).append(DsnFormat.CRLF);
    }

    private static String why(DsnRecipient r, Duration queueLifetime) {
        String reply = r.diagnosticCode() == null ? null : withoutType(r.diagnosticCode());
        if (r.isExpiry()) {
            String last = reply == null ? "" : r.remoteMta() == null
                    ? " The last attempt failed with: " + reply
                    : " The last attempt, at " + r.remoteMta() + ", failed with: " + reply;
            return "the message could not be delivered for " + span(queueLifetime) + ", so we gave up (status "
                    + r.status() + (r.status().equals("4.4.7") ? ", delivery time expired)." : ").") + last;
        }
        if (r.remoteMta() != null) {
            return "the mail server " + r.remoteMta() + " refused the message permanently"
                    + (reply == null ? " (status " + r.status() + ")." : ". It said: " + reply);
        }
        return "delivery failed permanently (status " + r.status() + ")." + (reply == null ? "" : " " + reply);
    }

    // "smtp; 550 5.1.1 No such user" → "550 5.1.1 No such user": the type means nothing to a person.
    private static String withoutType(String diagnosticCode) {
        return diagnosticCode.substring(diagnosticCode.indexOf(';') + 1).strip();
    }

    /** "5 days", "1 day", "36 hours", "90 minutes". */
    static String span(Duration d) {
        if (!d.isZero() && d.toHours() % 24 == 0 && d.toMinutesPart() == 0 && d.toSecondsPart() == 0) {
            return plural(d.toDays(), "day");
        }
        if (d.toMinutesPart() == 0 && d.toSecondsPart() == 0) {
            return plural(d.toHours(), "hour");
        }
        return plural(Math.max(1, d.toMinutes()), "minute");
    }

    private static String plural(long n, String unit) {
        return n + " " + unit + (n == 1 ? "" : "s");
    }
}
