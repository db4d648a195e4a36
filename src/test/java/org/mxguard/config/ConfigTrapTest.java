package org.mxguard.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mxguard.config.ConfigMistakes.failsAt;
import static org.mxguard.config.ConfigMistakes.problemContains;
import static org.mxguard.config.ConfigMistakes.problemIs;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.params.provider.Arguments.argumentSet;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.mxguard.dns.InetAddresses;
import org.mxguard.policy.Action;

/** {@code [trap]}: the defaults, every key, and every mistake located as FILE:LINE: trap.KEY. */
class ConfigTrapTest {
    private static final Path FILE = ConfigMistakes.FILE;
    /** The listener on addresses of its own, so that a trap on port 25 fits (lines 1 and 2). */
    private static final String SMTP = "[smtp]\nlisten = [\"192.0.2.25:25\", \"[2001:db8::25]:25\"]\n";

    private static MxguardConfig parse(String toml) throws ConfigException {
        return ConfigLoader.parse(toml, FILE);
    }

    private static InetSocketAddress address(String ip, int port) {
        return new InetSocketAddress(InetAddresses.require(ip), port);
    }

    @Test
    void noTrapByDefault() throws Exception {
        TrapSettings t = TrapSettings.defaults();
        assertThat(t.listen()).isEmpty();
        assertThat(t.enabled()).isFalse();
        assertThat(t.expiry()).isEqualTo(Duration.ofHours(24));
        assertThat(t.action()).isEqualTo(Action.REJECT);
        assertThat(MxguardConfig.defaults().trap()).isEqualTo(t);
        assertThat(parse("# nothing\n").trap()).isEqualTo(t);
    }

    @Test
    void everyKeyIsRead() throws Exception {
        TrapSettings t = parse(SMTP + """
                [trap]
                listen = ["192.0.2.26:25", "[2001:db8::26]", "192.0.2.25:2526", "0.0.0.0:2527"]
                expiry-hours = 48
                action = "tempfail"
                """).trap();
        assertThat(t.listen()).containsExactly(address("192.0.2.26", 25), address("2001:db8::26", 25),
                address("192.0.2.25", 2526), address("0.0.0.0", 2527));
        assertThat(t.expiry()).isEqualTo(Duration.ofHours(48));
        assertThat(t.action()).isEqualTo(Action.TEMPFAIL);
        assertThat(t.enabled()).isTrue();
    }

    @Test
    void listenAloneTakesTheDefaults() throws Exception {
        TrapSettings t = parse(SMTP + "[trap]\nlisten = [\"192.0.2.26\"]\n").trap();
        assertThat(t).isEqualTo(new TrapSettings(List.of(address("192.0.2.26", 25)), Duration.ofHours(24),
                Action.REJECT));
        assertThat(parse("[trap]\nlisten = [\"192.0.2.26:2525\"]\naction = \"Log\"\n").trap().action())
                .as("a port of its own next to the default listener").isEqualTo(Action.LOG);
        assertThat(parse(SMTP + "[trap]\nlisten = [\"192.0.2.26\"]\nexpiry-hours = 1\naction = \"tag\"\n").trap())
                .extracting(TrapSettings::expiry, TrapSettings::action).containsExactly(Duration.ofHours(1), Action.TAG);
        assertThat(parse(SMTP + "[trap]\nlisten = [\"192.0.2.26\"]\nexpiry-hours = 8760\n").trap().expiry())
                .isEqualTo(Duration.ofDays(365));
    }

    @Test
    void theOverridesCarryIt() throws Exception {
        MxguardConfig c = parse(SMTP + "[trap]\nlisten = [\"192.0.2.26\"]\nexpiry-hours = 2\n");
        assertThat(c.withDns(c.dns()).trap()).isEqualTo(c.trap());
        assertThat(c.withDelivery(c.delivery()).trap()).isEqualTo(c.trap());
        assertThat(c.withQueue(c.queue()).trap()).isEqualTo(c.trap());
        assertThat(c.withSmtp(c.smtp()).trap()).isEqualTo(c.trap());
        assertThat(c.withBackupMx(c.backupMx()).trap()).isEqualTo(c.trap());
        List<InetSocketAddress> loopback = List.of(address("127.0.0.1", 2526));
        MxguardConfig moved = c.withTrap(c.trap().withListen(loopback));
        assertThat(moved.trap().listen()).isEqualTo(loopback);
        assertThat(moved.trap().expiry()).isEqualTo(Duration.ofHours(2));
        assertThat(moved.smtp()).isEqualTo(c.smtp());
    }

