package org.mxguard.delivery;

import java.util.Locale;
import java.util.Optional;

/**
 * Decides when a failed delivery must not be answered with a notification: a bounce to the null
 * reverse-path goes nowhere (RFC 5321 §4.5.5), and a bounce of a bounce can loop forever
 * between two servers (RFC 3464 §2).
 */
final class DsnLoopGuard {
    private static final String MAILER_DAEMON = "mailer-daemon";

    private DsnLoopGuard() {
    }

    /** Why no notification may be sent, or empty when one should be. */
    static Optional<String> reasonToSuppress(DsnRequest request) {
        String sender = request.envelopeSender().strip();
        if (sender.isEmpty() || sender.equals("<>")) {
            return Optional.of("null sender: a notification could not be delivered anywhere");
        }
        DsnOriginalHeaders headers = request.originalHeaders();
        if (isDeliveryReport(headers.value("Content-Type").orElse(""))) {
            return Optional.of("the message is itself a delivery status notification");
        }
        boolean autoSubmitted = headers.value("Auto-Submitted").map(DsnLoopGuard::keyword)
                .filter(k -> !k.isEmpty() && !k.equals("no")).isPresent();
        boolean fromMailerDaemon = isMailerDaemon(sender)
                || headers.value("From").map(DsnLoopGuard::isMailerDaemon).orElse(false);
        if (autoSubmitted && fromMailerDaemon) {
            return Optional.of("the message is an automatic reply from MAILER-DAEMON");
        }
        if (request.failedRecipients().isEmpty()) {
            return Optional.of("no failed recipients (delay notices are not sent)");
        }
        return Optional.empty();
    }

    // multipart/report; report-type=delivery-status (RFC 6522), parameters in any order and case.
    private static boolean isDeliveryReport(String contentType) {
        String[] parts = withoutComments(contentType).toLowerCase(Locale.ROOT).split(";");
        if (!parts[0].strip().equals("multipart/report")) {
            return false;
        }
        for (int i = 1; i < parts.length; i++) {
            String[] nameValue = parts[i].split("=", 2);
            if (nameValue.length == 2 && nameValue[0].strip().equals("report-type")
                    && unquote(nameValue[1].strip()).equals("delivery-status")) {
                return true;
            }
        }
        return false;
    }

    // "auto-replied; owner-email=..." → "auto-replied" (RFC 3834 §5).
    private static String keyword(String autoSubmitted) {
        return withoutComments(autoSubmitted).split(";", 2)[0].strip().toLowerCase(Locale.ROOT);
    }

    // "Mail Delivery System <MAILER-DAEMON@host>", "MAILER-DAEMON@host (Mail Delivery System)", "MAILER-DAEMON".
    private static boolean isMailerDaemon(String address) {
        String a = withoutComments(address);
        int lt = a.lastIndexOf('<');
        int gt = a.lastIndexOf('>');
        if (lt >= 0 && gt > lt) {
            a = a.substring(lt + 1, gt);
        }
        a = a.strip();
        int at = a.lastIndexOf('@');
        String localPart = at >= 0 ? a.substring(0, at) : a;
        return localPart.equalsIgnoreCase(MAILER_DAEMON);
    }

    private static String withoutComments(String value) {
        return value.replaceAll("\\([^()]*\\)", " ");
    }

    private static String unquote(String value) {
        return value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")
                ? value.substring(1, value.length() - 1) : value;
    }
}
