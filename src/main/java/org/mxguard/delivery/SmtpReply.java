package org.mxguard.delivery;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One reply from an SMTP server (RFC 5321 §4.2): a three-digit code, the RFC 3463 enhanced status
 * code when the first line starts with one, and the text of each line (without code and
 * separator; continuation lines {@code 250-...} come before the last line {@code 250 ...}).
 */
public record SmtpReply(int code, Optional<String> enhancedCode, List<String> lines) {
    /** RFC 3463 §2: class.subject.detail, the class being 2, 4 or 5. */
    private static final Pattern ENHANCED = Pattern.compile("([245])\\.(\\d{1,3})\\.(\\d{1,3})(?: |$)");
    private static final Pattern LINE = Pattern.compile("([2-5][0-9][0-9])([ -]?)(.*)", Pattern.DOTALL);

    public SmtpReply {
        if (code < 200 || code > 599) {
            throw new IllegalArgumentException("not an SMTP reply code: " + code);
        }
        Objects.requireNonNull(enhancedCode, "enhancedCode");
        lines = List.copyOf(lines);
        if (lines.isEmpty()) {
            throw new IllegalArgumentException("a reply has at least one line");
        }
    }

    /**
     * Parses the raw lines of one reply, as read from the wire without CRLF. Every line must carry
     * the same code; all but the last continue with {@code -}, the last has a space or nothing.
     *
     * @throws IllegalArgumentException naming the offending line
     */
    public static SmtpReply parse(List<String> rawLines) {
        if (rawLines.isEmpty()) {
            throw new IllegalArgumentException("no reply lines");
        }
        int code = -1;
        List<String> texts = new ArrayList<>(rawLines.size());
        for (int i = 0; i < rawLines.size(); i++) {
            String raw = rawLines.get(i);
            Matcher m = LINE.matcher(raw);
            if (!m.matches()) {
                throw new IllegalArgumentException("not an SMTP reply line: " + printable(raw));
            }
            int lineCode = Integer.parseInt(m.group(1));
            if (code >= 0 && lineCode != code) {
                throw new IllegalArgumentException("reply code changes within one reply: " + printable(raw));
            }
            code = lineCode;
            boolean last = i == rawLines.size() - 1;
            if (m.group(2).equals("-") == last) {
                throw new IllegalArgumentException(last
                        ? "reply ends with a continuation line: " + printable(raw)
                        : "reply line before the last lacks '-': " + printable(raw));
            }
            if (m.group(2).isEmpty() && !m.group(3).isEmpty()) {
                throw new IllegalArgumentException("no separator after the reply code: " + printable(raw));
            }
            texts.add(m.group(3));
        }
        return new SmtpReply(code, enhancedCodeIn(code, texts.get(0)), texts);
    }

    /** True when {@code rawLine} ends a reply ({@code 250 text} or a bare {@code 250}). */
    static boolean isLastLine(String rawLine) {
        return rawLine.length() < 4 || rawLine.charAt(3) != '-';
    }

    /** 2xx: the command succeeded. */
    public boolean isPositive() {
        return code / 100 == 2;
    }

    /** 3xx: go on (354 after DATA). */
    public boolean isIntermediate() {
        return code / 100 == 3;
    }

    /** 4xx: try again later. */
    public boolean isTransient() {
        return code / 100 == 4;
    }

    /** 5xx: do not try again as it is. */
    public boolean isPermanent() {
        return code / 100 == 5;
    }

    /** The enhanced code, or the class alone ({@code 4.0.0}) when the server sent none. */
    public String status() {
        return enhancedCode.orElse((code / 100) + ".0.0");
    }

    /** The text of all lines joined by a space, as it goes into a log line or a DSN. */
    public String text() {
        return String.join(" ", lines);
    }

    /** {@code 550 5.1.1 No such user}: the code and every line, on one line. */
    @Override
    public String toString() {
        String text = text();
        return text.isEmpty() ? Integer.toString(code) : code + " " + text;
    }

    /** RFC 3463 codes are only meaningful when their class matches the reply's (RFC 2034 §4). */
    private static Optional<String> enhancedCodeIn(int code, String text) {
        Matcher m = ENHANCED.matcher(text);
        if (m.lookingAt() && m.group(1).charAt(0) - '0' == code / 100) {
            return Optional.of(m.group(1) + "." + m.group(2) + "." + m.group(3));
        }
        return Optional.empty();
    }

    private static String printable(String raw) {
        String shown = raw.length() > 80 ? raw.substring(0, 80) + "..." : raw;
        return "\"" + shown.replaceAll("\\p{Cntrl}", "?") + "\"";
    }
}
