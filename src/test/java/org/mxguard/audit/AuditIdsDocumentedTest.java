package org.mxguard.audit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The JSON schema promises stable ids: every id the audit can produce is in the README's table, with its severity. */
class AuditIdsDocumentedTest {
    private static final Pattern IN_CODE = Pattern.compile(
            "Finding\\.(of|pass)\\(\"([a-z-]+)\"(?:, Severity\\.([A-Z]+))?");
    private static final Pattern IN_README = Pattern.compile("(?m)^\\| `([a-z-]+)` \\| (pass|warn|fail|temperror) \\|");

    @Test
    void everyFindingIdIsDocumentedWithItsSeverity() throws IOException {
        Map<String, String> code = new TreeMap<>();
        try (Stream<Path> files = Files.list(Path.of("src/main/java/org/mxguard/audit"))) {
            for (Path f : files.toList()) {
                Matcher m = IN_CODE.matcher(Files.readString(f));
                while (m.find()) {
                    code.put(m.group(2), m.group(1).equals("pass") ? "pass" : m.group(3).toLowerCase());
                }
            }
        }
        String readme = Files.readString(Path.of("README.md"));
        String section = readme.substring(readme.indexOf("### `mxguard audit`"), readme.indexOf("### `mxguard ptr-class`"));
        Map<String, String> documented = new TreeMap<>();
        Matcher m = IN_README.matcher(section);
        while (m.find()) {
            documented.put(m.group(1), m.group(2));
        }
        assertThat(code).hasSizeGreaterThan(20);
        assertThat(documented).isEqualTo(code);
    }
}
