package org.mxguard.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.nio.file.Path;
import java.util.function.Consumer;

/** What the config tests of every section assert about a refused file: file, line and key, then the problem. */
final class ConfigMistakes {
    static final Path FILE = Path.of("/etc/mxguard.toml");

    private ConfigMistakes() {
    }

    /** Parses {@code toml}, expects a failure at {@code line} / {@code key}, returns it for more checks. */
    static ConfigException failsAt(String toml, int line, String key) {
        ConfigException e = catchThrowableOfType(ConfigException.class, () -> ConfigLoader.parse(toml, FILE));
        assertThat(e).as("expected a ConfigException for:%n%s", toml).isNotNull();
        assertThat(e.file()).isEqualTo(FILE);
        assertThat(e.line()).as(e.getMessage()).isEqualTo(line);
        assertThat(e.key()).as(e.getMessage()).isEqualTo(key);
        assertThat(e.getMessage()).startsWith(FILE + ":" + line + ": " + key + ": ");
        return e;
    }

    static Consumer<String> problemIs(String expected) {
        return problem -> assertThat(problem).isEqualTo(expected);
    }

    static Consumer<String> problemContains(String... parts) {
        return problem -> assertThat(problem).contains(parts);
    }
}
