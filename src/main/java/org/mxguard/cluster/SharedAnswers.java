package org.mxguard.cluster;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.InetAddress;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.mxguard.dns.DnsAnswer;
import org.mxguard.dns.DnsQuestion;
import org.mxguard.dns.InetAddresses;
import org.mxguard.dns.RecordType;

/**
 * DNS answers as one node stores them for the others: JSON, each answer with the instant it
 * expires (not its TTL, which would be wrong by the time another node reads it). Only what a
 * client's reverse DNS needs is carried: PTR names and A/AAAA addresses, as records, NXDOMAIN or
 * NODATA; a temporary failure is never shared.
 */
final class SharedAnswers {
    private static final ObjectMapper JSON = new ObjectMapper();

    private SharedAnswers() {
    }

    /** The answers, each expiring its TTL after {@code now}. */
    static String encode(List<DnsAnswer<?>> answers, Instant now) {
        ArrayNode all = JSON.createArrayNode();
        for (DnsAnswer<?> answer : answers) {
            ObjectNode one = all.addObject()
                    .put("q", answer.question().name())
                    .put("t", answer.question().type().name());
            switch (answer) {
                case DnsAnswer.Records<?> r -> {
                    ArrayNode values = one.put("k", "records").putArray("v");
                    for (Object value : r.records()) {
                        values.add(value instanceof InetAddress ip ? ip.getHostAddress() : value.toString());
                    }
                    cnames(one, r.cnames());
                }
                case DnsAnswer.NxDomain<?> n -> one.put("k", "nxdomain");
                case DnsAnswer.NoData<?> n -> cnames(one.put("k", "nodata"), n.cnames());
                case DnsAnswer.TempFail<?> t -> throw new IllegalArgumentException("a temporary failure is not shared: " + t);
            }
            one.put("x", now.plusSeconds(answer.ttlSeconds()).toEpochMilli());
        }
        return all.toString();
    }

    /** The TTL of the answer with the least time left, in milliseconds. */
    static long shortestTtlMillis(List<DnsAnswer<?>> answers) {
        return answers.stream().mapToLong(DnsAnswer::ttlSeconds).min().orElse(0) * 1000;
    }

    private static void cnames(ObjectNode one, List<String> cnames) {
        if (!cnames.isEmpty()) {
            ArrayNode chain = one.putArray("c");
            cnames.forEach(chain::add);
        }
    }

    /**
     * The answers stored by {@link #encode}, each with the whole seconds it has left after
     * {@code now} as its TTL; those with none left are dropped. Anything malformed (another
     * version's format, a damaged value) gives no answers: the node then asks DNS itself.
     */
    static List<DnsAnswer<?>> decode(String text, Instant now) {
        if (text == null || text.isEmpty()) {
            return List.of();
        }
        try {
            JsonNode all = JSON.readTree(text);
            if (!all.isArray()) {
                return List.of();
            }
            List<DnsAnswer<?>> answers = new ArrayList<>(all.size());
            for (JsonNode one : all) {
                Optional<DnsAnswer<?>> answer = answer(one, now);
                if (answer.isEmpty()) {
                    return List.of();
                }
                if (answer.get().ttlSeconds() > 0) {
                    answers.add(answer.get());
                }
            }
            return List.copyOf(answers);
        } catch (JacksonException | IllegalArgumentException e) {
            return List.of();
        }
    }

    private static Optional<DnsAnswer<?>> answer(JsonNode one, Instant now) {
        RecordType type = RecordType.valueOf(one.path("t").asText());
        if (type != RecordType.PTR && type != RecordType.A && type != RecordType.AAAA) {
            return Optional.empty();
        }
        DnsQuestion question = new DnsQuestion(one.path("q").asText(), type);
        JsonNode expires = one.path("x");
        if (!expires.canConvertToLong() || question.name().isEmpty()) {
            return Optional.empty();
        }
        long ttl = Math.max(0, (expires.asLong() - now.toEpochMilli()) / 1000);
        List<String> cnames = texts(one.path("c"));
        return switch (one.path("k").asText()) {
            case "records" -> records(question, texts(one.path("v")), ttl, cnames);
            case "nxdomain" -> Optional.of(new DnsAnswer.NxDomain<>(question, ttl));
            case "nodata" -> Optional.of(new DnsAnswer.NoData<>(question, ttl, cnames));
            default -> Optional.empty();
        };
    }

    private static Optional<DnsAnswer<?>> records(DnsQuestion question, List<String> values, long ttl, List<String> cnames) {
        if (values.isEmpty()) {
            return Optional.empty();
        }
        if (question.type() == RecordType.PTR) {
            return Optional.of(new DnsAnswer.Records<>(question, values, ttl, cnames));
        }
        List<InetAddress> addresses = new ArrayList<>(values.size());
        for (String value : values) {
            Optional<InetAddress> ip = InetAddresses.parse(value);
            if (ip.isEmpty()) {
                return Optional.empty();
            }
            addresses.add(ip.get());
        }
        return Optional.of(new DnsAnswer.Records<>(question, addresses, ttl, cnames));
    }

    private static List<String> texts(JsonNode array) {
        List<String> texts = new ArrayList<>(array.size());
        for (JsonNode value : array) {
            if (!value.isTextual()) {
                throw new IllegalArgumentException("not text: " + value);
            }
            texts.add(value.asText());
        }
        return texts;
    }
}
