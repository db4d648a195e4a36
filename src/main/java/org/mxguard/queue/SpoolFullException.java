package org.mxguard.queue;

/**
 * The spool's file system has less free space than the reserve: new mail is refused before a byte
 * is written, so that the messages already queued keep room for their envelope updates.
 */
public class SpoolFullException extends NotQueuedException {
    public SpoolFullException(long usableBytes, long reserveBytes) {
        super("spool full: " + usableBytes + " bytes usable, " + reserveBytes + " reserved");
    }
}
