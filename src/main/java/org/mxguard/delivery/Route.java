package org.mxguard.delivery;

import java.util.List;
import java.util.Objects;

/**
 * Where mail for one recipient domain goes: the attempts to make, in order; a permanent failure
 * (bounce now); or a temporary one (keep the message queued and route it again later).
 */
public sealed interface Route {
    String domain();

    /**
     * Try each attempt in turn until one takes the message.
     *
     * @param notes what a delivery log should say about how the list was made (a CNAME'd MX target,
     *              a skipped host, ourselves among the MX hosts, the configured next hop)
     */
    record Deliver(String domain, List<Attempt> attempts, List<String> notes) implements Route {
        public Deliver {
            Objects.requireNonNull(domain, "domain");
            attempts = List.copyOf(attempts);
            notes = List.copyOf(notes);
            if (attempts.isEmpty()) {
                throw new IllegalArgumentException("a delivery route needs at least one attempt");
            }
        }
    }

    /** Return the message to its sender now; {@code enhancedCode} is an RFC 3463 5.X.Y code. */
    record Bounce(String domain, String enhancedCode, String text) implements Route {
        public Bounce {
            Objects.requireNonNull(domain, "domain");
            Objects.requireNonNull(text, "text");
            requireCode(enhancedCode, '5');
        }
    }

    /** Keep the message and route it again later; {@code enhancedCode} is an RFC 3463 4.X.Y code. */
    record Defer(String domain, String enhancedCode, String text) implements Route {
        public Defer {
            Objects.requireNonNull(domain, "domain");
            Objects.requireNonNull(text, "text");
            requireCode(enhancedCode, '4');
        }
    }

    /** RFC 3463 §2: class.subject.detail, here of the class the route kind needs. */
    private static void requireCode(String code, char statusClass) {
        if (code == null || !isEnhancedCode(code, statusClass)) {
            throw new IllegalArgumentException("not an enhanced status code of class " + statusClass + ": " + code);
        }
    }

    /** class "." 1*3digit "." 1*3digit, checked by hand: a route is made for every delivery. */
    private static boolean isEnhancedCode(String code, char statusClass) {
        if (code.length() < 5 || code.charAt(0) != statusClass || code.charAt(1) != '.') {
            return false;
        }
        int second = code.indexOf('.', 2);
        return second >= 0 && digits(code, 2, second) && digits(code, second + 1, code.length());
    }

    private static boolean digits(String s, int from, int to) {
        if (to - from < 1 || to - from > 3) {
            return false;
        }
        for (int i = from; i < to; i++) {
            if (s.charAt(i) < '0' || s.charAt(i) > '9') {
                return false;
            }
        }
        return true;
    }
}
