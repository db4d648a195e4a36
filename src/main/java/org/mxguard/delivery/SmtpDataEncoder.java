package org.mxguard.delivery;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * Turns a stored message into what follows DATA (RFC 5321 §4.1.1.4, §4.5.2): every line ends in
 * CRLF (a bare LF gains its CR; a last line without an ending gets one), a line starting with
 * {@code .} gets a second one, and a line holding just {@code .} ends it.
 */
final class SmtpDataEncoder {
    private static final int CHUNK = 16 * 1024;

    private SmtpDataEncoder() {
    }

    /** Copies {@code message} to {@code out}, then the terminator; does not flush. */
    static void encode(InputStream message, OutputStream out) throws IOException {
        byte[] in = new byte[CHUNK];
        // Worst case every octet is a LF (becomes CRLF) or a line-leading dot (doubled).
        byte[] encoded = new byte[CHUNK * 2];
        boolean lineStart = true;
        boolean afterCr = false;
        int n;
        while ((n = message.read(in)) > 0) {
            int o = 0;
            for (int i = 0; i < n; i++) {
                byte b = in[i];
                if (b == '\n') {
                    if (!afterCr) {
                        encoded[o++] = '\r';
                    }
                    encoded[o++] = '\n';
                    lineStart = true;
                    afterCr = false;
                    continue;
                }
                if (lineStart && b == '.') {
                    encoded[o++] = '.';
                }
                encoded[o++] = b;
                lineStart = false;
                afterCr = b == '\r';
            }
            out.write(encoded, 0, o);
        }
        if (afterCr) {
            out.write('\n');
        } else if (!lineStart) {
            out.write(new byte[] {'\r', '\n'});
        }
        out.write(new byte[] {'.', '\r', '\n'});
    }
}
