package org.mxguard.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mxguard.testbed.TestZones.*;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.mxguard.testbed.DnsTestBed;

/** {@code mxguard audit --html FILE} against the test bed: the file shows the findings the JSON lists. */
@Timeout(60)
class AuditHtmlIT {
    @RegisterExtension
    static final DnsTestBed BED = new DnsTestBed();

    private static final Pattern FINDING = Pattern.compile(
            "data-severity=\"([a-z]+)\">\\n<h3><code class=\"id\">([^<]*)</code> <span class=\"subject\">([^<]*)</span>");

    @Test
    void theFileShowsTheFindingsOfTheJson(@TempDir Path dir) throws Exception {
        Path page = dir.resolve("report.html");
        Cli.Run run = Cli.run("audit", MULTI_WAN_DOMAIN, "--egress", MULTI_WAN_IP_1, "--egress", MULTI_WAN_IP_2,
                "--json", "--html", page.toString(), "--dns", BED.resolverHostPort());
        assertThat(run.exit()).as(run.err()).isEqualTo(1);
        JsonNode json = Cli.MAPPER.readTree(run.out());
        List<String> listed = new ArrayList<>();
        json.get("findings").forEach(f -> listed.add(f.get("severity").asText() + " " + f.get("id").asText() + " " + f.get("subject").asText()));

        String html = Files.readString(page);
        List<String> shown = new ArrayList<>();
        Matcher m = FINDING.matcher(html);
        while (m.find()) {
            shown.add(m.group(1) + " " + m.group(2) + " " + m.group(3));
        }
        assertThat(shown).contains("fail egress-not-mx-address " + MULTI_WAN_IP_2).isEqualTo(listed);
        assertThat(html).contains("mx2.multiwan.test. IN A 127.0.6.2").doesNotContain("<form");
    }

    @Test
    void anUnwritableFileIsExit74(@TempDir Path dir) {
        Cli.Run run = Cli.run("audit", GOOD_DOMAIN, "--html", dir.resolve("no/such/dir/report.html").toString(),
                "--dns", BED.resolverHostPort());
        assertThat(run.exit()).isEqualTo(74);
        assertThat(run.err()).contains("cannot write");
    }
}
