package org.mxguard.cli;

import java.io.PrintWriter;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.mxguard.queue.Envelope;
import org.mxguard.queue.Recipient;

/**
 * Renders queued messages for {@code mxguard queue}: text for people, JSON for programs. One
 * message in JSON (the schema the commands' help refers to):
 *
 * <pre>{@code
 * { "id": "…", "arrival": "2025-01-01T10:00:00Z", "sender": "a@example.org" ("" for <>),
 *   "recipients": [ { "address": "b@example.net", "status": "pending|delivered|bounced", "reply": "…" } ],
 *   "attempts": 0, "next-attempt": "2025-01-01T10:00:00Z", "held": false }
 * }</pre>
 */
final class QueueOutput {
    /** The JSON schema of one message, for the commands' help. */
    static final String SCHEMA = "{\"id\", \"arrival\", \"sender\" (\"\" for <>), \"recipients\": [{\"address\","
            + " \"status\" (pending, delivered or bounced), \"reply\" (the last reply heard, \"\" before any attempt)}],"
            + " \"attempts\", \"next-attempt\", \"held\"}, times in ISO-8601 UTC";

    private QueueOutput() {
    }

    /** Prints {@code text} as a command's result and returns its exit code, 0. */
    static int printed(PrintWriter out, String text) {
        out.println(text);
        out.flush();
        return 0;
    }

    static Map<String, Object> envelope(Envelope e) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", e.id().toString());
        m.put("arrival", e.arrival().toString());
        m.put("sender", e.sender());
        List<Map<String, Object>> recipients = new ArrayList<>();
        for (Recipient r : e.recipients()) {
            Map<String, Object> recipient = new LinkedHashMap<>();
            recipient.put("address", r.address());
            recipient.put("status", r.status().text());
            recipient.put("reply", r.reply());
            recipients.add(recipient);
        }
        m.put("recipients", recipients);
        m.put("attempts", e.attempts());
        m.put("next-attempt", e.nextAttempt().toString());
        m.put("held", e.held());
        return m;
    }

    static String json(List<Envelope> envelopes) {
        return Json.write(envelopes.stream().map(QueueOutput::envelope).toList());
    }

    /** One line per message under a heading line; the recipients last, each with its status. */
    static String list(List<Envelope> envelopes) {
        if (envelopes.isEmpty()) {
            return "queue is empty";
        }
        int senderWidth = Math.max("SENDER".length(), envelopes.stream().mapToInt(e -> sender(e).length()).max().orElse(0));
        String format = "%-17s  %-20s  %-" + senderWidth + "s  %8s  %-20s  %-4s  %s%n";
        StringBuilder out = new StringBuilder(String.format(format,
                "ID", "ARRIVAL", "SENDER", "ATTEMPTS", "NEXT ATTEMPT", "HELD", "RECIPIENTS"));
        for (Envelope e : envelopes) {
            List<String> recipients = e.recipients().stream().map(r -> r.address() + " " + r.status().text()).toList();
            out.append(String.format(format, e.id(), time(e.arrival()), sender(e), e.attempts(), time(e.nextAttempt()),
                    e.held() ? "yes" : "no", String.join(", ", recipients)));
        }
        return out.toString().stripTrailing();
    }

    /** The envelope, then the message's header fields as stored. */
    static String show(Envelope e, long size, List<QueueMessage.Field> headers) {
        StringBuilder out = new StringBuilder();
        out.append("id:           ").append(e.id()).append('\n');
        out.append("arrival:      ").append(time(e.arrival())).append('\n');
        out.append("sender:       ").append(sender(e)).append('\n');
        out.append("attempts:     ").append(e.attempts()).append('\n');
        out.append("next attempt: ").append(time(e.nextAttempt())).append('\n');
        out.append("held:         ").append(e.held() ? "yes" : "no").append('\n');
        out.append("size:         ").append(size).append(" bytes\n");
        out.append("recipients:\n");
        int width = e.recipients().stream().mapToInt(r -> r.address().length()).max().orElse(0);
        for (Recipient r : e.recipients()) {
            out.append(String.format("  %-" + width + "s  %-9s  %s", r.address(), r.status().text(), r.reply()).stripTrailing()).append('\n');
        }
        out.append('\n');
        for (QueueMessage.Field field : headers) {
            out.append(field.text()).append('\n');
        }
        return out.toString().stripTrailing();
    }

    static String showJson(Envelope e, long size, List<QueueMessage.Field> headers) {
        Map<String, Object> m = envelope(e);
        m.put("size", size);
        List<Map<String, Object>> fields = new ArrayList<>();
        for (QueueMessage.Field field : headers) {
            Map<String, Object> f = new LinkedHashMap<>();
            f.put("name", QueueMessage.utf8(field.name()));
            f.put("value", field.value());
            fields.add(f);
        }
        m.put("headers", fields);
        return Json.write(m);
    }

    static String sender(Envelope e) {
        return e.isNullSender() ? "<>" : e.sender();
    }

    /** To the second, for people; JSON keeps the full precision. */
    static String time(Instant instant) {
        return instant.truncatedTo(ChronoUnit.SECONDS).toString();
    }
}
