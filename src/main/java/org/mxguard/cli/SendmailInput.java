package org.mxguard.cli;

import static java.nio.charset.StandardCharsets.ISO_8859_1;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * Reads the message {@code sendmail} is given on standard input: until end of input or, unless
 * dots are not special ({@code -i}), a line holding a single dot. Line ends become CRLF, the form
 * a message received over SMTP is stored in, so the spool holds one form whatever the source (a
 * lone CR inside a line is kept as it is; a last line without a line end gets one). A leading dot
 * is not removed: standard input is not dot-stuffed.
 */
final class SendmailInput {
    private SendmailInput() {
    }

    /** @return the message as ISO-8859-1 text (one char per octet), every line ending in CRLF */
    static String read(InputStream stdin, boolean dotEnds) throws IOException {
        InputStream in = new BufferedInputStream(stdin);
        ByteArrayOutputStream message = new ByteArrayOutputStream();
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (int b = in.read(); ; b = in.read()) {
            if (b >= 0 && b != '\n') {
                line.write(b);
                continue;
            }
            byte[] content = line.toByteArray();
            int length = content.length > 0 && content[content.length - 1] == '\r' ? content.length - 1 : content.length;
            if (b < 0 && content.length == 0) {
                break;
            }
            if (dotEnds && length == 1 && content[0] == '.') {
                break;
            }
            message.write(content, 0, length);
            message.write('\r');
            message.write('\n');
            line.reset();
            if (b < 0) {
                break;
            }
        }
        return message.toString(ISO_8859_1);
    }
}
