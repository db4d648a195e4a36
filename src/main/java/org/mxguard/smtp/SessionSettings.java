package org.mxguard.smtp;

import java.time.Duration;
import java.util.Objects;

/**
 * How one SMTP session behaves; the defaults are Postfix's where Postfix has one.
 *
 * @param hostname        the name in the banner, EHLO reply, Received: and Authentication-Results:
 * @param maxMessageBytes message_size_limit: the SIZE announced, and where DATA stops being kept
 * @param maxRecipients   smtpd_recipient_limit: RCPTs taken per transaction
 * @param commandTimeout  how long the server waits for a command (RFC 5321 §4.5.3.2: 5 minutes)
 * @param dataTimeout     how long it waits for the next piece of DATA
 * @param hardErrorLimit  smtpd_hard_error_limit: errors before the connection is closed
 * @param greetWait       postscreen_greet_wait: how long a new client sees only the first line of
 *                        the banner; a client that talks in that time is refused. Zero: no test
 * @param rejectAt        when the checks' rejections are given
 * @param dryRun          refuse nothing the checks would refuse: log it as what it would have been
 */
public record SessionSettings(String hostname, long maxMessageBytes, int maxRecipients, Duration commandTimeout,
        Duration dataTimeout, int hardErrorLimit, Duration greetWait, RejectAt rejectAt, boolean dryRun) {

    /** When a check's reject or tempfail is given. */
    public enum RejectAt {
        /** At RCPT TO (and at the end of DATA for header checks), as Postfix's smtpd_delay_reject: logs show the recipients. */
        RCPT,
        /** At the command whose stage completed the verdict (HELO, MAIL, RCPT, end of DATA). */
        EARLIEST
    }

    public static final long DEFAULT_MAX_MESSAGE_BYTES = 10_240_000;

    public SessionSettings {
        Objects.requireNonNull(hostname, "hostname");
        Objects.requireNonNull(commandTimeout, "commandTimeout");
        Objects.requireNonNull(dataTimeout, "dataTimeout");
        Objects.requireNonNull(greetWait, "greetWait");
        Objects.requireNonNull(rejectAt, "rejectAt");
        if (maxMessageBytes < 1 || maxRecipients < 1 || hardErrorLimit < 1 || commandTimeout.isNegative()
                || commandTimeout.isZero() || dataTimeout.isNegative() || dataTimeout.isZero() || greetWait.isNegative()) {
            throw new IllegalArgumentException("limits and timeouts must be positive (greetWait may be zero)");
        }
    }

    public static SessionSettings defaults(String hostname) {
        return new SessionSettings(hostname, DEFAULT_MAX_MESSAGE_BYTES, 1000, Duration.ofMinutes(5),
                Duration.ofMinutes(5), 20, Duration.ofSeconds(1), RejectAt.RCPT, false);
    }

    public SessionSettings withGreetWait(Duration wait) {
        return new SessionSettings(hostname, maxMessageBytes, maxRecipients, commandTimeout, dataTimeout, hardErrorLimit,
                wait, rejectAt, dryRun);
    }

    public SessionSettings withDryRun(boolean on) {
        return new SessionSettings(hostname, maxMessageBytes, maxRecipients, commandTimeout, dataTimeout, hardErrorLimit,
                greetWait, rejectAt, on);
    }
}
