package org.mxguard.delivery;

/**
 * Quoted-printable (RFC 2045 §6.7) for a part of CRLF-ended lines that has 8-bit octets, so the
 * notification stays 7-bit and needs no 8BITMIME on its way back. Line breaks stay hard breaks.
 */
final class DsnQuotedPrintable {
    private static final int MAX_ENCODED_LINE = 76;
    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    private DsnQuotedPrintable() {
    }

    /** The encoded text; every line ends in CRLF when the input's did. */
    static String encode(byte[] crlfLines) {
        StringBuilder out = new StringBuilder(crlfLines.length * 2);
        StringBuilder line = new StringBuilder();
        for (int i = 0; i < crlfLines.length; i++) {
            int b = crlfLines[i] & 0xff;
            if (b == '\r' && i + 1 < crlfLines.length && crlfLines[i + 1] == '\n') {
                out.append(endOfLine(line)).append("\r\n");
                line.setLength(0);
                i++;
                continue;
            }
            String encoded = b == '=' || b < 0x20 && b != '\t' || b > 0x7e ? "=" + HEX[b >> 4] + HEX[b & 0xf]
                    : String.valueOf((char) b);
            // Room for the soft break's '=' (and a trailing space's later encoding: 3 chars).
            if (line.length() + encoded.length() > MAX_ENCODED_LINE - 3) {
                out.append(line).append("=\r\n");
                line.setLength(0);
            }
            line.append(encoded);
        }
        return out.append(endOfLine(line)).toString();
    }

    // Whitespace before a line break would be lost in transport, so the last one is encoded.
    private static String endOfLine(StringBuilder line) {
        if (line.isEmpty()) {
            return "";
        }
        char last = line.charAt(line.length() - 1);
        if (last == ' ' || last == '\t') {
            return line.substring(0, line.length() - 1) + "=" + HEX[last >> 4] + HEX[last & 0xf];
        }
        return line.toString();
    }
}
