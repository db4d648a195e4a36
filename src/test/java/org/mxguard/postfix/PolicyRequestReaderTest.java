package org.mxguard.postfix;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.mxguard.postfix.PolicyProtocolException.Kind;

/** The request framing: name=value lines to an empty line, the limits, and what breaks the protocol. */
class PolicyRequestReaderTest {
    /** A connection's bytes given to a reader in pieces, as reads from a socket bring them. */
    private static final class Feed {
        private final PolicyRequestReader reader;
        private final byte[] bytes;
        private final int piece;
        private int at;
        private ByteBuffer current = ByteBuffer.allocate(0);

        Feed(String text, int piece, int maxLine, int maxRequest) {
            this.reader = new PolicyRequestReader(maxLine, maxRequest);
            this.bytes = text.getBytes(StandardCharsets.UTF_8);
            this.piece = piece;
        }

        /** The next request, or null when the bytes end between requests. */
        PolicyRequest next() throws PolicyProtocolException {
            while (true) {
                if (current.hasRemaining()) {
                    PolicyRequest request = reader.next(current);
                    if (request != null) {
                        return request; // what is left of the piece is the next request's
                    }
                    assertThat(current.hasRemaining()).as("a piece without a request's end is taken whole").isFalse();
                }
                if (at == bytes.length) {
                    reader.endOfStream();
                    return null;
                }
                int n = Math.min(piece, bytes.length - at);
                current = ByteBuffer.wrap(bytes).slice(at, n); // an array offset, as a pooled buffer may have
                at += n;
            }
        }
    }

    private static Feed reader(String text, int maxLine, int maxRequest) {
        return new Feed(text, Integer.MAX_VALUE, maxLine, maxRequest);
    }

    private static Feed reader(String text) {
        return reader(text, 4096, 32768);
    }

    private static Kind failure(Feed reader) {
        PolicyProtocolException e = catchThrowableOfType(PolicyProtocolException.class, reader::next);
        assertThat(e).as("expected a protocol error").isNotNull();
        return e.kind();
    }

    @Test
    void requestsFollowOneAnotherOnOneConnection() throws IOException {
        Feed r = reader("""
                request=smtpd_access_policy
                protocol_state=RCPT
                client_address=192.0.2.7
                sender=a@example.org
                recipient=b@example.net
                instance=1a2b.5f3e.0

                request=smtpd_access_policy
                protocol_state=END-OF-MESSAGE
                size=1234

                """);
        PolicyRequest first = r.next();
        assertThat(first.state()).isEqualTo(ProtocolState.RCPT);
        assertThat(first.clientAddress()).map(a -> a.getHostAddress()).contains("192.0.2.7");
        assertThat(first.sender()).isEqualTo("a@example.org");
        assertThat(first.instance()).isEqualTo("1a2b.5f3e.0");
        PolicyRequest second = r.next();
        assertThat(second.state()).isEqualTo(ProtocolState.END_OF_MESSAGE);
        assertThat(second.size()).contains(1234L);
        assertThat(second.sender()).as("absent reads as empty").isEmpty();
        assertThat(r.next()).as("closed between requests").isNull();
    }

    @Test
    void unknownAttributesAreIgnored() throws IOException {
        PolicyRequest p = reader("protocol_state=RCPT\nx_future_attribute=whatever=with=equals\nsender=\n"
                + "ccert_subject=CN=x\n\n").next();
        assertThat(p.attributes()).containsOnlyKeys("protocol_state", "sender");
        assertThat(p.sender()).as("the null reverse-path").isEmpty();
        assertThat(p.isAccessPolicy()).isTrue();
    }

    @Test
    void aRequestOfUnusedAttributesOnlyIsStillARequest() throws IOException {
        Feed r = reader("x_future_attribute=1\n\n\nprotocol_state=RCPT\n\n");
        PolicyRequest unused = r.next();
        assertThat(unused.attributes()).isEmpty();
        assertThat(unused.state()).as("no mail stage: answered DUNNO").isEqualTo(ProtocolState.OTHER);
        assertThat(r.next().state()).isEqualTo(ProtocolState.RCPT);
        assertThat(r.next()).isNull();
        assertThat(failure(reader("x_future_attribute=1\n"))).as("cut off").isEqualTo(Kind.TRUNCATED);
    }

