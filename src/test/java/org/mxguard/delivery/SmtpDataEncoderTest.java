package org.mxguard.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class SmtpDataEncoderTest {

    @Test
    void crlfStaysAsItIs() throws IOException {
        assertThat(encode("a\r\nb\r\n")).isEqualTo("a\r\nb\r\n.\r\n");
    }

    @Test
    void bareLfGetsItsCr() throws IOException {
        assertThat(encode("a\nb\n\nc\r\n")).isEqualTo("a\r\nb\r\n\r\nc\r\n.\r\n");
    }

    @Test
    void lastLineWithoutEndingGetsOne() throws IOException {
        assertThat(encode("a\nb")).isEqualTo("a\r\nb\r\n.\r\n");
        assertThat(encode("a\r")).isEqualTo("a\r\n.\r\n");
    }

    @Test
    void emptyMessageIsJustTheTerminator() throws IOException {
        assertThat(encode("")).isEqualTo(".\r\n");
    }

    @Test
    void lineStartingWithDotIsDoubled() throws IOException {
        assertThat(encode(".\n..\n.a\nb.c\n.")).isEqualTo("..\r\n...\r\n..a\r\nb.c\r\n..\r\n.\r\n");
    }

    /** A bare CR does not end a line, so a dot after it is not at a line start. */
    @Test
    void bareCrIsNotALineEnd() throws IOException {
        assertThat(encode("a\r.b\n")).isEqualTo("a\r.b\r\n.\r\n");
    }

    /** The encoder reads in 16 KiB chunks: a CRLF or a leading dot split across two chunks. */
    @Test
    void chunkBoundaries() throws IOException {
        String crAtBoundary = "x".repeat(16 * 1024 - 1) + "\r\n.y\n";
        assertThat(encode(crAtBoundary)).isEqualTo("x".repeat(16 * 1024 - 1) + "\r\n..y\r\n.\r\n");
        String lfAtBoundary = "x".repeat(16 * 1024 - 1) + "\n.y";
        assertThat(encode(lfAtBoundary)).isEqualTo("x".repeat(16 * 1024 - 1) + "\r\n..y\r\n.\r\n");
    }

    @Test
    void eightBitOctetsPassUnchanged() throws IOException {
        byte[] in = {'a', (byte) 0xe9, '\n'};
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        SmtpDataEncoder.encode(new ByteArrayInputStream(in), out);
        assertThat(out.toByteArray()).containsExactly('a', 0xe9, '\r', '\n', '.', '\r', '\n');
    }

    private static String encode(String message) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        SmtpDataEncoder.encode(new ByteArrayInputStream(message.getBytes(StandardCharsets.ISO_8859_1)), out);
        return out.toString(StandardCharsets.ISO_8859_1);
    }
}
