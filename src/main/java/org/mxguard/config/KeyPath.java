package org.mxguard.config;

import java.util.ArrayList;
import java.util.List;

/**
 * Where a value sits in the configuration tree: table keys and array indexes. Printed the way an
 * administrator would look for it, {@code policy."reverse-mx:from".fail} or {@code allowlist[2].cidr}
 * (indexes count from 0).
 */
record KeyPath(List<Object> parts) {
    static final KeyPath ROOT = new KeyPath(List.of());

    KeyPath {
        parts = List.copyOf(parts);
    }

    KeyPath child(String key) {
        return append(key);
    }

    KeyPath index(int i) {
        return append(i);
    }

    /** The enclosing table or array, or null for the root. */
    KeyPath parent() {
        return parts.isEmpty() ? null : new KeyPath(parts.subList(0, parts.size() - 1));
    }

    private KeyPath append(Object part) {
        List<Object> p = new ArrayList<>(parts.size() + 1);
        p.addAll(parts);
        p.add(part);
        return new KeyPath(p);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        for (Object part : parts) {
            if (part instanceof Integer i) {
                sb.append('[').append(i).append(']');
            } else {
                if (!sb.isEmpty()) {
                    sb.append('.');
                }
                sb.append(quoteIfNeeded((String) part));
            }
        }
        return sb.toString();
    }

    /** A key that is not a TOML bare key is shown quoted, as it has to be written in the file. */
    private static String quoteIfNeeded(String key) {
        if (!key.isEmpty() && key.chars().allMatch(KeyPath::isBare)) {
            return key;
        }
        return quote(key);
    }

    /** A TOML basic string: control characters escaped, so a message never carries a raw one. */
    static String quote(String s) {
        StringBuilder sb = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\t' -> sb.append("\\t");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                default -> {
                    if (c < 0x20 || c == 0x7f) {
                        sb.append(String.format("\\u%04X", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.append('"').toString();
    }

    static boolean isBare(int c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    }
}
