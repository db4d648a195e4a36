package org.mxguard.cli;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A message split into its header fields and its body (RFC 5322 §2.1), for {@code sendmail} to
 * add and remove fields and for {@code queue show} to print them. The text is ISO-8859-1, one char
 * per octet, so that 8-bit octets (raw UTF-8 in a Subject, say) pass through unchanged.
 *
 * <p>The header ends at the first empty line, or at the first line that cannot be part of a
 * header (as sendmail does: {@code echo hello | sendmail root} is a message without fields whose
 * body is "hello"); the message written back always has the empty line.
 */
final class QueueMessage {
    /** At most this much of a queued file is read for its header: a file without an empty line is not read whole. */
    static final int HEADER_LIMIT = 256 * 1024;

    private static final Pattern FIELD_START = Pattern.compile("[!-9;-~]+[ \t]*:.*", Pattern.DOTALL);

    /**
     * One header field.
     *
     * @param name the field name as written
     * @param raw  its lines as stored, folding kept, joined by CRLF, without the final CRLF
     */
    record Field(String name, String raw) {
        boolean is(String other) {
            return name.equalsIgnoreCase(other);
        }

        /** The field body, unfolded and trimmed, decoded as UTF-8 (RFC 6532). */
        String value() {
            String body = raw.substring(raw.indexOf(':') + 1).replace("\r\n", "");
            return utf8(body).strip();
        }

        /** The field as stored, for people (decoded as UTF-8, folding kept, LF line ends). */
        String text() {
            return utf8(raw.replace("\r\n", "\n"));
        }
    }

    private final List<Field> fields;
    private final String body;

    private QueueMessage(List<Field> fields, String body) {
        this.fields = List.copyOf(fields);
        this.body = body;
    }

    /** @param crlfText the whole message, ISO-8859-1, every line ending in CRLF */
    static QueueMessage parse(String crlfText) {
        List<Field> fields = new ArrayList<>();
        int at = 0;
        while (at < crlfText.length()) {
            int end = crlfText.indexOf("\r\n", at);
            int next = end < 0 ? crlfText.length() : end + 2;
            String line = crlfText.substring(at, end < 0 ? crlfText.length() : end);
            if (line.isEmpty()) {
                at = next; // the separator: not part of the body
                break;
            }
            boolean continuation = (line.charAt(0) == ' ' || line.charAt(0) == '\t') && !fields.isEmpty();
            if (continuation) {
                Field last = fields.removeLast();
                fields.add(new Field(last.name(), last.raw() + "\r\n" + line));
            } else if (FIELD_START.matcher(line).matches()) {
                fields.add(new Field(line.substring(0, line.indexOf(':')).strip(), line));
            } else {
                break; // the body begins without an empty line
            }
            at = next;
        }
        return new QueueMessage(fields, crlfText.substring(Math.min(at, crlfText.length())));
    }

    /** The header fields of a queued body file (CRLF or bare LF line ends), reading no more than the header. */
    static List<Field> headers(Path file) throws IOException {
        ByteArrayOutputStream header = new ByteArrayOutputStream();
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file))) {
            int last = -1;
            int beforeLast = -1;
            for (int b = in.read(); b >= 0 && header.size() < HEADER_LIMIT; b = in.read()) {
                header.write(b);
                if (b == '\n' && (last == '\n' || last == '\r' && beforeLast == '\n')) {
                    break; // the empty line
                }
                beforeLast = last;
                last = b;
            }
        }
        String text = header.toString(ISO_8859_1).replaceAll("\r?\n", "\r\n");
        return parse(text).fields();
    }

    List<Field> fields() {
        return fields;
    }

    boolean has(String name) {
        return fields.stream().anyMatch(f -> f.is(name));
    }

    /** The values of every field called {@code name}, in order. */
    List<String> values(String name) {
        return fields.stream().filter(f -> f.is(name)).map(Field::value).toList();
    }

    QueueMessage without(String name) {
        return new QueueMessage(fields.stream().filter(f -> !f.is(name)).toList(), body);
    }

    /** This message with a field added at the end of the header; {@code value} is ISO-8859-1 text without line breaks. */
    QueueMessage with(String name, String value) {
        List<Field> more = new ArrayList<>(fields);
        more.add(new Field(name, name + ": " + value));
        return new QueueMessage(more, body);
    }

    /** The message to store: the fields, the empty line, the body. */
    byte[] bytes() {
        StringBuilder out = new StringBuilder(body.length() + 1024);
        for (Field field : fields) {
            out.append(field.raw()).append("\r\n");
        }
        return out.append("\r\n").append(body).toString().getBytes(ISO_8859_1);
    }

    static String utf8(String latin1) {
        return new String(latin1.getBytes(ISO_8859_1), UTF_8);
    }
}
