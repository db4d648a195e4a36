package org.mxguard.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.constraints.LongRange;

/** DATA read back with any chunking: what a client stuffs comes back whole, and ends nowhere but at CRLF.CRLF. */
class SmtpInputPropertiesTest {
    private static final byte[] END_OF_DATA = {'.', '\r', '\n'};
    private static final byte[] NEXT_COMMAND = {'Q', 'U', 'I', 'T', '\r', '\n'};

    // ---- well-formed content: CRLF lines, some starting with dots

    @Provide
    Arbitrary<List<byte[]>> lines() {
        Arbitrary<Byte> octet = Arbitraries.frequencyOf(
                Tuple.of(3, Arbitraries.just((byte) '.')),
                Tuple.of(7, Arbitraries.bytes().filter(b -> b != '\r' && b != '\n')));
        Arbitrary<byte[]> line = Arbitraries.frequencyOf(
                Tuple.of(20, octet.array(byte[].class).ofMaxSize(12)),
                Tuple.of(1, octet.array(byte[].class).ofMinSize(990).ofMaxSize(1010)));
        return line.list().ofMaxSize(25);
    }

    @Provide
    Arbitrary<int[]> chunks() {
        return Arbitraries.frequencyOf(
                Tuple.of(4, Arbitraries.integers().between(1, 9)),
                Tuple.of(1, Arbitraries.integers().between(10, 9000)))
                .array(int[].class).ofMinSize(1).ofMaxSize(8);
    }

    @Property
    void stuffedContentReadsBackWhole(@ForAll("lines") List<byte[]> lines, @ForAll("chunks") int[] chunks)
            throws IOException {
        byte[] content = crlfLines(lines);
        SmtpInput input = new SmtpInput(new SmtpInputTest.Chunked(wire(stuffed(lines)), chunks));
        ByteArrayOutputStream out = new ByteArrayOutputStream();

        DataOutcome outcome = input.readData(out, Long.MAX_VALUE);

        assertThat(out.toByteArray()).isEqualTo(content);
        boolean anyLong = lines.stream().anyMatch(line -> line.length + 2 > SmtpInput.TEXT_LINE_LIMIT);
        assertThat(outcome).isEqualTo(new DataOutcome(content.length, false, false, anyLong));
        assertThat(input.readCommandLine()).isEqualTo("QUIT");
    }

    @Property
    void theLimitCutsTheCopyNotTheReading(@ForAll("lines") List<byte[]> lines, @ForAll("chunks") int[] chunks,
            @ForAll @LongRange(max = 400) long maxBytes) throws IOException {
        byte[] content = crlfLines(lines);
        SmtpInput input = new SmtpInput(new SmtpInputTest.Chunked(wire(stuffed(lines)), chunks));
        ByteArrayOutputStream out = new ByteArrayOutputStream();

        DataOutcome outcome = input.readData(out, maxBytes);

        assertThat(out.toByteArray()).isEqualTo(Arrays.copyOf(content, (int) Math.min(maxBytes, content.length)));
        assertThat(outcome.bytes()).isEqualTo(content.length);
        assertThat(outcome.tooBig()).isEqualTo(content.length > maxBytes);
        assertThat(input.readCommandLine()).isEqualTo("QUIT");
    }

    // ---- anything at all, then a real end of data

    @Provide
    Arbitrary<byte[]> anything() {
        Arbitrary<Byte> dense = Arbitraries.frequencyOf(
                Tuple.of(3, Arbitraries.of((byte) '.', (byte) '\r', (byte) '\n')),
                Tuple.of(2, Arbitraries.just((byte) 'x')),
                Tuple.of(2, Arbitraries.bytes()));
        Arbitrary<Byte> sparse = Arbitraries.frequencyOf(
                Tuple.of(1, Arbitraries.of((byte) '.', (byte) '\r', (byte) '\n')),
                Tuple.of(300, Arbitraries.just((byte) 'x')));
        // Pieces of near misses like "\n.\r\n" and "\r\n.\r" meet far more often than loose octets do.
        Arbitrary<byte[]> pieces = Arbitraries.of("\r\n", ".", "\r", "\n", "x", "\r\n.", ".\r", "\n.")
                .list().ofMaxSize(30)
                .map(list -> String.join("", list).getBytes(StandardCharsets.ISO_8859_1));
        return Arbitraries.oneOf(
                dense.array(byte[].class).ofMaxSize(60),
                sparse.array(byte[].class).ofMaxSize(3000),
                pieces);
    }

