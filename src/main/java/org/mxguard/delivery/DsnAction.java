package org.mxguard.delivery;

/** The RFC 3464 {@code Action} of one recipient in a delivery status notification. */
public enum DsnAction {
    /** Delivery gave up: a permanent (5xx) reply, or the queue lifetime ran out. */
    FAILED("failed"),
    /** Still being tried. Delay notices are not sent yet; such recipients are left out of reports. */
    DELAYED("delayed");

    private final String fieldValue;

    DsnAction(String fieldValue) {
        this.fieldValue = fieldValue;
    }

    /** The value as written in the {@code Action:} field. */
    public String fieldValue() {
        return fieldValue;
    }
}
