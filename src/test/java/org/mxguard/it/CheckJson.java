package org.mxguard.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The JSON object {@code mxguard check --json} prints, with accessors for assertions. */
record CheckJson(List<String> args, JsonNode root) {

    /** The names of every check, in the order printed. */
    List<String> names() {
        List<String> names = new ArrayList<>();
        root.get("checks").forEach(c -> names.add(c.get("name").asText()));
        return names;
    }

    JsonNode check(String name) {
        for (JsonNode c : root.get("checks")) {
            if (c.get("name").asText().equals(name)) {
                return c;
            }
        }
        throw new AssertionError("no check " + name + " in\n" + this);
    }

    String result(String name) {
        return check(name).get("result").asText();
    }

    String problem(String name) {
        return check(name).get("problem").asText();
    }

    String action(String name) {
        return check(name).get("action").asText();
    }

    String reason(String name) {
        return check(name).get("reason").asText();
    }

    String note(String name) {
        JsonNode n = check(name).get("note");
        return n == null ? "" : n.asText();
    }

    Map<String, String> evidence(String name) {
        Map<String, String> m = new LinkedHashMap<>();
        check(name).get("evidence").properties().forEach(e -> m.put(e.getKey(), e.getValue().asText()));
        return m;
    }

    /** Every check's result, by name. */
    Map<String, String> results() {
        Map<String, String> m = new LinkedHashMap<>();
        root.get("checks").forEach(c -> m.put(c.get("name").asText(), c.get("result").asText()));
        return m;
    }

    String verdictAction() {
        return root.get("verdict").get("action").asText();
    }

    String reply() {
        return root.get("verdict").get("reply").asText();
    }

    int dnsLookups() {
        return root.get("verdict").get("dns-lookups").asInt();
    }

    int dnsRefused() {
        return root.get("verdict").get("dns-refused").asInt();
    }

    /** Asserts one check's result and problem token (the problem is "" on pass and none). */
    CheckJson has(String name, String result, String problem) {
        assertThat(result(name)).as("%s result%n%s", name, this).isEqualTo(result);
        assertThat(problem(name)).as("%s problem%n%s", name, this).isEqualTo(problem);
        return this;
    }

    /** Asserts one check's result. */
    CheckJson has(String name, String result) {
        assertThat(result(name)).as("%s result%n%s", name, this).isEqualTo(result);
        return this;
    }

    /** Asserts the SMTP reply starts with {@code prefix}, e.g. {@code "550 5.7.25"}. */
    CheckJson replies(String prefix) {
        assertThat(reply()).as("verdict reply%n%s", this).startsWith(prefix);
        return this;
    }

    /** Asserts the reply is not a permanent (5xx) refusal. */
    CheckJson notPermanent() {
        assertThat(reply()).as("a verdict that must never be a 5xx%n%s", this).matches("^[24]\\d\\d .*");
        return this;
    }

    @Override
    public String toString() {
        return "mxguard " + String.join(" ", args) + "\n" + root.toPrettyString();
    }
}
