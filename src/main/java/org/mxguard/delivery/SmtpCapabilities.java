package org.mxguard.delivery;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;

/**
 * What the server announced in its EHLO reply (RFC 5321 §4.1.1.1): each extension keyword,
 * upper-cased, with its parameters as sent. After HELO there are none.
 */
public record SmtpCapabilities(boolean esmtp, Map<String, String> extensions) {
    public SmtpCapabilities {
        extensions = Map.copyOf(extensions);
    }

    /** HELO was answered: plain SMTP, no extensions. */
    public static SmtpCapabilities none() {
        return new SmtpCapabilities(false, Map.of());
    }

    /** Reads the extension lines of a positive EHLO reply; the first line is the server's name. */
    public static SmtpCapabilities fromEhlo(SmtpReply ehlo) {
        Map<String, String> found = new LinkedHashMap<>();
        for (String line : ehlo.lines().subList(1, ehlo.lines().size())) {
            String trimmed = line.strip();
            if (trimmed.isEmpty()) {
                continue; // smtp-sink ends with a bare "250 "
            }
            int space = trimmed.indexOf(' ');
            String keyword = (space < 0 ? trimmed : trimmed.substring(0, space)).toUpperCase(Locale.ROOT);
            found.putIfAbsent(keyword, space < 0 ? "" : trimmed.substring(space + 1).strip());
        }
        return new SmtpCapabilities(true, found);
    }

    public boolean has(String keyword) {
        return extensions.containsKey(keyword.toUpperCase(Locale.ROOT));
    }

    public boolean pipelining() {
        return has("PIPELINING");
    }

    public boolean eightBitMime() {
        return has("8BITMIME");
    }

    public boolean startTls() {
        return has("STARTTLS");
    }

    /** RFC 1870 SIZE was announced, so MAIL may carry {@code SIZE=n}. */
    public boolean size() {
        return has("SIZE");
    }

    /**
     * The largest message the server takes, when it announced one. {@code SIZE} alone, {@code
     * SIZE 0} or an unreadable number mean no fixed limit (RFC 1870 §4).
     */
    public OptionalLong sizeLimit() {
        String value = extensions.get("SIZE");
        if (value == null || value.isEmpty()) {
            return OptionalLong.empty();
        }
        try {
            long limit = Long.parseLong(value.split(" ")[0]);
            return limit > 0 ? OptionalLong.of(limit) : OptionalLong.empty();
        } catch (NumberFormatException e) {
            return OptionalLong.empty();
        }
    }
}
