package org.mxguard.cli;

import java.util.ArrayList;
import java.util.List;

/**
 * The addresses of an RFC 5322 address list, as {@code sendmail} takes them from its arguments and,
 * with {@code -t}, from To:, Cc: and Bcc:. Display names, comments and group names are dropped:
 * {@code "Ann" <ann@example.org>, bob@example.org (Bob), team: cy@example.org;} gives
 * ann@example.org, bob@example.org and cy@example.org; an empty group gives nothing.
 */
final class SendmailAddresses {
    private SendmailAddresses() {
    }

    /** @throws IllegalArgumentException when an element is neither an address nor a display name with one */
    static List<String> parse(String list) {
        List<String> addresses = new ArrayList<>();
        StringBuilder plain = new StringBuilder(); // outside angle brackets and comments: a bare address
        String angle = null;
        int i = 0;
        while (i < list.length()) {
            char c = list.charAt(i);
            switch (c) {
                case '(' -> i = afterComment(list, i);
                case '"' -> {
                    int end = afterQuoted(list, i);
                    plain.append(list, i, end);
                    i = end;
                }
                case '<' -> {
                    int end = list.indexOf('>', i);
                    if (end < 0) {
                        throw new IllegalArgumentException("not an address (no closing '>'): " + list.strip());
                    }
                    angle = list.substring(i + 1, end);
                    i = end + 1;
                }
                case ':' -> { // what came before names a group
                    plain.setLength(0);
                    angle = null;
                    i++;
                }
                case ',', ';' -> {
                    add(addresses, plain, angle);
                    plain.setLength(0);
                    angle = null;
                    i++;
                }
                default -> {
                    plain.append(c);
                    i++;
                }
            }
        }
        add(addresses, plain, angle);
        return addresses;
    }

    private static void add(List<String> addresses, StringBuilder plain, String angle) {
        String address = angle != null ? withoutRoute(angle.strip()) : plain.toString().strip();
        if (address.isEmpty()) {
            return; // an empty element, an empty group, or <>
        }
        if (!address.contains("\"") && address.chars().anyMatch(c -> c <= ' ' || c == 127)) {
            throw new IllegalArgumentException("not an address: " + address);
        }
        addresses.add(address);
    }

    /** {@code @relay,@relay2:user@example.org} (an obsolete source route) is user@example.org. */
    private static String withoutRoute(String address) {
        int colon = address.indexOf(':');
        return address.startsWith("@") && colon > 0 ? address.substring(colon + 1).strip() : address;
    }

    private static int afterComment(String text, int open) {
        int depth = 0;
        for (int i = open; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\\') {
                i++;
            } else if (c == '(') {
                depth++;
            } else if (c == ')' && --depth == 0) {
                return i + 1;
            }
        }
        return text.length();
    }

    private static int afterQuoted(String text, int open) {
        for (int i = open + 1; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\\') {
                i++;
            } else if (c == '"') {
                return i + 1;
            }
        }
        return text.length();
    }
}
