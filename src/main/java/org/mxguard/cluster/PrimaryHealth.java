package org.mxguard.cluster;

import java.time.Instant;
import java.util.Objects;

/**
 * A probe of a backup-MX domain's primary, as nodes share it.
 *
 * @param up      a complete 220 greeting arrived within the probe timeout
 * @param checked when the probe ended
 * @param detail  what happened, for logs
 */
public record PrimaryHealth(boolean up, Instant checked, String detail) {
    public PrimaryHealth {
        Objects.requireNonNull(checked, "checked");
        Objects.requireNonNull(detail, "detail");
    }
}
