/**
 * Postfix integration: the milter ({@link org.mxguard.postfix.MilterServer}) lets a Postfix that
 * stays in front run mxguard's checks and policy through {@code smtpd_milters}.
 *
 * <p>The milter is three layers that know nothing of each other's job: {@link org.mxguard.postfix.MilterFrame}
 * and {@link org.mxguard.postfix.MilterCodec} turn octets into {@link org.mxguard.postfix.MilterEvent}
 * values and {@link org.mxguard.postfix.MilterReply} values into octets (pure, no I/O beyond the
 * stream they are given); {@link org.mxguard.postfix.MilterConversation} decides what to answer to
 * each event with the same {@link org.mxguard.policy.SessionChecks} as the gateway; and
 * {@link org.mxguard.postfix.MilterSession} / {@link org.mxguard.postfix.MilterServer} carry them
 * over TCP, a virtual thread per connection.
 */
package org.mxguard.postfix;
