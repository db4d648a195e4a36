package org.mxguard.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mxguard.testbed.TestZones.*;

import java.nio.file.Path;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.mxguard.testbed.DnsTestBed;

/** The DNS work of one verdict: within budget, identical questions asked once, independent ones concurrently. */
@Timeout(60)
class QueryConcurrencyIT {
    @RegisterExtension
    static final DnsTestBed BED = new DnsTestBed();

    static final String[] ALL_FLAGS = {"--ip", GOOD_IP, "--helo", HELO_GOOD, "--mail-from", "a@" + GOOD_DOMAIN,
            "--from", "b@" + GOOD_DOMAIN, "--reply-to", "c@" + GOOD_DOMAIN};

    @Test
    @DisplayName("every flag for good.test: at most the budget, each distinct question once, the same answer twice")
    void withinBudgetAndRepeatable() {
        CheckJson first = Cli.check(BED.resolverHostPort(), ALL_FLAGS);
        assertThat(first.dnsLookups()).isLessThanOrEqualTo(20);
        // PTR 1.1.0.127, A + AAAA mail.good.test (iprev, helo and reverse-mx share them),
        // MX good.test (sender-domain and three reverse-mx checks share it), A mail6.good.test.
        assertThat(first.dnsLookups()).as("identical questions are asked once%n%s", first).isEqualTo(5);
        assertThat(first.results().values()).containsOnly("pass");

        CheckJson second = Cli.check(BED.resolverHostPort(), ALL_FLAGS);
        assertThat(second.root()).isEqualTo(first.root());
    }

    @Test
    @DisplayName("independent lookups run concurrently: 8 questions to a silent server take about one timeout")
    void independentLookupsAreConcurrent(@TempDir Path dir) {
        Path cfg = Cli.config(dir, "slow.toml", """
                [dns]
                timeout-ms = 500
                retries = 0
                """);
        long start = System.nanoTime();
        CheckJson j = Cli.check(BED.silentHostPort(), "--config", cfg.toString(), "--ip", GOOD_IP, "--helo", HELO_GOOD,
                "--mail-from", "a@" + GOOD_DOMAIN, "--from", "b@" + NO_MX_DOMAIN, "--reply-to", "c@" + EQUAL_PREF_DOMAIN);
        long ms = (System.nanoTime() - start) / 1_000_000;
        // PTR, A + AAAA of the HELO name, MX of good.test, nomx.test, equalpref.test: none depends on
        // another, and each times out, so nothing further is asked.
        assertThat(j.dnsLookups()).isEqualTo(6);
        assertThat(j.results()).allSatisfy((name, result) -> assertThat(result).as(name).isEqualTo("temperror"));
        assertThat(ms).as("one after the other would take %d ms", 6 * 500).isLessThan(2_500);
    }
}
