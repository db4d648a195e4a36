package org.mxguard.log;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.LoggingEvent;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The encoder gives the bytes the pattern %msg%n in UTF-8 gives, for any message. */
class MessageLineEncoderTest {
    @Test
    void theMessageInUtf8AndANewlineAsThePatternGivesThem() {
        LoggerContext context = new LoggerContext();
        PatternLayoutEncoder pattern = new PatternLayoutEncoder();
        pattern.setContext(context);
        pattern.setPattern("%msg%n");
        pattern.setCharset(StandardCharsets.UTF_8);
        pattern.start();
        MessageLineEncoder encoder = new MessageLineEncoder();
        encoder.setContext(context);
        encoder.start();
        for (String message : new String[] {"", "{\"helo\":\"jösé {} \\u2028\"}", "𝄞 emoji 😀", "plain"}) {
            LoggingEvent event = new LoggingEvent("x", context.getLogger("t"), Level.INFO, message, null, null);
            assertThat(encoder.encode(event)).as(message).isEqualTo(pattern.encode(event))
                    .isEqualTo((message + "\n").getBytes(StandardCharsets.UTF_8));
        }
        assertThat(encoder.headerBytes()).isNull();
        assertThat(encoder.footerBytes()).isNull();
    }
}