    @Test
    void theRecordRefusesWhatTheFileCannotSay() {
        List<InetSocketAddress> listen = List.of(address("192.0.2.26", 25));
        assertThatThrownBy(() -> new TrapSettings(listen, Duration.ZERO, Action.REJECT))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new TrapSettings(listen, Duration.ofHours(1), Action.ACCEPT))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new TrapSettings(List.of(InetSocketAddress.createUnresolved("trap", 25)),
                Duration.ofHours(1), Action.REJECT)).isInstanceOf(IllegalArgumentException.class);
    }

    // --- errors ---

    @ParameterizedTest
    @MethodSource("mistakes")
    void rejected(String toml, int line, String key, Consumer<String> problem) {
        problem.accept(failsAt(toml, line, key).problem());
    }

    static Stream<Arguments> mistakes() {
        return Stream.of(
                argumentSet("trapIsATable", "trap = [\"192.0.2.26\"]\n", 1, "trap",
                        problemIs("expected a table [trap], got an array")),
                argumentSet("trapsAreNotRepeated", "[[trap]]\nlisten = [\"192.0.2.26\"]\n", 1, "trap",
                        problemContains("expected a table [trap], got an array")),
                argumentSet("needsListen", SMTP + "[trap]\nexpiry-hours = 12\n", 3, "trap",
                        problemIs("needs listen: the trap MX's addresses, e.g. [\"192.0.2.26:25\"]")),
                argumentSet("unknownKeySuggestsTheClosest", SMTP + "[trap]\nlisten = [\"192.0.2.26\"]\nexpiry-hour = 12\n",
                        5, "trap.expiry-hour", problemIs("unknown key (did you mean \"expiry-hours\"?)")),
                argumentSet("unknownKeyFarFromAllListsThem", SMTP + "[trap]\nlisten = [\"192.0.2.26\"]\nreply = \"x\"\n",
                        5, "trap.reply", problemIs("unknown key (use listen, expiry-hours, action)")),
                // listen
                argumentSet("listenIsAnArray", SMTP + "[trap]\nlisten = \"192.0.2.26:25\"\n", 4, "trap.listen",
                        problemContains("expected an array of addresses", "got the string \"192.0.2.26:25\"")),
                argumentSet("listenEmpty", SMTP + "[trap]\nlisten = []\n", 4, "trap.listen",
                        problemContains("empty list", "leave out [trap]")),
                argumentSet("listenHostName", SMTP + "[trap]\nlisten = [\"trap.example.org:25\"]\n", 4,
                        "trap.listen[0]", problemContains("bad listen address", "is a host name; give an IP address")),
                argumentSet("listenBadPort", SMTP + """
                        [trap]
                        listen = [
                          "192.0.2.26:25",
                          "192.0.2.27:65536",
                        ]
                        """, 6, "trap.listen[1]", problemContains("bad listen address", "out of range")),
                argumentSet("listenTwice", SMTP + "[trap]\nlisten = [\"192.0.2.26:25\", \"192.0.2.26\"]\n", 4,
                        "trap.listen[1]", problemIs("\"192.0.2.26\" is already trap.listen[0]")),
                argumentSet("listenOverlapsTheDefaultListener", "[trap]\nlisten = [\"192.0.2.26\"]\n", 2,
                        "trap.listen[0]", problemIs("\"192.0.2.26\" overlaps the SMTP listener's 0.0.0.0:25 "
                                + "(smtp.listen[0], the default): give the trap an address of its own, and the "
                                + "listener its addresses in smtp.listen")),
                argumentSet("listenIsTheListener", SMTP + "[trap]\nlisten = [\"192.0.2.26\", \"[2001:db8::25]:25\"]\n",
                        4, "trap.listen[1]", problemContains("overlaps the SMTP listener's [2001:db8::25]:25 "
                                + "(smtp.listen[1])")),
                argumentSet("aWildcardTrapOverlapsTheListener", SMTP + "[trap]\nlisten = [\"[::]:25\"]\n", 4,
                        "trap.listen[0]", problemContains("overlaps the SMTP listener's 192.0.2.25:25")),
                // expiry and action
                argumentSet("expiryTooShort", SMTP + "[trap]\nlisten = [\"192.0.2.26\"]\nexpiry-hours = 0\n", 5,
                        "trap.expiry-hours", problemIs("0 is out of range (use 1 to 8760)")),
                argumentSet("expiryTooLong", SMTP + "[trap]\nlisten = [\"192.0.2.26\"]\nexpiry-hours = 8761\n", 5,
                        "trap.expiry-hours", problemIs("8761 is out of range (use 1 to 8760)")),
                argumentSet("expiryInDecimalHours", SMTP + "[trap]\nlisten = [\"192.0.2.26\"]\nexpiry-hours = 1.5\n",
                        5, "trap.expiry-hours", problemIs("expected a whole number, got the decimal number 1.5")),
                argumentSet("actionTypo", SMTP + "[trap]\nlisten = [\"192.0.2.26\"]\naction = \"rejct\"\n", 5,
                        "trap.action", problemIs("unknown action \"rejct\" (did you mean \"reject\"?)")),
                argumentSet("actionAccept", SMTP + "[trap]\nlisten = [\"192.0.2.26\"]\naction = \"accept\"\n", 5,
                        "trap.action", problemContains("\"accept\" would do nothing here")),
                argumentSet("actionIsAString", SMTP + "[trap]\nlisten = [\"192.0.2.26\"]\naction = true\n", 5,
                        "trap.action", problemIs("expected a string, got the boolean true")));
    }
}