    @Property
    void dataEndsAtTheFirstRealCrlfDotCrlf(@ForAll("anything") byte[] prefix, @ForAll("chunks") int[] chunks)
            throws IOException {
        byte[] stream = concat(prefix, new byte[] {'\r', '\n'}, END_OF_DATA, NEXT_COMMAND);
        int end = firstEndOfData(stream);
        byte[] expected = unstuffed(stream, end);
        SmtpInput input = new SmtpInput(new SmtpInputTest.Chunked(stream, chunks));
        ByteArrayOutputStream out = new ByteArrayOutputStream();

        DataOutcome outcome = input.readData(out, Long.MAX_VALUE);

        assertThat(out.toByteArray()).isEqualTo(expected);
        assertThat(outcome).isEqualTo(new DataOutcome(expected.length, false,
                hasBareLineEnd(stream, end), hasLongLine(expected)));
        if (end == prefix.length + 2) {
            assertThat(input.readCommandLine()).isEqualTo("QUIT");
        }
    }

    // ---- the oracle, written plainly over whole arrays

    /** Where the first {@code .<CRLF>} at the start of the stream or right after a CRLF begins. */
    private static int firstEndOfData(byte[] s) {
        for (int k = 0; k + 3 <= s.length; k++) {
            boolean lineStart = k == 0 || k >= 2 && s[k - 2] == '\r' && s[k - 1] == '\n';
            if (lineStart && s[k] == '.' && s[k + 1] == '\r' && s[k + 2] == '\n') {
                return k;
            }
        }
        throw new AssertionError("no end of data");
    }

    /** {@code s[0, end)} without the dots at the start of the stream or right after a CRLF. */
    private static byte[] unstuffed(byte[] s, int end) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < end; i++) {
            boolean lineStart = i == 0 || i >= 2 && s[i - 2] == '\r' && s[i - 1] == '\n';
            if (!(lineStart && s[i] == '.')) {
                out.write(s[i]);
            }
        }
        return out.toByteArray();
    }

    private static boolean hasBareLineEnd(byte[] s, int end) {
        for (int i = 0; i < end; i++) {
            if (s[i] == '\r' && s[i + 1] != '\n' || s[i] == '\n' && (i == 0 || s[i - 1] != '\r')) {
                return true;
            }
        }
        return false;
    }

    /** Any CRLF-ended line of the content longer than the limit, its CRLF counted. */
    private static boolean hasLongLine(byte[] content) {
        int lineStart = 0;
        for (int i = 1; i < content.length; i++) {
            if (content[i - 1] == '\r' && content[i] == '\n') {
                if (i + 1 - lineStart > SmtpInput.TEXT_LINE_LIMIT) {
                    return true;
                }
                lineStart = i + 1;
            }
        }
        return false;
    }

    // ---- building what a client sends

    private static byte[] crlfLines(List<byte[]> lines) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] line : lines) {
            out.writeBytes(line);
            out.write('\r');
            out.write('\n');
        }
        return out.toByteArray();
    }

    /** As a client sends it (RFC 5321 §4.5.2): a line starting with a dot gets another. */
    private static byte[] stuffed(List<byte[]> lines) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] line : lines) {
            if (line.length > 0 && line[0] == '.') {
                out.write('.');
            }
            out.writeBytes(line);
            out.write('\r');
            out.write('\n');
        }
        return out.toByteArray();
    }

    private static byte[] wire(byte[] stuffedContent) {
        return concat(stuffedContent, END_OF_DATA, NEXT_COMMAND);
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }
}
