package org.mxguard.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Test-side readers of header fields: structure checks and a small RFC 8601 parser. */
final class TraceFields {
    private TraceFields() {
    }

    /** Field text with its folds removed (CRLF before white space) and without the final CRLF. */
    static String unfold(String field) {
        String f = field.endsWith("\r\n") ? field.substring(0, field.length() - 2) : field;
        return f.replaceAll("\r\n(?=[ \t])", "");
    }

    static int longestLine(String field) {
        int longest = 0;
        for (String line : field.split("\r\n")) {
            longest = Math.max(longest, line.getBytes(StandardCharsets.UTF_8).length);
        }
        return longest;
    }

    /**
     * Exactly one syntactically sound header field named {@code name}: the name and a colon first;
     * CR and LF only as CRLF; every CRLF but the last followed by white space; no line of white
     * space only; lines of at most 998 octets; printable ASCII or well-formed UTF-8 only.
     */
    static void assertOneField(String field, String name) {
        assertThat(field).startsWith(name + ":").endsWith("\r\n");
        String body = field.substring(0, field.length() - 2);
        for (int i = 0; i < body.length(); i++) {
            char c = body.charAt(i);
            if (c == '\r') {
                assertThat(i + 2 < body.length() && body.charAt(i + 1) == '\n' && (body.charAt(i + 2) == ' ' || body.charAt(i + 2) == '\t'))
                        .as("CR at %d is a fold in %s", i, field).isTrue();
            } else if (c == '\n') {
                assertThat(i > 0 && body.charAt(i - 1) == '\r').as("LF at %d follows CR in %s", i, field).isTrue();
            } else {
                assertThat(c >= 0x20 && c != 0x7f && (c < 0x80 || c >= 0xa0) || c == '\t').as("char %04x in %s", (int) c, field).isTrue();
            }
        }
        assertThat(new String(field.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8)).as("well-formed UTF-8").isEqualTo(field);
        for (String line : body.split("\r\n")) {
            assertThat(line.isBlank()).as("blank line in %s", field).isFalse();
        }
        assertThat(longestLine(field)).isLessThanOrEqualTo(998);
        // parsed as a header block, it is one field
        assertThat(body.split("\r\n(?![ \t])")).hasSize(1);
    }

    /** One {@code resinfo}: method, result, reason (null when absent), properties in order. */
    record ResInfo(String method, String result, String reason, Map<String, String> properties) {
    }

    /** A parsed Authentication-Results field: authserv-id and results (empty for {@code none}). */
    record AuthRes(String authservId, List<ResInfo> results) {
    }

    /** Parses an Authentication-Results field by RFC 8601 §2.2's ABNF; fails the test on any deviation. */
    static AuthRes parseAuthRes(String field) {
        String prefix = AuthenticationResultsHeader.NAME + ":";
        String u = unfold(field);
        assertThat(u).startsWith(prefix);
        return new Parser(u.substring(prefix.length())).authRes();
    }

    private static final class Parser {
        private static final String TSPECIALS = "()<>@,;:\\\"/[]?=";
        private final String s;
        private int i;

        Parser(String s) {
            this.s = s;
        }

        AuthRes authRes() {
            cfws();
            String id = value();
            cfws();
            expect(';');
            cfws();
            List<ResInfo> results = new ArrayList<>();
            if (s.startsWith("none", i) && restIsCfws(i + 4)) {
                return new AuthRes(id, results);
            }
            while (true) {
                results.add(resinfo());
                cfws();
                if (i == s.length()) {
                    return new AuthRes(id, results);
                }
                expect(';');
                cfws();
            }
        }

        private ResInfo resinfo() {
            String method = keyword();
            cfws();
            expect('=');
            cfws();
            String result = keyword();
            cfws();
            String reason = null;
            int mark = i;
            if (s.startsWith("reason", i)) {
                i += 6;
                cfws();
                if (peek() == '=') {
                    i++;
                    cfws();
                    reason = value();
                    cfws();
                } else {
                    i = mark;
                }
            }
            Map<String, String> props = new LinkedHashMap<>();
            while (i < s.length() && peek() != ';') {
                String ptype = keyword();
                cfws();
                expect('.');
                cfws();
                String property = keyword();
                cfws();
                expect('=');
                cfws();
                props.put(ptype + "." + property, pvalue());
                cfws();
            }
            return new ResInfo(method, result, reason, props);
        }

        private String pvalue() {
            if (peek() == '"') {
                return quoted();
            }
            StringBuilder v = new StringBuilder();
            if (peek() != '@') {
                v.append(token());
            }
            if (i < s.length() && peek() == '@') {
                i++;
                int start = i;
                while (i < s.length() && (Character.isLetterOrDigit(peek()) || peek() == '.' || peek() == '-')) {
                    i++;
                }
                assertThat(i).as("domain after @ in %s", s).isGreaterThan(start);
                v.append('@').append(s, start, i);
            }
            return v.toString();
        }

        private String value() {
            return peek() == '"' ? quoted() : token();
        }

        private String token() {
            int start = i;
            while (i < s.length() && s.charAt(i) > ' ' && s.charAt(i) < 0x7f && TSPECIALS.indexOf(s.charAt(i)) < 0) {
                i++;
            }
            assertThat(i).as("token at %d in %s", start, s).isGreaterThan(start);
            return s.substring(start, i);
        }

        private String quoted() {
            expect('"');
            StringBuilder v = new StringBuilder();
            while (peek() != '"') {
                char c = s.charAt(i++);
                if (c == '\\') {
                    c = s.charAt(i++);
                }
                v.append(c);
            }
            i++;
            return v.toString();
        }

        /** RFC 5321 Keyword: Let-dig [Ldh-str]. */
        private String keyword() {
            int start = i;
            while (i < s.length() && (isLetDig(peek()) || peek() == '-')) {
                i++;
            }
            String k = s.substring(start, i);
            assertThat(k).as("keyword at %d in %s", start, s).isNotEmpty().matches("[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?");
            return k;
        }

        private static boolean isLetDig(char c) {
            return c < 0x80 && Character.isLetterOrDigit(c);
        }

        private void cfws() {
            while (i < s.length()) {
                char c = peek();
                if (c == ' ' || c == '\t') {
                    i++;
                } else if (c == '(') {
                    comment();
                } else {
                    return;
                }
            }
        }

        private void comment() {
            expect('(');
            while (peek() != ')') {
                char c = peek();
                if (c == '\\') {
                    i += 2;
                } else if (c == '(') {
                    comment();
                } else {
                    i++;
                }
            }
            i++;
        }

        private boolean restIsCfws(int from) {
            int save = i;
            i = from;
            cfws();
            boolean atEnd = i == s.length();
            i = atEnd ? i : save;
            return atEnd;
        }

        private char peek() {
            assertThat(i).as("unexpected end of %s", s).isLessThan(s.length());
            return s.charAt(i);
        }

        private void expect(char c) {
            assertThat(peek()).as("'%s' at %d in %s", c, i, s).isEqualTo(c);
            i++;
        }
    }
}
