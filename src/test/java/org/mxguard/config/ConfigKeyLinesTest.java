package org.mxguard.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class ConfigKeyLinesTest {
    private static KeyPath path(Object... parts) {
        return new KeyPath(List.of(parts));
    }

    /** 1-based line of the first line containing {@code needle}. */
    private static int lineContaining(String text, String needle) {
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            if (lines[i].contains(needle)) {
                return i + 1;
            }
        }
        throw new AssertionError("not in text: " + needle);
    }

    @Test
    void findsEveryKindOfKeyInTheExample() throws IOException {
        String text;
        try (InputStream in = getClass().getResourceAsStream("/config/example.toml")) {
            text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        KeyLines k = KeyLines.scan(text);
        assertThat(k.lineOf(path("dns"))).isEqualTo(lineContaining(text, "[dns]"));
        assertThat(k.lineOf(path("dns", "servers", 1))).isEqualTo(lineContaining(text, "servers = "));
        assertThat(k.lineOf(path("dns", "query-budget"))).isEqualTo(lineContaining(text, "query-budget ="));
        assertThat(k.lineOf(path("policy", "reverse-mx:from", "fail")))
                .isEqualTo(lineContaining(text, "[policy.\"reverse-mx:from\"]") + 1);
        assertThat(k.lineOf(path("allowlist", 2))).isEqualTo(lineContaining(text, "ptr-suffix = ") - 1);
        assertThat(k.lineOf(path("allowlist", 1, "comment"))).isEqualTo(lineContaining(text, "mailing lists"));
        assertThat(k.lineOf(path("scoring", "weights", "helo", "pass"))).isEqualTo(lineContaining(text, "helo.pass ="));
        assertThat(k.lineOf(path("scoring", "weights", "reverse-mx:reply-to", "fail")))
                .isEqualTo(lineContaining(text, "\"reverse-mx:reply-to\".fail ="));
        assertThat(k.duplicate()).isEmpty();
    }

    @Test
    void skipsStringsAndCommentsThatLookLikeKeys() {
        String text = """
                # [fake]
                a = \"\"\"
                b = 1
                [c]
                \"\"\"
                d = [ # x = 1
                  [1, 2],
                  { e.f = 'g' },
                  '''h
                  = ]''',
                ]
                "quoted key".i = "\\" j = 2"
                """;
        KeyLines k = KeyLines.scan(text);
        assertThat(k.lineOf(path("a"))).isEqualTo(2);
        assertThat(k.lineOf(path("b"))).as("inside a string: falls back to the root").isZero();
        assertThat(k.lineOf(path("fake"))).isZero();
        assertThat(k.lineOf(path("d", 0, 1))).isEqualTo(7);
        assertThat(k.lineOf(path("d", 1, "e", "f"))).isEqualTo(8);
        assertThat(k.lineOf(path("d", 2))).isEqualTo(9);
        assertThat(k.lineOf(path("quoted key", "i"))).isEqualTo(12);
        assertThat(k.lineOf(path("j"))).isZero();
        assertThat(k.keyAt(11)).isEqualTo(path("d"));
    }

    @Test
    void arraysOfTablesAreCountedPerElement() {
        KeyLines k = KeyLines.scan("""
                [[a]]
                x = 1
                [a.sub]
                y = 2
                [[a]]
                x = 3
                """);
        assertThat(k.lineOf(path("a", 0, "x"))).isEqualTo(2);
        assertThat(k.lineOf(path("a", 0, "sub", "y"))).isEqualTo(4);
        assertThat(k.lineOf(path("a", 1))).isEqualTo(5);
        assertThat(k.lineOf(path("a", 1, "missing"))).as("falls back to the table").isEqualTo(5);
    }

    @Test
    void neverThrowsOnGarbage() {
        for (String junk : List.of("[", "[[", "a = ", "a = [", "a = {", "a = \"", "\"\"\"", "= = =", "a.=1\n]]\n}{")) {
            assertThat(KeyLines.scan(junk)).isNotNull();
        }
    }

    @Test
    void printsPathsAsWrittenInToml() {
        assertThat(path("policy", "iprev", "temperror")).hasToString("policy.iprev.temperror");
        assertThat(path("policy", "reverse-mx:from", "fail")).hasToString("policy.\"reverse-mx:from\".fail");
        assertThat(path("allowlist", 2, "cidr")).hasToString("allowlist[2].cidr");
        assertThat(KeyPath.ROOT).hasToString("");
        assertThat(path("a\rb", "c d")).as("no raw control characters in messages").hasToString("\"a\\rb\".\"c d\"");
    }
}
