package org.mxguard.check;

/** RFC 1123 host name syntax, as a HELO name or a mail domain must have it. */
public final class HostNameSyntax {
    private HostNameSyntax() {
    }

    /** Null when {@code name} (normalized, no trailing dot) is a syntactically valid FQDN, else why not. */
    public static String problem(String name) {
        if (name.isEmpty()) {
            return "empty name";
        }
        if (name.length() > 253) {
            return "name longer than 253 characters";
        }
        if (name.indexOf('.') < 0) {
            return "not a fully-qualified domain name";
        }
        int start = 0;
        String last = null;
        while (start <= name.length()) {
            int dot = name.indexOf('.', start);
            int end = dot < 0 ? name.length() : dot;
            String label = name.substring(start, end);
            if (label.isEmpty() || label.length() > 63) {
                return "bad label length in '" + name + "'";
            }
            if (label.charAt(0) == '-' || label.charAt(label.length() - 1) == '-') {
                return "label '" + label + "' starts or ends with '-'";
            }
            for (int i = 0; i < label.length(); i++) {
                char ch = label.charAt(i);
                boolean ok = (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-' || (ch >= 'A' && ch <= 'Z');
                if (!ok) {
                    return "invalid character '" + ch + "'";
                }
            }
            last = label;
            if (dot < 0) {
                break;
            }
            start = dot + 1;
        }
        boolean numeric = true;
        for (int i = 0; i < last.length() && numeric; i++) {
            numeric = Character.isDigit(last.charAt(i));
        }
        if (numeric) {
            return "top-level label is numeric";
        }
        return null;
    }
}
