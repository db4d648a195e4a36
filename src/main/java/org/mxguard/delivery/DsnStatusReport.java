package org.mxguard.delivery;

import java.time.ZoneId;

/**
 * The second part of a notification, {@code message/delivery-status} (RFC 3464 §2): the
 * per-message fields, then one block per failed recipient, blocks separated by an empty line.
 * Every value goes through {@link DsnFormat#field}, so the part is 7-bit and folded.
 */
final class DsnStatusReport {
    /** Like Postfix's X-Postfix-Queue-ID: lets the sender's admin quote our log key. */
    static final String QUEUE_ID_FIELD = "X-Mxguard-Queue-ID";

    private DsnStatusReport() {
    }

    static String text(String reportingHost, DsnRequest request, ZoneId zone) {
        StringBuilder out = new StringBuilder();
        out.append(DsnFormat.field("Reporting-MTA", "dns; " + reportingHost));
        out.append(DsnFormat.field(QUEUE_ID_FIELD, request.queueId()));
        out.append(DsnFormat.field("Arrival-Date", DsnFormat.date(request.arrival(), zone)));
        for (DsnRecipient r : request.failedRecipients()) {
            out.append(DsnFormat.CRLF);
            if (r.originalRecipient() != null) {
                out.append(DsnFormat.field("Original-Recipient", DsnFormat.typedAddress(r.originalRecipient())));
            }
            out.append(DsnFormat.field("Final-Recipient", DsnFormat.typedAddress(r.finalRecipient())));
            out.append(DsnFormat.field("Action", r.action().fieldValue()));
            out.append(DsnFormat.field("Status", r.status()));
            if (r.remoteMta() != null) {
                out.append(DsnFormat.field("Remote-MTA", "dns; " + r.remoteMta()));
            }
            if (r.diagnosticCode() != null) {
                out.append(DsnFormat.field("Diagnostic-Code", r.diagnosticCode()));
            }
            if (r.lastAttempt() != null) {
                out.append(DsnFormat.field("Last-Attempt-Date", DsnFormat.date(r.lastAttempt(), zone)));
            }
        }
        return out.toString();
    }
}
