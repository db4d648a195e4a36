package org.mxguard.delivery;

import java.time.Duration;
import java.util.Objects;

/**
 * How long the client waits at each stage of a session. Reads wait at most the stage's time for
 * each reply; a write of commands or of one block of the message may take at most that long too
 * (RFC 5321 §4.5.3.2 times "each TCP SEND call" during DATA).
 *
 * @param connect         the TCP connection
 * @param greeting        the 220 greeting
 * @param hello           the reply to EHLO or HELO
 * @param startTls        the reply to STARTTLS, then the TLS handshake
 * @param mail            the reply to MAIL FROM (in a pipelined batch: the batch's write too)
 * @param rcpt            each reply to RCPT TO
 * @param dataInitiation  the 354 after DATA
 * @param dataBlock       each write of a block of the message
 * @param dataTermination the reply after the final {@code .}
 * @param rset            the reply to RSET
 * @param quit            the reply to QUIT
 */
public record SmtpTimeouts(
        Duration connect,
        Duration greeting,
        Duration hello,
        Duration startTls,
        Duration mail,
        Duration rcpt,
        Duration dataInitiation,
        Duration dataBlock,
        Duration dataTermination,
        Duration rset,
        Duration quit) {

    public SmtpTimeouts {
        for (Duration d : new Duration[] {connect, greeting, hello, startTls, mail, rcpt, dataInitiation,
                dataBlock, dataTermination, rset, quit}) {
            Objects.requireNonNull(d, "timeout");
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException("timeouts must be positive: " + d);
            }
        }
    }

    /**
     * RFC 5321 §4.5.3.2 where it names a stage (greeting 5 min, MAIL 5 min, RCPT 5 min, DATA
     * initiation 2 min, data block 3 min, DATA termination 10 min; the last is long because the
     * server may filter the message before it answers, and giving up early causes duplicates).
     * Postfix's defaults for the rest: connect 30 s, EHLO/HELO 5 min, STARTTLS 5 min, RSET 20 s;
     * QUIT 20 s rather than Postfix's 5 min, since nothing depends on its answer.
     */
    public static SmtpTimeouts rfc5321() {
        Duration fiveMinutes = Duration.ofMinutes(5);
        return new SmtpTimeouts(Duration.ofSeconds(30), fiveMinutes, fiveMinutes, fiveMinutes, fiveMinutes,
                fiveMinutes, Duration.ofMinutes(2), Duration.ofMinutes(3), Duration.ofMinutes(10),
                Duration.ofSeconds(20), Duration.ofSeconds(20));
    }

    /** The same limit at every stage. */
    public static SmtpTimeouts uniform(Duration each) {
        return new SmtpTimeouts(each, each, each, each, each, each, each, each, each, each, each);
    }

    /**
     * For tests against peers on this machine: 3 s everywhere, plenty for loopback even on a busy
     * build machine, where a JVM's first TLS handshake alone can take a second.
     */
    public static SmtpTimeouts fast() {
        return uniform(Duration.ofSeconds(3));
    }
}
