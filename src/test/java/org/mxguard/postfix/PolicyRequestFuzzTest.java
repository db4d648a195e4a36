package org.mxguard.postfix;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.mxguard.postfix.PolicyProtocolException.Kind;

/**
 * The policy protocol reader ({@link PolicyRequestReader}) fed in pieces, against a reference model
 * that reads the whole input at once, line by line, as Postfix's SMTPD_POLICY_README describes it:
 * {@code name=value} lines ending in LF (a CR before it dropped), a request ended by an empty line,
 * empty lines between requests skipped, lines and requests limited in size.
 *
 * <p>What must hold: the reader gives the same requests in the same order as the model, and fails
 * where the model fails, with the same kind of error and nothing else; where the pieces fall (a line,
 * a CR or an LF cut between two reads) changes nothing.
 *
 * <p>Input: two settings octets (the line and request limits; the size of the pieces), then the
 * bytes a client sends.
 */
class PolicyRequestFuzzTest {

    @FuzzTest
    void requests(byte[] input) {
        int limits = input.length > 0 ? input[0] & 0xff : 0;
        int piece = input.length > 1 ? 1 + (input[1] & 0xff) : 1;
        byte[] sent = input.length > 2 ? Arrays.copyOfRange(input, 2, input.length) : new byte[0];
        int maxLine = 8 + (limits & 0x1f) * 8;
        int maxRequest = maxLine * (1 + (limits >>> 5));

        Outcome expected = model(sent, maxLine, maxRequest);
        Outcome actual = read(sent, piece, maxLine, maxRequest);
        if (!expected.equals(actual)) {
            throw new AssertionError("reader " + actual + " but the model " + expected + " (line limit " + maxLine
                    + ", request limit " + maxRequest + ", pieces of " + piece + ")");
        }
    }

    /** The requests read, then the error that ended the reading (null: the stream ended cleanly). */
    private record Outcome(List<PolicyRequest> requests, Kind error) {
        Outcome {
            Objects.requireNonNull(requests);
        }
    }

    private static Outcome read(byte[] sent, int piece, int maxLine, int maxRequest) {
        PolicyRequestReader reader = new PolicyRequestReader(maxLine, maxRequest);
        List<PolicyRequest> requests = new ArrayList<>();
        try {
            for (int at = 0; at < sent.length; at += piece) {
                ByteBuffer bytes = ByteBuffer.wrap(sent, at, Math.min(piece, sent.length - at)).slice();
                for (PolicyRequest r = reader.next(bytes); r != null; r = reader.next(bytes)) {
                    requests.add(r);
                }
                if (bytes.hasRemaining()) {
                    throw new AssertionError("the reader left " + bytes.remaining() + " bytes unread");
                }
            }
            reader.endOfStream();
            return new Outcome(requests, null);
        } catch (PolicyProtocolException e) {
            return new Outcome(requests, e.kind());
        }
    }

    private static Outcome model(byte[] sent, int maxLine, int maxRequest) {
        List<PolicyRequest> requests = new ArrayList<>();
        String[] attributes = new String[PolicyRequest.COUNT];
        boolean inRequest = false;
        int requestBytes = 0;
        int start = 0;
        while (true) {
            int lf = start;
            while (lf < sent.length && sent[lf] != '\n') {
                lf++;
            }
            int length = lf - start;
            if (length >= maxLine) { // a line of exactly the limit, its LF included, is allowed
                return new Outcome(requests, Kind.LINE_TOO_LONG);
            }
            if (lf == sent.length) { // the stream ended
                return new Outcome(requests, length > 0 || inRequest ? Kind.TRUNCATED : null);
            }
            requestBytes += length + 1;
            if (requestBytes > maxRequest) {
                return new Outcome(requests, Kind.REQUEST_TOO_LARGE);
            }
            int end = length > 0 && sent[lf - 1] == '\r' ? lf - 1 : lf;
            if (end == start) {
                requestBytes = 0;
                if (inRequest) {
                    requests.add(new PolicyRequest(attributes));
                    attributes = new String[PolicyRequest.COUNT];
                    inRequest = false;
                }
            } else {
                inRequest = true;
                int equals = start;
                while (equals < end && sent[equals] != '=') {
                    equals++;
                }
                if (equals == end || equals == start) {
                    return new Outcome(requests, Kind.MALFORMED_LINE);
                }
                int index = PolicyRequest.index(new String(sent, start, equals - start, StandardCharsets.UTF_8));
                if (index >= 0) {
                    attributes[index] = new String(sent, equals + 1, end - equals - 1, StandardCharsets.UTF_8);
                }
            }
            start = lf + 1;
        }
    }
}
