/**
 * The durable queue: what mxguard has answered 250 for, kept until delivered or bounced.
 *
 * <p>{@link org.mxguard.queue.Spool} owns the files (one body and one envelope per message, written
 * so that a crash at any point leaves either a complete message or nothing acknowledged);
 * {@link org.mxguard.queue.QueueRunner} owns delivery state and hands messages to a
 * {@link org.mxguard.queue.Deliverer} per destination domain, within a
 * {@link org.mxguard.queue.DestinationLimiter}, retrying on a {@link org.mxguard.queue.Backoff} and
 * giving up through a {@link org.mxguard.queue.BounceSink}. Nothing here knows SMTP: the reply to
 * give when a message cannot be queued is a constant on {@link org.mxguard.queue.NotQueuedException}.
 */
package org.mxguard.queue;
