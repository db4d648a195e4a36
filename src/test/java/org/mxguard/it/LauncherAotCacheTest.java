package org.mxguard.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher's {@code MXGUARD_AOT_DIR} (scripts/jdk.sh {@code mxguard_aot_opts}): which JVM option
 * a server command gets: record a cache when there is none or it is older than the jar, start from
 * it otherwise; nothing for short commands or without the variable.
 */
class LauncherAotCacheTest {
    @TempDir
    Path dir;

    private String aotOptions(String command, Path jar, String aotDir) throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder("bash", "-c",
                ". scripts/jdk.sh && mxguard_aot_opts \"$1\" \"$2\"", "aot", command, jar.toString())
                .redirectErrorStream(true);
        builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
        builder.environment().remove("MXGUARD_AOT_DIR");
        if (aotDir != null) {
            builder.environment().put("MXGUARD_AOT_DIR", aotDir);
        }
        Process process = builder.start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as(out).isZero();
        return out;
    }

    @Test
    void recordsThenStartsFromTheCacheAndRecordsAgainAfterARebuild() throws Exception {
        Path jar = Files.writeString(dir.resolve("mxguard.jar"), "a jar");
        Path aot = dir.resolve("aot");
        Path cache = aot.resolve("serve.aot");
        if (Runtime.version().feature() < 25) {
            assertThat(aotOptions("serve", jar, aot.toString())).contains("needs Java 25 or newer");
            return;
        }
        assertThat(aotOptions("serve", jar, aot.toString())).isEqualTo("-XX:AOTCacheOutput=" + cache);

        Files.writeString(cache, "what the JVM wrote when the recording run stopped");
        Files.setLastModifiedTime(jar, FileTime.from(Instant.now().minusSeconds(60)));
        assertThat(aotOptions("serve", jar, aot.toString())).isEqualTo("-XX:AOTCache=" + cache);
        assertThat(aotOptions("policy", jar, aot.toString()))
                .as("one cache per command").isEqualTo("-XX:AOTCacheOutput=" + aot.resolve("policy.aot"));

        Files.setLastModifiedTime(jar, FileTime.from(Instant.now().plusSeconds(60)));
        assertThat(aotOptions("serve", jar, aot.toString())).as("the jar is newer: stale")
                .isEqualTo("-XX:AOTCacheOutput=" + cache);
        assertThat(cache).doesNotExist();
    }

    @Test
    void nothingForShortCommandsOrWithoutTheVariable() throws Exception {
        Path jar = Files.writeString(dir.resolve("mxguard.jar"), "a jar");
        assertThat(aotOptions("check", jar, dir.resolve("aot").toString())).isEmpty();
        assertThat(aotOptions("serve", jar, null)).isEmpty();
        assertThat(dir.resolve("aot")).doesNotExist();
    }
}
