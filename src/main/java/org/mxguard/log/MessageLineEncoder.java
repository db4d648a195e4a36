package org.mxguard.log;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.encoder.EncoderBase;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The message alone and a newline, in UTF-8: what the pattern {@code %msg%n} gives, without a
 * pattern layout's string building, for the transaction log (a line per policy answer, tens of
 * thousands a second, each a finished JSON object).
 */
public class MessageLineEncoder extends EncoderBase<ILoggingEvent> {
    @Override
    public byte[] headerBytes() {
        return null;
    }

    @Override
    public byte[] encode(ILoggingEvent event) {
        byte[] message = event.getFormattedMessage().getBytes(StandardCharsets.UTF_8);
        byte[] line = Arrays.copyOf(message, message.length + 1);
        line[message.length] = '\n';
        return line;
    }

    @Override
    public byte[] footerBytes() {
        return null;
    }
}
