package org.mxguard.delivery;

import java.time.Instant;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * What happened to one recipient, as the per-recipient block of an RFC 3464 report needs it.
 * Optional facts are {@code null} when unknown, and their fields are then left out.
 *
 * @param originalRecipient the address as the sender gave it (ORCPT, or before rewriting); may be null
 * @param finalRecipient    the address delivery was last tried for
 * @param action            failed or delayed
 * @param status            the RFC 3463 status, e.g. {@code 5.1.1}; {@code 4.4.7} (delivery time
 *                          expired) or another 4.x.y with {@link DsnAction#FAILED} means the queue
 *                          lifetime ran out
 * @param remoteMta         host name of the server that gave the reply; may be null
 * @param diagnosticCode    the reply with its type, e.g. {@code smtp; 550 5.1.1 No such user}; a
 *                          text without a type is taken as an SMTP reply; may be null
 * @param lastAttempt       when delivery was last tried; may be null
 */
public record DsnRecipient(String originalRecipient, String finalRecipient, DsnAction action, String status,
        String remoteMta, String diagnosticCode, Instant lastAttempt) {
    private static final Pattern STATUS = Pattern.compile("[245]\\.\\d{1,3}\\.\\d{1,3}");
    private static final Pattern TYPED_DIAGNOSTIC = Pattern.compile("^[A-Za-z][A-Za-z0-9-]*;.*", Pattern.DOTALL);

    public DsnRecipient {
        Objects.requireNonNull(action, "action");
        if (finalRecipient == null || finalRecipient.isBlank()) {
            throw new IllegalArgumentException("finalRecipient is required");
        }
        if (status == null || !STATUS.matcher(status).matches()) {
            throw new IllegalArgumentException("status must look like 5.1.1, got " + status);
        }
        if (status.startsWith("2")) {
            throw new IllegalArgumentException("status " + status + " is a success, not a failure or delay");
        }
        if (action == DsnAction.DELAYED && !status.startsWith("4")) {
            throw new IllegalArgumentException("a delayed recipient needs a 4.x.y status, got " + status);
        }
        originalRecipient = blankToNull(originalRecipient);
        remoteMta = blankToNull(remoteMta);
        diagnosticCode = blankToNull(diagnosticCode);
        if (diagnosticCode != null && !TYPED_DIAGNOSTIC.matcher(diagnosticCode).matches()) {
            diagnosticCode = "smtp; " + diagnosticCode;
        }
    }

    /** A permanent failure: the remote server refused with a 5xx reply. */
    public static DsnRecipient rejected(String recipient, String status, String remoteMta, String smtpReply,
            Instant at) {
        return new DsnRecipient(null, recipient, DsnAction.FAILED, status, remoteMta,
                smtpReply == null ? null : "smtp; " + smtpReply, at);
    }

    /** The queue lifetime ran out; the last transient reply explains why. */
    public static DsnRecipient expired(String recipient, String remoteMta, String lastSmtpReply, Instant at) {
        return new DsnRecipient(null, recipient, DsnAction.FAILED, "4.4.7", remoteMta,
                lastSmtpReply == null ? null : "smtp; " + lastSmtpReply, at);
    }

    /** True when delivery gave up because the message stayed in the queue too long. */
    public boolean isExpiry() {
        return action == DsnAction.FAILED && status.startsWith("4");
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.strip();
    }
}
