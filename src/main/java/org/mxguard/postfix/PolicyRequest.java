package org.mxguard.postfix;

import java.net.InetAddress;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.mxguard.dns.InetAddresses;

/**
 * One policy delegation request: the attributes of Postfix's {@code name=value} lines that mxguard
 * uses; an absent one reads as "", as Postfix sends attributes it has no value for.
 */
record PolicyRequest(Map<String, String> attributes) {
    /** The attributes read; Postfix sends two dozen more (TLS, SASL, ports, ...) that no check needs. */
    static final Set<String> USED = Set.of("request", "protocol_state", "instance", "client_address", "helo_name",
            "sender", "recipient", "queue_id", "size");

    PolicyRequest {
        attributes = Collections.unmodifiableMap(new LinkedHashMap<>(attributes));
    }

    String get(String name) {
        return attributes.getOrDefault(name, "");
    }

    ProtocolState state() {
        return ProtocolState.parse(get("protocol_state"));
    }

    /** Postfix's id of the mail transaction; "" before MAIL FROM (and stale after one, until the next). */
    String instance() {
        return get("instance");
    }

    /** The client's address, without any DNS lookup; empty when Postfix sent none or no IP. */
    Optional<InetAddress> clientAddress() {
        return InetAddresses.parse(get("client_address"));
    }

    String helo() {
        return get("helo_name");
    }

    /** MAIL FROM without brackets; "" is the null reverse-path (from MAIL on). */
    String sender() {
        return get("sender");
    }

    String recipient() {
        return get("recipient");
    }

    String queueId() {
        return get("queue_id");
    }

    /** The message size Postfix reports (END-OF-MESSAGE: as received; MAIL: the SIZE parameter). */
    Optional<Long> size() {
        try {
            long size = Long.parseLong(get("size"));
            return size < 0 ? Optional.empty() : Optional.of(size);
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** Not an access policy request (a newer Postfix's other kind, or a stray client). */
    boolean isAccessPolicy() {
        String kind = get("request");
        return kind.isEmpty() || kind.equals("smtpd_access_policy");
    }
}
