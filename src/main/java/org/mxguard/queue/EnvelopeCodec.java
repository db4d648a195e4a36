package org.mxguard.queue;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;

/**
 * The envelope file's format: a small JSON object, written by hand from the tree model so that the
 * format on disk is spelled out here and no annotation or library upgrade can change it.
 *
 * <pre>{@code
 * { "format" : 1, "id" : "…", "sender" : "a@example.org", "arrival" : "2025-01-01T10:00:00Z",
 *   "attempts" : 0, "nextAttempt" : "2025-01-01T10:00:00Z", "held" : false,
 *   "recipients" : [ { "address" : "b@example.net", "status" : "pending", "reply" : "" } ] }
 * }</pre>
 */
final class EnvelopeCodec {
    /** Raised whenever the layout changes; an unknown format is reported, never guessed at. */
    static final int FORMAT = 1;

    private static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private EnvelopeCodec() {
    }

    static byte[] encode(Envelope envelope) {
        ObjectNode root = MAPPER.createObjectNode();
        root.put("format", FORMAT);
        root.put("id", envelope.id().toString());
        root.put("sender", envelope.sender());
        root.put("arrival", envelope.arrival().toString());
        root.put("attempts", envelope.attempts());
        root.put("nextAttempt", envelope.nextAttempt().toString());
        root.put("held", envelope.held());
        if (!envelope.traceHeaders().isEmpty()) {
            root.put("traceHeaders", envelope.traceHeaders());
        }
        ArrayNode recipients = root.putArray("recipients");
        for (Recipient recipient : envelope.recipients()) {
            recipients.addObject()
                    .put("address", recipient.address())
                    .put("status", recipient.status().text())
                    .put("reply", recipient.reply());
        }
        try {
            return MAPPER.writeValueAsBytes(root);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e); // a tree of strings and numbers always serializes
        }
    }

    /** @throws IOException when the bytes are not a complete envelope of a known format */
    static Envelope decode(byte[] json) throws IOException {
        JsonNode root = MAPPER.readTree(json);
        if (root == null || !root.isObject()) {
            throw new IOException("not a JSON object");
        }
        try {
            int format = integer(root, "format");
            if (format != FORMAT) {
                throw new IOException("unknown envelope format " + format);
            }
            List<Recipient> recipients = new ArrayList<>();
            JsonNode list = field(root, "recipients");
            if (!list.isArray()) {
                throw new IOException("recipients: not a list");
            }
            for (JsonNode recipient : list) {
                recipients.add(new Recipient(text(recipient, "address"),
                        Recipient.Status.parse(text(recipient, "status")), text(recipient, "reply")));
            }
            return new Envelope(QueueId.parse(text(root, "id")), text(root, "sender"), recipients,
                    Instant.parse(text(root, "arrival")), integer(root, "attempts"),
                    Instant.parse(text(root, "nextAttempt")), bool(root, "held"),
                    root.has("traceHeaders") ? text(root, "traceHeaders") : "");
        } catch (IllegalArgumentException | DateTimeParseException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    private static JsonNode field(JsonNode node, String name) throws IOException {
        JsonNode value = node.get(name);
        if (value == null) {
            throw new IOException(name + ": missing");
        }
        return value;
    }

    private static String text(JsonNode node, String name) throws IOException {
        JsonNode value = field(node, name);
        if (!value.isTextual()) {
            throw new IOException(name + ": not a string");
        }
        return value.textValue();
    }

    private static int integer(JsonNode node, String name) throws IOException {
        JsonNode value = field(node, name);
        if (!value.isInt()) {
            throw new IOException(name + ": not an integer");
        }
        return value.intValue();
    }

    private static boolean bool(JsonNode node, String name) throws IOException {
        JsonNode value = field(node, name);
        if (!value.isBoolean()) {
            throw new IOException(name + ": not true or false");
        }
        return value.booleanValue();
    }
}
