package org.mxguard.postfix;

import java.net.InetAddress;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.mxguard.dns.InetAddresses;

/**
 * The macros the MTA has sent, kept per event ({@code SMFIC_MACRO} names the event they go with),
 * and the few mxguard reads. Names are kept without braces: {@code {client_addr}} and
 * {@code client_addr} are one macro. Every macro is optional: Postfix sends only those listed in
 * its {@code milter_*_macros}, so each reader has a fallback in the event itself.
 * One connection's; not thread-safe.
 */
final class MilterMacros {
    /** The events whose macros belong to one transaction, forgotten when it ends. */
    private static final String TRANSACTION_STAGES = "MRTLNBE";

    private final Map<Character, Map<String, String>> byStage = new HashMap<>();

    void define(MilterEvent.Macros macros) {
        Map<String, String> stage = new HashMap<>();
        macros.macros().forEach((name, value) -> stage.put(plain(name), value));
        byStage.put(macros.stage(), stage);
    }

    /** The transaction is over: its macros ({@code {mail_addr}}, the queue id) must not carry over to the next. */
    void forgetTransaction() {
        for (char stage : TRANSACTION_STAGES.toCharArray()) {
            byStage.remove(stage);
        }
    }

    /** The connection is over (or carries a new one): nothing carries over. */
    void forgetAll() {
        byStage.clear();
    }

    /**
     * The client's address from {@code {client_addr}}, else from {@code _} ({@code name [address]}),
     * both sent with the connect event; empty when neither is there or usable.
     */
    Optional<InetAddress> clientAddress() {
        Optional<InetAddress> plain = get('C', "client_addr").flatMap(MilterMacros::address);
        if (plain.isPresent()) {
            return plain;
        }
        return get('C', "_").flatMap(v -> {
            int open = v.lastIndexOf('[');
            int close = v.lastIndexOf(']');
            return open >= 0 && close > open ? address(v.substring(open + 1, close)) : Optional.empty();
        });
    }

    /** {@code j}: the MTA's own host name ({@code myhostname}). */
    Optional<String> mtaHostname() {
        return get('C', "j").filter(s -> !s.isBlank()).map(String::strip);
    }

    /** {@code {mail_addr}}: the MAIL FROM address without brackets, "" for the null reverse-path. */
    Optional<String> mailAddress() {
        return get('M', "mail_addr");
    }

    /** {@code {rcpt_addr}}: the RCPT TO address without brackets. */
    Optional<String> recipientAddress() {
        return get('R', "rcpt_addr").filter(s -> !s.isBlank());
    }

    /** {@code i}: the MTA's queue id, from the latest event that carried it. */
    Optional<String> queueId() {
        for (char stage : "ENRM".toCharArray()) {
            Optional<String> id = get(stage, "i").filter(s -> !s.isBlank());
            if (id.isPresent()) {
                return id;
            }
        }
        return Optional.empty();
    }

    private Optional<String> get(char stage, String name) {
        Map<String, String> m = byStage.get(stage);
        return m == null ? Optional.empty() : Optional.ofNullable(m.get(name));
    }

    /** An address as the MTA writes it: {@code 192.0.2.1}, {@code 2001:db8::1}, or Sendmail's {@code IPv6:2001:db8::1}. */
    static Optional<InetAddress> address(String text) {
        String t = text.strip();
        if (t.regionMatches(true, 0, "IPv6:", 0, 5)) {
            t = t.substring(5);
        }
        return InetAddresses.parse(t);
    }

    private static String plain(String name) {
        return name.length() > 2 && name.startsWith("{") && name.endsWith("}") ? name.substring(1, name.length() - 1) : name;
    }
}