    @Test
    void crBeforeLfAndStrayEmptyLinesAreTolerated() throws IOException {
        Feed r = reader("\n\nprotocol_state=RCPT\r\nhelo_name=mx.example.org\r\n\r\n");
        assertThat(r.next().helo()).isEqualTo("mx.example.org");
        assertThat(r.next()).isNull();
    }

    @Test
    void utf8ValuesAreDecoded() throws IOException {
        assertThat(reader("sender=jösé@bücher.example\n\n").next().sender()).isEqualTo("jösé@bücher.example");
    }

    @Test
    void aLineWithoutEqualsOrNameIsMalformed() {
        assertThat(failure(reader("protocol_state=RCPT\nthis is not an attribute\n\n"))).isEqualTo(Kind.MALFORMED_LINE);
        assertThat(failure(reader("=value\n\n"))).isEqualTo(Kind.MALFORMED_LINE);
    }

    @Test
    void theLineLimitCountsTheNewline() throws IOException {
        String exactly = "sender=" + "a".repeat(512 - "sender=".length() - 1) + "\n";
        assertThat(exactly).hasSize(512);
        assertThat(reader(exactly + "\n", 512, 4096).next().sender()).hasSize(512 - 8);
        assertThat(failure(reader("sender=a" + exactly + "\n", 512, 4096))).isEqualTo(Kind.LINE_TOO_LONG);
    }

    @Test
    void aRequestLargerThanTheLimitIsRefusedWhateverItsLines() {
        StringBuilder many = new StringBuilder();
        for (int i = 0; i < 100; i++) {
            many.append("attribute_").append(i).append("=").append("v".repeat(50)).append('\n');
        }
        assertThat(failure(reader(many + "\n", 512, 4096))).isEqualTo(Kind.REQUEST_TOO_LARGE);
    }

    @Test
    void aConnectionClosedInTheMiddleOfARequestIsTruncated() {
        assertThat(failure(reader("protocol_state=RCPT\nsender=a@exa"))).isEqualTo(Kind.TRUNCATED);
        assertThat(failure(reader("protocol_state=RCPT\n"))).isEqualTo(Kind.TRUNCATED);
    }

    @Test
    void otherKindsOfRequestAreNotAccessPolicy() throws IOException {
        assertThat(reader("request=something_else\n\n").next().isAccessPolicy()).isFalse();
        assertThat(reader("client_address=not-an-ip\n\n").next().clientAddress()).isEmpty();
        assertThat(reader("protocol_state=BDAT\n\n").next().state()).isEqualTo(ProtocolState.OTHER);
    }

    /** Reads in pieces of a few bytes: lines are put together across reads, the limits still exact. */
    private static Feed trickling(String text, int piece, int maxLine) {
        return new Feed(text, piece, maxLine, 32768);
    }

    @Test
    void linesArrivingInPiecesReadAsWhole() throws IOException {
        String exactly = "sender=" + "b".repeat(512 - "sender=".length() - 1) + "\n";
        for (int piece : new int[] {1, 2, 3, 7, 100, 511, 512, 513}) {
            Feed r = trickling("\r\nprotocol_state=RCPT\r\nhelo_name=mx.example.org\nx_other=1\n"
                    + exactly + "\ninstance=7\n\n", piece, 512);
            PolicyRequest first = r.next();
            assertThat(first.state()).isEqualTo(ProtocolState.RCPT);
            assertThat(first.helo()).isEqualTo("mx.example.org");
            assertThat(first.sender()).hasSize(512 - 8);
            assertThat(r.next().instance()).isEqualTo("7");
            assertThat(r.next()).isNull();
            assertThat(failure(trickling("sender=a" + exactly + "\n", piece, 512))).isEqualTo(Kind.LINE_TOO_LONG);
            assertThat(failure(trickling("sender=abc", piece, 512))).isEqualTo(Kind.TRUNCATED);
        }
    }
}
