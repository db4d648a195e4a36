package org.mxguard.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mxguard.config.ConfigMistakes.failsAt;
import static org.mxguard.config.ConfigMistakes.problemContains;
import static org.mxguard.config.ConfigMistakes.problemIs;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.mxguard.check.CheckResult;
import org.mxguard.check.Result;
import org.mxguard.policy.Action;
import org.mxguard.policy.Scoring;
import org.mxguard.policy.Verdict;

/** {@code [scoring]}: off by default, every key, and every mistake located as FILE:LINE: scoring.KEY. */
class ConfigScoringTest {
    private static final Path FILE = ConfigMistakes.FILE;

    private static MxguardConfig parse(String toml) throws ConfigException {
        return ConfigLoader.parse(toml, FILE);
    }

    @Test
    void offUnlessEnabled() throws Exception {
        for (String toml : List.of("# nothing\n", "[scoring]\n", "[scoring]\ntag = 3\n", "[scoring]\nenabled = false\n")) {
            MxguardConfig c = parse(toml);
            assertThat(c.scoring().enabled()).as(toml).isFalse();
            assertThat(c.policy().scoring().enabled()).isFalse();
            Verdict v = c.policy().decide(List.of(CheckResult.of("generic-ptr", Result.FAIL, "generic", "g", Map.of())));
            assertThat(v.score()).as("per-check actions decide").isEmpty();
        }
        assertThat(MxguardConfig.defaults().scoring().enabled()).isFalse();
        assertThat(MxguardConfig.defaults().scoring().thresholds()).isEqualTo(Scoring.Thresholds.defaults());
    }

    @Test
    void everyKeyIsRead() throws Exception {
        MxguardConfig c = parse("""
                [scoring]
                enabled = true
                tag = 3
                tempfail = 5.5
                reject = 9.0

                [scoring.weights]
                iprev.fail = 6.5
                iprev.pass = -1
                generic-ptr.fail = 2.5
                reverse-mx.fail = 1.0
                "reverse-mx:from".fail = 0.25
                helo = { pass = -1.0, temperror = 0 }
                """);
        Scoring s = c.scoring();
        assertThat(s.enabled()).isTrue();
        assertThat(s.thresholds()).isEqualTo(new Scoring.Thresholds(3, OptionalDouble.of(5.5), 9));
        assertThat(s.weightFor("iprev", Result.FAIL)).isEqualTo(6.5);
        assertThat(s.weightFor("iprev", Result.PASS)).isEqualTo(-1.0);
        assertThat(s.weightFor("iprev", Result.TEMPERROR)).as("follows fail").isEqualTo(6.5);
        assertThat(s.weightFor("generic-ptr", Result.FAIL)).isEqualTo(2.5);
        assertThat(s.weightFor("reverse-mx:ptr", Result.FAIL)).isEqualTo(1.0);
        assertThat(s.weightFor("reverse-mx:from", Result.FAIL)).as("an exact name wins").isEqualTo(0.25);
        assertThat(s.weightFor("helo", Result.PASS)).isEqualTo(-1.0);
        assertThat(s.weightFor("helo", Result.FAIL)).as("default kept").isEqualTo(2.0);
        assertThat(s.weightFor("helo", Result.TEMPERROR)).as("set explicitly").isZero();
        assertThat(s.weightFor("sender-domain", Result.FAIL)).as("default kept").isEqualTo(8.0);

        assertThat(c.policy().scoring()).isSameAs(s);
        Verdict v = c.policy().decide(List.of(CheckResult.of("iprev", Result.FAIL, "no-ptr", "no PTR", Map.of()),
                CheckResult.of("generic-ptr", Result.NONE, "", "no PTR", Map.of())));
        assertThat(v.action()).as("6.5: tempfail at 5.5").isEqualTo(Action.TEMPFAIL);
        assertThat(v.score().orElseThrow().total()).isEqualTo(6.5);
    }

