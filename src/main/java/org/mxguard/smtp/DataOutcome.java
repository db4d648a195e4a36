package org.mxguard.smtp;

/**
 * What {@link SmtpInput#readData} saw between the 354 and the end of data. The reader always reads
 * to the real end, whatever it finds, so that the session stays in step with the client; deciding
 * what to answer is the session's business.
 *
 * @param bytes the unstuffed content, in octets, counted in full even past the size limit
 * @param tooBig more than the limit arrived, and only the limit was written
 * @param bareLineEnd a CR not followed by LF, or a LF not preceded by CR, appeared in the content
 * @param lineTooLong a line exceeded {@link SmtpInput#TEXT_LINE_LIMIT} octets with its CRLF
 */
public record DataOutcome(long bytes, boolean tooBig, boolean bareLineEnd, boolean lineTooLong) {
    public DataOutcome {
        if (bytes < 0) {
            throw new IllegalArgumentException("negative size: " + bytes);
        }
    }

    /** Nothing to hold against the message. */
    public boolean clean() {
        return !tooBig && !bareLineEnd && !lineTooLong;
    }
}
