package org.mxguard.queue;

import java.util.Map;
import java.util.stream.Collectors;

/**
 * What one delivery attempt did, per recipient address.
 *
 * @param byAddress the outcome of each recipient the attempt was given
 */
public record DeliveryOutcome(Map<String, RecipientOutcome> byAddress) {
    /** Said of a recipient the deliverer forgot: it stays queued rather than being taken for delivered. */
    public static final String NO_OUTCOME = "451 4.3.0 no outcome reported for this recipient";

    public DeliveryOutcome {
        byAddress = Map.copyOf(byAddress);
    }

    /** The same outcome for every recipient of {@code envelope}, e.g. a connection that failed. */
    public static DeliveryOutcome all(Envelope envelope, RecipientOutcome outcome) {
        return new DeliveryOutcome(envelope.recipients().stream()
                .collect(Collectors.toMap(Recipient::address, r -> outcome, (a, b) -> a)));
    }

    public RecipientOutcome of(String address) {
        return byAddress.getOrDefault(address, new RecipientOutcome.Deferred(NO_OUTCOME));
    }
}
