package org.mxguard.postfix;

import java.net.InetAddress;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.mxguard.dns.DnsNames;
import org.mxguard.dns.InetAddresses;

/**
 * One policy delegation request: the attributes of Postfix's {@code name=value} lines that mxguard
 * uses; an absent one reads as "", as Postfix sends attributes it has no value for. Immutable; what
 * is derived from an attribute (the state, the client's address) is worked out once.
 */
final class PolicyRequest {
    /** The attributes read, in the order of {@link #index}; Postfix sends two dozen more that no check needs. */
    private static final List<String> NAMES = List.of("request", "protocol_state", "instance", "client_address",
            "helo_name", "sender", "recipient", "queue_id", "size");
    /** The attributes read; Postfix sends two dozen more (TLS, SASL, ports, ...) that no check needs. */
    static final Set<String> USED = Set.copyOf(NAMES);
    static final int REQUEST = 0;
    static final int PROTOCOL_STATE = 1;
    static final int INSTANCE = 2;
    static final int CLIENT_ADDRESS = 3;
    static final int HELO_NAME = 4;
    static final int SENDER = 5;
    static final int RECIPIENT = 6;
    static final int QUEUE_ID = 7;
    static final int SIZE = 8;
    static final int COUNT = 9;

    /** By {@link #index}; null for an attribute not sent. */
    private final String[] values;
    private final ProtocolState state;
    private Optional<InetAddress> client; // worked out on first use; a race works it out twice, to the same
    private String clientText;

    PolicyRequest(Map<String, String> attributes) {
        this(fromMap(attributes));
    }

    /** @param values by {@link #index}, null for an attribute not sent; kept, not copied */
    PolicyRequest(String[] values) {
        if (values.length != COUNT) {
            throw new IllegalArgumentException("expected " + COUNT + " values");
        }
        this.values = values;
        this.state = ProtocolState.parse(get(PROTOCOL_STATE));
    }

    private static String[] fromMap(Map<String, String> attributes) {
        String[] values = new String[COUNT];
        attributes.forEach((name, value) -> {
            int i = index(name);
            if (i >= 0) {
                values[i] = value;
            }
        });
        return values;
    }

    /** The index of an attribute mxguard uses, or -1. */
    static int index(String name) {
        return NAMES.indexOf(name);
    }

    /** The attributes sent that mxguard uses. */
    Map<String, String> attributes() {
        Map<String, String> map = new LinkedHashMap<>();
        for (int i = 0; i < COUNT; i++) {
            if (values[i] != null) {
                map.put(NAMES.get(i), values[i]);
            }
        }
        return Collections.unmodifiableMap(map);
    }

    String get(String name) {
        int i = index(name);
        return i < 0 ? "" : get(i);
    }

    private String get(int index) {
        String value = values[index];
        return value == null ? "" : value;
    }

    ProtocolState state() {
        return state;
    }

    /** Postfix's id of the mail transaction; "" before MAIL FROM (and stale after one, until the next). */
    String instance() {
        return get(INSTANCE);
    }

    /** The client's address as Postfix sent it. */
    String clientAddressAttribute() {
        return get(CLIENT_ADDRESS);
    }

    /** The client's address, without any DNS lookup; empty when Postfix sent none or no IP. */
    Optional<InetAddress> clientAddress() {
        Optional<InetAddress> address = client;
        if (address == null) {
            address = InetAddresses.parse(get(CLIENT_ADDRESS));
            client = address;
        }
        return address;
    }

    /** The client's address as {@link DnsNames#text(InetAddress)} writes it; needs one. */
    String clientText() {
        String text = clientText;
        if (text == null) {
            text = DnsNames.text(clientAddress().orElseThrow());
            clientText = text;
        }
        return text;
    }

    String helo() {
        return get(HELO_NAME);
    }

    /** MAIL FROM without brackets; "" is the null reverse-path (from MAIL on). */
    String sender() {
        return get(SENDER);
    }

    String recipient() {
        return get(RECIPIENT);
    }

    String queueId() {
        return get(QUEUE_ID);
    }

    /** The message size Postfix reports (END-OF-MESSAGE: as received; MAIL: the SIZE parameter). */
    Optional<Long> size() {
        try {
            long size = Long.parseLong(get(SIZE));
            return size < 0 ? Optional.empty() : Optional.of(size);
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** Not an access policy request (a newer Postfix's other kind, or a stray client). */
    boolean isAccessPolicy() {
        String kind = get(REQUEST);
        return kind.isEmpty() || kind.equals("smtpd_access_policy");
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PolicyRequest other && java.util.Arrays.equals(values, other.values);
    }

    @Override
    public int hashCode() {
        return java.util.Arrays.hashCode(values);
    }

    @Override
    public String toString() {
        return "PolicyRequest" + attributes();
    }
}
