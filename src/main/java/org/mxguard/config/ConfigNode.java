package org.mxguard.config;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A value of the parsed configuration together with where it is written, so that every check a
 * section reader makes can fail with the file, line and key. An absent key is a node too (with
 * no value), which keeps "optional with a default" reads short.
 */
final class ConfigNode {
    private final JsonNode value; // null when the key is absent
    private final KeyPath path;
    private final Path file;
    private final KeyLines lines;

    private ConfigNode(JsonNode value, KeyPath path, Path file, KeyLines lines) {
        this.value = value;
        this.path = path;
        this.file = file;
        this.lines = lines;
    }

    static ConfigNode root(JsonNode tree, Path file, KeyLines lines) {
        return new ConfigNode(tree, KeyPath.ROOT, file, lines);
    }

    KeyPath path() {
        return path;
    }

    boolean isPresent() {
        return value != null && !value.isMissingNode() && !value.isNull();
    }

    ConfigNode get(String key) {
        return new ConfigNode(value == null ? null : value.get(key), path.child(key), file, lines);
    }

    ConfigException error(String problem) {
        return error(problem, null);
    }

    ConfigException error(String problem, Throwable cause) {
        return new ConfigException(file, lines.lineOf(path), path.toString(), problem, cause);
    }

    /** The keys of this table in file order; an error naming {@code what} if it is not a table. */
    Map<String, ConfigNode> table(String what) throws ConfigException {
        if (!isPresent() || !value.isObject()) {
            throw error("expected " + what + ", got " + describe(value));
        }
        Map<String, ConfigNode> entries = new LinkedHashMap<>();
        for (Iterator<String> it = value.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            entries.put(key, get(key));
        }
        return entries;
    }

    /** Rejects keys outside {@code allowed}, suggesting the closest one for a typo. */
    void allowOnly(List<String> allowed, String what) throws ConfigException {
        for (Map.Entry<String, ConfigNode> e : table(what).entrySet()) {
            if (!allowed.contains(e.getKey())) {
                throw e.getValue().error("unknown key" + Suggestions.hint(e.getKey(), allowed));
            }
        }
    }

    List<ConfigNode> elements(String what) throws ConfigException {
        if (!isPresent() || !value.isArray()) {
            throw error("expected " + what + ", got " + describe(value));
        }
        List<ConfigNode> elements = new ArrayList<>(value.size());
        for (int i = 0; i < value.size(); i++) {
            elements.add(new ConfigNode(value.get(i), path.index(i), file, lines));
        }
        return elements;
    }

    String text() throws ConfigException {
        if (!isPresent() || !value.isTextual()) {
            throw error("expected a string, got " + describe(value));
        }
        return value.textValue();
    }

    /** A whole number within [min, max], or {@code ifAbsent} when the key is not there. */
    long number(long min, long max, long ifAbsent) throws ConfigException {
        if (!isPresent()) {
            return ifAbsent;
        }
        if (!value.isIntegralNumber()) {
            throw error("expected a whole number, got " + describe(value));
        }
        if (!value.canConvertToLong() || value.longValue() < min || value.longValue() > max) {
            String range = max == Long.MAX_VALUE ? min + " or more" : min + " to " + max;
            throw error(value.asText() + " is out of range (use " + range + ")");
        }
        return value.longValue();
    }

    /** A number, whole or decimal (not inf or nan), within [min, max], or {@code ifAbsent} when the key is not there. */
    double decimal(double min, double max, double ifAbsent) throws ConfigException {
        return decimal(min, false, max, ifAbsent, plain(min) + " to " + plain(max));
    }

    /** A number above 0 and at most {@code max}, or {@code ifAbsent} when the key is not there. */
    double positiveDecimal(double max, double ifAbsent) throws ConfigException {
        return decimal(0, true, max, ifAbsent, "a number above 0, up to " + plain(max));
    }

    private double decimal(double min, boolean aboveMin, double max, double ifAbsent, String range)
            throws ConfigException {
        if (!isPresent()) {
            return ifAbsent;
        }
        if (!value.isNumber()) {
            throw error("expected a number, got " + describe(value));
        }
        double d = value.doubleValue();
        if (!Double.isFinite(d) || d < min || (aboveMin && d == min) || d > max) {
            throw error(value.asText() + " is out of range (use " + range + ")");
        }
        return d;
    }

    private static String plain(double d) {
        return d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString((long) d) : Double.toString(d);
    }

    /** {@code true} or {@code false}, or {@code ifAbsent} when the key is not there. */
    boolean bool(boolean ifAbsent) throws ConfigException {
        if (!isPresent()) {
            return ifAbsent;
        }
        if (!value.isBoolean()) {
            throw error("expected true or false, got " + describe(value));
        }
        return value.booleanValue();
    }

    static String describe(JsonNode v) {
        if (v == null || v.isMissingNode() || v.isNull()) {
            return "nothing";
        }
        if (v.isTextual()) {
            return "the string " + quote(v.textValue());
        }
        if (v.isFloatingPointNumber()) {
            return "the decimal number " + v.asText();
        }
        if (v.isNumber()) {
            return "the number " + v.asText();
        }
        if (v.isBoolean()) {
            return "the boolean " + v.asText();
        }
        if (v.isArray()) {
            return "an array";
        }
        if (v.isObject()) {
            return "a table";
        }
        return v.getNodeType().toString().toLowerCase(java.util.Locale.ROOT);
    }

    static String quote(String s) {
        return KeyPath.quote(s);
    }
}
