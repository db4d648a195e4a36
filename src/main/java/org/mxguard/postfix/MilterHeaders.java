package org.mxguard.postfix;

import java.nio.charset.StandardCharsets;
import org.mxguard.smtp.AuthenticationResultsHeader;
import org.mxguard.smtp.ForgedAuthenticationResults;

/**
 * Header fields between the gateway's form (a rendered field, CRLF-folded) and the milter's (a
 * name, and a value whose folds are bare {@code \n}, without the space after the colon, which the
 * MTA adds back).
 */
final class MilterHeaders {
    private MilterHeaders() {
    }

    /** A field as the gateway renders it ({@code Name: value\r\n}, maybe folded) as an insertion at {@code index}. */
    static MilterReply.InsertHeader insert(int index, String renderedField) {
        int colon = renderedField.indexOf(':');
        String value = renderedField.substring(colon + 1);
        if (value.endsWith("\r\n")) {
            value = value.substring(0, value.length() - 2);
        }
        if (value.startsWith(" ")) {
            value = value.substring(1);
        }
        // libmilter's rule: a fold is LF and white space; the MTA writes the CR itself
        return new MilterReply.InsertHeader(index, renderedField.substring(0, colon), value.replace("\r\n", "\n"));
    }

    /** A received value unfolded as the gateway reads one: continuation lines joined by one space, trimmed. */
    static String unfold(String value) {
        StringBuilder out = new StringBuilder(value.length());
        for (String line : value.split("\r?\n", -1)) {
            String part = out.isEmpty() ? line : line.strip();
            if (!out.isEmpty() && !part.isEmpty()) {
                out.append(' ');
            }
            out.append(part);
        }
        return out.toString().strip();
    }

    /** Whether an {@code Authentication-Results:} value claims our authserv-id (RFC 8601 §5: then it is forged). */
    static boolean claimsUs(String authResultsValue, String authservId) {
        String field = AuthenticationResultsHeader.NAME + ": " + authResultsValue.replace("\r\n", "\n").replace("\n", "\r\n")
                + "\r\n\r\n";
        return !ForgedAuthenticationResults.find(field.getBytes(StandardCharsets.UTF_8), authservId).isEmpty();
    }
}