    @Test
    void theWithMethodsCarryScoring() throws Exception {
        MxguardConfig c = parse("[scoring]\nenabled = true\n");
        assertThat(c.withDns(c.dns()).scoring()).isSameAs(c.scoring());
        assertThat(c.withSmtp(c.smtp()).scoring()).isSameAs(c.scoring());
        assertThat(c.withQueue(c.queue()).scoring()).isSameAs(c.scoring());
        assertThat(c.withDelivery(c.delivery()).scoring()).isSameAs(c.scoring());
        assertThat(c.withScoring(Scoring.defaults()).scoring().enabled()).isFalse();
    }

    @ParameterizedTest(name = "{1}: {3}")
    @CsvSource(delimiter = '|', textBlock = """
            '[scoring]\\nenabled = true\\nreject = 8\\ntga = 4\\n'              | 4 | scoring.tga                       | unknown key (did you mean "tag"?)
            'scoring = 1\\n'                                                  | 1 | scoring                           | expected a table [scoring], got the number 1
            '[scoring]\\nenabled = "yes"\\n'                                  | 2 | scoring.enabled                   | expected true or false, got the string "yes"
            '[scoring]\\ntag = "4"\\n'                                        | 2 | scoring.tag                       | expected a number, got the string "4"
            '[scoring]\\ntag = 0\\n'                                          | 2 | scoring.tag                       | 0 is out of range (use a number above 0, up to 10000)
            '[scoring]\\nreject = -8.0\\n'                                    | 2 | scoring.reject                    | -8 is out of range (use a number above 0, up to 10000)
            '[scoring]\\nreject = inf\\n'                                     | 2 | scoring.reject                    | Infinity is out of range (use a number above 0, up to 10000)
            '[scoring]\\ntag = 6\\nreject = 5\\n'                             | 3 | scoring.reject                    | 5.0 is below tag (6.0)
            '[scoring]\\nreject = 3\\n'                                       | 2 | scoring.reject                    | 3.0 is below tag (4.0, the default)
            '[scoring]\\ntag = 9.5\\n'                                        | 2 | scoring.tag                       | 9.5 is above reject (8.0, the default)
            '[scoring]\\ntempfail = 3\\n'                                     | 2 | scoring.tempfail                  | 3.0 is below tag (4.0, the default)
            '[scoring]\\nreject = 10\\ntempfail = 11\\n'                      | 3 | scoring.tempfail                  | 11.0 is above reject (10.0)
            '[scoring]\\ntempfail = 9\\n'                                     | 2 | scoring.tempfail                  | 9.0 is above reject (8.0, the default)
            '[scoring]\\nweights = 5\\n'                                      | 2 | scoring.weights                   | expected a table [scoring.weights] of CHECK.RESULT = number, got the number 5
            '[scoring.weights]\\niprev.fail = 5\\niprevv.fail = 1\\n'         | 3 | scoring.weights.iprevv            | unknown check "iprevv" (did you mean "iprev"?)
            '[scoring.weights]\\n"reverse-mx:form".fail = 1\\n'               | 2 | scoring.weights."reverse-mx:form" | unknown check "reverse-mx:form" (did you mean "reverse-mx:from"?)
            '[scoring.weights]\\niprev = 5\\n'                                | 2 | scoring.weights.iprev             | expected a table of result = number, got the number 5
            '[scoring.weights]\\nhelo.fial = 2\\n'                            | 2 | scoring.weights.helo.fial         | unknown result "fial" (did you mean "fail"?)
            '[scoring.weights]\\nhelo.fail = "2"\\n'                          | 2 | scoring.weights.helo.fail         | expected a number, got the string "2"
            '[scoring.weights]\\nhelo.fail = 1000.5\\n'                       | 2 | scoring.weights.helo.fail         | 1000.5 is out of range (use -1000 to 1000)
            '[scoring.weights]\\nhelo.fail = nan\\n'                          | 2 | scoring.weights.helo.fail         | NaN is out of range (use -1000 to 1000)
            '[scoring.weights]\\n\\n[scoring.weights.helo]\\ntemperror = -1\\n' | 4 | scoring.weights.helo.temperror  | -1.0 would count a temporary DNS failure in the sender's favour (use 0 or more)
            """)
    void mistakesNameFileLineAndKey(String toml, int line, String key, String problem) {
        assertThat(failsAt(toml.replace("\\n", "\n"), line, key).problem()).isEqualTo(problem);
    }
}
