/**
 * The server side of SMTP: what mxguard hears from a connecting client. {@link org.mxguard.smtp.SmtpInput}
 * reads command lines and DATA content strictly (RFC 5321 line limits, CRLF only, the end of data
 * only at {@code <CRLF>.<CRLF>} so that no message can be smuggled inside another) and reports what
 * it saw as values ({@link org.mxguard.smtp.DataOutcome}) for the session to answer; it gives no
 * replies and takes no decisions itself.
 */
package org.mxguard.smtp;
