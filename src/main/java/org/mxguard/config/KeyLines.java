package org.mxguard.config;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The line each key, table header and array element of a TOML text is written on.
 *
 * <p>Jackson's TOML module builds its tree without locations (its parser walks a finished tree),
 * so this reads the text a second time just for positions. The scan is tolerant and never throws:
 * whether the text is valid TOML is Jackson's call, and a key this scan misses only makes
 * {@link #lineOf} fall back to the line of the enclosing table.
 */
final class KeyLines {
    /** A key or table defined twice; Jackson notices but reports a later line. */
    record Duplicate(KeyPath key, int line, int firstLine) {
    }

    private final Map<KeyPath, Integer> lines;
    private final NavigableMap<Integer, KeyPath> starts;
    private final Duplicate duplicate;

    private KeyLines(Map<KeyPath, Integer> lines, NavigableMap<Integer, KeyPath> starts, Duplicate duplicate) {
        this.lines = Map.copyOf(lines);
        this.starts = starts;
        this.duplicate = duplicate;
    }

    static KeyLines scan(String text) {
        Scanner s = new Scanner(text);
        try {
            s.document();
        } catch (RuntimeException e) {
            // Best effort by design: keep what was found; Jackson reports what is wrong with the text.
        }
        return new KeyLines(s.lines, s.starts, s.duplicate);
    }

    /** Line of {@code path}, else of its nearest enclosing table or array that has one; 0 if none. */
    int lineOf(KeyPath path) {
        for (KeyPath p = path; p != null; p = p.parent()) {
            Integer line = lines.get(p);
            if (line != null) {
                return line;
            }
        }
        return 0;
    }

    /** The key or table header that starts last on or before {@code line}: what was being read there. */
    KeyPath keyAt(int line) {
        Map.Entry<Integer, KeyPath> e = starts.floorEntry(line);
        return e == null ? KeyPath.ROOT : e.getValue();
    }

    Optional<Duplicate> duplicate() {
        return Optional.ofNullable(duplicate);
    }

    /** A small recursive reader of TOML's key structure; values are skipped, not decoded. */
    private static final class Scanner {
        private final String s;
        private int pos;
        private int line = 1;
        final Map<KeyPath, Integer> lines = new HashMap<>();
        final NavigableMap<Integer, KeyPath> starts = new TreeMap<>();
        private final Map<KeyPath, Integer> arrayTables = new HashMap<>(); // [[x]] path -> elements so far
        private final Map<KeyPath, Integer> defined = new HashMap<>(); // explicit tables and assigned keys
        Duplicate duplicate;

        Scanner(String s) {
            this.s = s;
        }

        void document() {
            KeyPath table = KeyPath.ROOT;
            while (true) {
                skipBlank();
                if (eof()) {
                    return;
                }
                int start = pos;
                if (peek() == '[') {
                    table = header(table);
                } else {
                    keyValue(table);
                }
                skipRestOfLine();
                if (pos == start) {
                    next(); // never stall on text this scan does not understand
                }
            }
        }

        private KeyPath header(KeyPath current) {
            int at = line;
            boolean arrayTable = s.startsWith("[[", pos);
            pos += arrayTable ? 2 : 1;
            List<String> keys = key();
            if (keys.isEmpty()) {
                return current;
            }
            KeyPath p = KeyPath.ROOT;
            for (int i = 0; i < keys.size(); i++) {
                p = p.child(keys.get(i));
                boolean last = i == keys.size() - 1;
                if (last && arrayTable) {
                    mark(p, at);
                    p = p.index(arrayTables.merge(p, 1, Integer::sum) - 1);
                } else if (arrayTables.containsKey(p)) {
                    // [a.b] after [[a]] means b in the last element of a
                    mark(p, at);
                    p = p.index(arrayTables.get(p) - 1);
                }
                mark(p, at);
            }
            if (!arrayTable) {
                define(p, at);
            }
            starts.put(at, p);
            return p;
        }

        private void keyValue(KeyPath table) {
            int at = line;
            KeyPath p = dottedKey(table, at);
            if (p == null) {
                return;
            }
            starts.put(at, p);
            assignment(p);
        }

        /** Reads a (dotted) key below {@code parent}, marking each level; null if there is none. */
        private KeyPath dottedKey(KeyPath parent, int at) {
            List<String> keys = key();
            if (keys.isEmpty()) {
                return null;
            }
            KeyPath p = parent;
            for (String k : keys) {
                p = p.child(k);
                mark(p, at);
            }
            define(p, at);
            return p;
        }

        private void assignment(KeyPath p) {
            skipSpaces();
            if (!eof() && peek() == '=') {
                next();
                skipSpaces();
                value(p);
            }
        }

        private void value(KeyPath p) {
            if (eof()) {
                return;
            }
            char c = peek();
            if (s.startsWith("\"\"\"", pos) || s.startsWith("'''", pos)) {
                multilineString();
            } else if (c == '"') {
                basicString();
            } else if (c == '\'') {
                literalString();
            } else if (c == '[') {
                array(p);
            } else if (c == '{') {
                inlineTable(p);
            } else {
                // numbers, booleans, dates (which may contain a space)
                while (!eof() && ",]}#\n".indexOf(peek()) < 0) {
                    next();
                }
            }
        }

        private void array(KeyPath p) {
            next(); // [
            int i = 0;
            while (true) {
                skipBlank();
                if (eof()) {
                    return;
                }
                char c = peek();
                if (c == ']') {
                    next();
                    return;
                }
                if (c == ',') {
                    next();
                    continue;
                }
                KeyPath element = p.index(i++);
                mark(element, line);
                int before = pos;
                value(element);
                if (pos == before) {
                    next();
                }
            }
        }

        private void inlineTable(KeyPath p) {
            next(); // {
            while (true) {
                skipBlank();
                if (eof()) {
                    return;
                }
                char c = peek();
                if (c == '}') {
                    next();
                    return;
                }
                if (c == ',') {
                    next();
                    continue;
                }
                int before = pos;
                KeyPath k = dottedKey(p, line);
                if (k != null) {
                    assignment(k);
                }
                if (pos == before) {
                    next();
                }
            }
        }

        /** Dotted key parts: bare, "basic" or 'literal', with optional spaces around the dots. */
        private List<String> key() {
            List<String> parts = new ArrayList<>();
            while (true) {
                skipSpaces();
                if (eof()) {
                    break;
                }
                char c = peek();
                if (c == '"') {
                    parts.add(basicString());
                } else if (c == '\'') {
                    parts.add(literalString());
                } else if (KeyPath.isBare(c)) {
                    int start = pos;
                    while (!eof() && KeyPath.isBare(peek())) {
                        next();
                    }
                    parts.add(s.substring(start, pos));
                } else {
                    break;
                }
                skipSpaces();
                if (eof() || peek() != '.') {
                    break;
                }
                next();
            }
            return parts;
        }

        private String basicString() {
            next(); // "
            StringBuilder sb = new StringBuilder();
            while (!eof() && peek() != '"' && peek() != '\n') {
                char c = next();
                if (c != '\\' || eof()) {
                    sb.append(c);
                    continue;
                }
                char e = next();
                switch (e) {
                    case 'b' -> sb.append('\b');
                    case 't' -> sb.append('\t');
                    case 'n' -> sb.append('\n');
                    case 'f' -> sb.append('\f');
                    case 'r' -> sb.append('\r');
                    case 'e' -> sb.append('\u001b');
                    case 'u', 'U' -> sb.appendCodePoint(hex(e == 'u' ? 4 : 8));
                    default -> sb.append(e);
                }
            }
            if (!eof() && peek() == '"') {
                next();
            }
            return sb.toString();
        }

        private int hex(int digits) {
            int end = Math.min(s.length(), pos + digits);
            String h = s.substring(pos, end);
            while (pos < end) {
                next();
            }
            try {
                int cp = Integer.parseInt(h, 16);
                return Character.isValidCodePoint(cp) ? cp : '?';
            } catch (NumberFormatException e) {
                return '?';
            }
        }

        private String literalString() {
            next(); // '
            int start = pos;
            while (!eof() && peek() != '\'' && peek() != '\n') {
                next();
            }
            String text = s.substring(start, pos);
            if (!eof() && peek() == '\'') {
                next();
            }
            return text;
        }

        private void multilineString() {
            char quote = peek();
            String delimiter = String.valueOf(quote).repeat(3);
            pos += 3;
            while (!eof() && !s.startsWith(delimiter, pos)) {
                if (next() == '\\' && quote == '"' && !eof()) {
                    next();
                }
            }
            // up to two quotes may sit right before the closing delimiter: """a""""" is a""
            for (int run = 0; run < 5 && !eof() && peek() == quote; run++) {
                next();
            }
        }

        private void mark(KeyPath p, int at) {
            lines.putIfAbsent(p, at);
        }

        private void define(KeyPath p, int at) {
            Integer first = defined.putIfAbsent(p, at);
            if (first != null && duplicate == null) {
                duplicate = new Duplicate(p, at, first);
            }
        }

        /** Spaces, tabs, newlines and comments. */
        private void skipBlank() {
            while (!eof()) {
                char c = peek();
                if (c == '#') {
                    while (!eof() && peek() != '\n') {
                        next();
                    }
                } else if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
                    next();
                } else {
                    return;
                }
            }
        }

        private void skipSpaces() {
            while (!eof() && (peek() == ' ' || peek() == '\t')) {
                next();
            }
        }

        private void skipRestOfLine() {
            while (!eof() && peek() != '\n') {
                next();
            }
            if (!eof()) {
                next();
            }
        }

        private boolean eof() {
            return pos >= s.length();
        }

        private char peek() {
            return s.charAt(pos);
        }

        private char next() {
            char c = s.charAt(pos++);
            if (c == '\n') {
                line++;
            }
            return c;
        }
    }
}
