package org.mxguard.smtp;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Queue;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.mxguard.smtp.SmtpInput.CommandLineException;
import org.mxguard.smtp.SmtpInput.CommandLineException.Kind;

class SmtpInputTest {
    private static final long NO_LIMIT = Long.MAX_VALUE;

    // ---- command lines

    @Test
    void readsCommandLinesWithoutTheirCrlf() throws IOException {
        SmtpInput input = input("EHLO client.example\r\n\r\nQUIT\r\n");
        assertThat(input.readCommandLine()).isEqualTo("EHLO client.example");
        assertThat(input.readCommandLine()).isEmpty();
        assertThat(input.readCommandLine()).isEqualTo("QUIT");
        assertThatThrownBy(input::readCommandLine).isInstanceOf(EOFException.class);
    }

    @Test
    void decodesUtf8ForSmtputf8Addresses() throws IOException {
        SmtpInput input = new SmtpInput(new ByteArrayInputStream(
                "MAIL FROM:<jörg@bücher.example> SMTPUTF8\r\n".getBytes(UTF_8)));
        assertThat(input.readCommandLine()).isEqualTo("MAIL FROM:<jörg@bücher.example> SMTPUTF8");
    }

    @Test
    void invalidUtf8BecomesReplacementCharacters() throws IOException {
        SmtpInput input = new SmtpInput(new ByteArrayInputStream(new byte[] {'H', (byte) 0xff, 'I', '\r', '\n'}));
        assertThat(input.readCommandLine()).isEqualTo("H\uFFFDI");
    }

    /** RFC 5321 §4.5.3.1.4: 512 octets with the CRLF, so 510 before it. */
    @Test
    void commandLineOf512OctetsWithCrlfIsAccepted() throws IOException {
        String longest = "NOOP " + "x".repeat(505);
        assertThat(longest.length() + 2).isEqualTo(SmtpInput.COMMAND_LINE_LIMIT);
        SmtpInput input = input(longest + "\r\nQUIT\r\n");
        assertThat(input.readCommandLine()).isEqualTo(longest);
        assertThat(input.readCommandLine()).isEqualTo("QUIT");
    }

    @Test
    void commandLineOf513OctetsIsTooLongAndTheNextOneStillReads() throws IOException {
        SmtpInput input = input("NOOP " + "x".repeat(506) + "\r\nQUIT\r\n");
        assertKind(input, Kind.TOO_LONG);
        assertThat(input.readCommandLine()).isEqualTo("QUIT");
    }

    @Test
    void hugeCommandLineIsDiscardedThroughItsLf() throws IOException {
        SmtpInput input = input("x".repeat(100_000) + "\r\nRSET\r\n");
        assertKind(input, Kind.TOO_LONG);
        assertThat(input.readCommandLine()).isEqualTo("RSET");
    }

    @Test
    void bareLfEndsNothingButTheBadLine() throws IOException {
        SmtpInput input = input("HELO a\nQUIT\r\n");
        assertKind(input, Kind.BARE_LINE_END);
        assertThat(input.readCommandLine()).isEqualTo("QUIT");
    }

    @Test
    void bareCrInsideALineIsRefusedThroughItsLf() throws IOException {
        SmtpInput input = input("HELO a\rRCPT TO:<x@y>\r\nHELO b\r\r\n\rQUIT\r\nQUIT\r\n");
        assertKind(input, Kind.BARE_LINE_END);
        assertKind(input, Kind.BARE_LINE_END);
        assertKind(input, Kind.BARE_LINE_END);
        assertThat(input.readCommandLine()).isEqualTo("QUIT");
    }

    /** The longest line with a stray CR in the last place: the CR is reported, not the length. */
    @Test
    void bareCrAtTheLimitIsABareLineEnd() throws IOException {
        SmtpInput input = input("x".repeat(510) + "\rx\r\nQUIT\r\n");
        assertKind(input, Kind.BARE_LINE_END);
        assertThat(input.readCommandLine()).isEqualTo("QUIT");
    }

    @Test
    void connectionClosedMidLineIsEndOfInput() {
        for (String wire : new String[] {"", "QUI", "QUIT\r", "x".repeat(600), "HELO a\rb"}) {
            assertThatThrownBy(input(wire)::readCommandLine).as(wire).isInstanceOf(EOFException.class);
        }
    }

    @Test
    void pipelinedCommandsInOneReadComeOutOneByOne() throws IOException {
        SmtpInput input = input("MAIL FROM:<a@b.example>\r\nRCPT TO:<c@d.example>\r\nDATA\r\n");
        assertThat(input.readCommandLine()).isEqualTo("MAIL FROM:<a@b.example>");
        assertThat(input.hasPendingInput()).isTrue();
        assertThat(input.readCommandLine()).isEqualTo("RCPT TO:<c@d.example>");
        assertThat(input.readCommandLine()).isEqualTo("DATA");
        assertThat(input.hasPendingInput()).isFalse();
    }

    // ---- DATA

    @Test
    void dataIsUnstuffedWithItsCrlfsKept() throws IOException {
        SmtpInput input = input("Subject: hi\r\n\r\n..\r\n...x\r\nb.c\r\n..\r\n.\r\nQUIT\r\n");
        Read read = readData(input, NO_LIMIT);
        assertThat(read.content()).isEqualTo("Subject: hi\r\n\r\n.\r\n..x\r\nb.c\r\n.\r\n");
        assertThat(read.outcome()).isEqualTo(new DataOutcome(read.content().length(), false, false, false));
        assertThat(read.outcome().clean()).isTrue();
        assertThat(input.readCommandLine()).isEqualTo("QUIT");
    }

    /** RFC 5321 §4.5.2: a leading dot is dropped even when the client did not double it. */
    @Test
    void aLeadingDotIsDroppedEvenWhenNotDoubled() throws IOException {
        assertThat(readData(input(".x\r\n.\r\n"), NO_LIMIT).content()).isEqualTo("x\r\n");
    }

    @Test
    void emptyMessageIsJustTheTerminator() throws IOException {
        SmtpInput input = input(".\r\nQUIT\r\n");
        Read read = readData(input, NO_LIMIT);
        assertThat(read.content()).isEmpty();
        assertThat(read.outcome()).isEqualTo(new DataOutcome(0, false, false, false));
        assertThat(input.readCommandLine()).isEqualTo("QUIT");
    }

    static Stream<Arguments> smuggling() {
        return Stream.of(
                Arguments.of("body\n.\n", "body\n.\n"),
                Arguments.of("body\n.\r\n", "body\n.\r\n"),
                Arguments.of("body\r.\r\n", "body\r.\r\n"),
                Arguments.of("body\r\n.\n", "body\r\n\n"),
                Arguments.of("body\r\n.\r", "body\r\n\r"),
                Arguments.of("body\r\n.\r\r\n", "body\r\n\r\r\n"),
                Arguments.of("body\r\n\n.\r\n", "body\r\n\n.\r\n"),
                Arguments.of("body\r\n\r.\r\n", "body\r\n\r.\r\n"),
                Arguments.of(".\n", "\n"),
                Arguments.of("\n.\r\n", "\n.\r\n"));
    }

    /** A dot line that a lax server would take for the end must not end it here: SMTP smuggling. */
    @ParameterizedTest
    @MethodSource("smuggling")
    void onlyCrlfDotCrlfEndsTheData(String sent, String unstuffed) throws IOException {
        String smuggled = "MAIL FROM:<evil@example.com>\r\n";
        SmtpInput input = input(sent + smuggled + ".\r\nQUIT\r\n");
        Read read = readData(input, NO_LIMIT);
        assertThat(read.content()).isEqualTo(unstuffed + smuggled);
        assertThat(read.outcome().bareLineEnd()).isTrue();
        assertThat(read.outcome().clean()).isFalse();
        assertThat(input.readCommandLine()).isEqualTo("QUIT");
    }

    @Test
    void bareCrOrLfInsideTheContentIsRecorded() throws IOException {
        assertThat(readData(input("a\rb\r\n.\r\n"), NO_LIMIT).outcome().bareLineEnd()).isTrue();
        assertThat(readData(input("a\nb\r\n.\r\n"), NO_LIMIT).outcome().bareLineEnd()).isTrue();
        assertThat(readData(input("a\r\n\r\n.\r\n"), NO_LIMIT).outcome().bareLineEnd()).isFalse();
    }

    @Test
    void contentBeyondTheLimitIsCountedNotWritten() throws IOException {
        String content = "0123456789\r\n".repeat(10);
        SmtpInput input = input(content + ".\r\nQUIT\r\n");
        Read read = readData(input, 50);
        assertThat(read.content()).isEqualTo(content.substring(0, 50));
        assertThat(read.outcome()).isEqualTo(new DataOutcome(120, true, false, false));
        assertThat(input.readCommandLine()).isEqualTo("QUIT");
    }

    @Test
    void theLimitCountsUnstuffedOctetsAndIsInclusive() throws IOException {
        Read exact = readData(input("..a\r\n.\r\n"), 4);
        assertThat(exact.content()).isEqualTo(".a\r\n");
        assertThat(exact.outcome().tooBig()).isFalse();

        Read nothing = readData(input("a\r\n.\r\n"), 0);
        assertThat(nothing.content()).isEmpty();
        assertThat(nothing.outcome()).isEqualTo(new DataOutcome(3, true, false, false));
    }

    /** RFC 5321 §4.5.3.1.6: 1000 octets with the CRLF, not counting a stuffed dot. */
    @Test
    void textLineOf1000OctetsIsFineAnd1001IsTooLong() throws IOException {
        String longest = "x".repeat(998) + "\r\n";
        assertThat(longest).hasSize(SmtpInput.TEXT_LINE_LIMIT);
        assertThat(readData(input(longest + ".\r\n"), NO_LIMIT).outcome().clean()).isTrue();
        assertThat(readData(input("..".concat("x".repeat(997)) + "\r\n.\r\n"), NO_LIMIT).outcome().clean()).isTrue();

        SmtpInput input = input("a\r\n" + "x".repeat(999) + "\r\nb\r\n.\r\nQUIT\r\n");
        Read read = readData(input, NO_LIMIT);
        assertThat(read.outcome()).isEqualTo(new DataOutcome(3 + 1001 + 3, false, false, true));
        assertThat(input.readCommandLine()).isEqualTo("QUIT");
    }

    @Test
    void connectionClosedBeforeTheEndOfDataIsEndOfInput() {
        for (String wire : new String[] {"", "a\r\n", "a\r\n.", "a\r\n.\r", "a\r\n.\n"}) {
            assertThatThrownBy(() -> readData(input(wire), NO_LIMIT)).as(wire).isInstanceOf(EOFException.class);
        }
    }

    /** The reader sees every message: plain text must go out a buffer at a time, not an octet at a time. */
    @Test
    void plainTextIsWrittenInChunks() throws IOException {
        String content = ("x".repeat(76) + "\r\n").repeat(2000);
        CountingOutput out = new CountingOutput();
        DataOutcome outcome = input(content + ".\r\n").readData(out, NO_LIMIT);
        assertThat(out.bytes).isEqualTo(content.length());
        assertThat(outcome.bytes()).isEqualTo(content.length());
        assertThat(out.singleOctetWrites).isZero();
        assertThat(out.writes).isLessThanOrEqualTo(content.length() / 8192 + 2);
    }

    // ---- reads split anywhere

    private static final String SESSION = "EHLO c.example\r\nMAIL FROM:<a@b.example>\r\nDATA\r\n"
            + "..stuffed\r\nx\n.\ny\r.\r\nz\r\n.\rw\r\n\r\n.\r\nNOOP\r\n" + "x".repeat(520) + "\r\nHELO a\nQUIT\r\n";

    private static final String SESSION_CONTENT = ".stuffed\r\nx\n.\ny\r.\r\nz\r\n\rw\r\n\r\n";

    /** What {@link #SESSION} reads as, one entry per read. */
    private static final List<String> SESSION_READ = List.of("EHLO c.example", "MAIL FROM:<a@b.example>", "DATA",
            "data " + SESSION_CONTENT + " " + new DataOutcome(SESSION_CONTENT.length(), false, true, false), "NOOP",
            "TOO_LONG", "BARE_LINE_END", "QUIT", "EOF");

    @Test
    void oneOctetPerReadReadsTheSame() throws IOException {
        byte[] wire = SESSION.getBytes(ISO_8859_1);
        assertThat(session(new SmtpInput(new Chunked(wire, 1)))).isEqualTo(SESSION_READ);
    }

    @Test
    void aSplitAtAnyOneOrTwoPlacesReadsTheSame() throws IOException {
        byte[] wire = SESSION.getBytes(ISO_8859_1);
        for (int first = 0; first <= wire.length; first++) {
            for (int second = first; second <= wire.length; second += 7) {
                InputStream in = new Splits(wire, first, second);
                assertThat(session(new SmtpInput(in))).as("split at %d and %d", first, second).isEqualTo(SESSION_READ);
            }
        }
    }

    @Test
    void terminatorSplitFromItsCrlfAtTheBufferBoundary() throws IOException {
        for (int shift = 0; shift < 6; shift++) {
            String content = "x".repeat(8192 - 2 - shift) + "\r\n";
            SmtpInput input = input(content + ".\r\nQUIT\r\n");
            assertThat(readData(input, NO_LIMIT).content()).isEqualTo(content);
            assertThat(input.readCommandLine()).isEqualTo("QUIT");
        }
    }

    /** Reads {@link #SESSION} as a server would: DATA content after the DATA command. */
    private static List<String> session(SmtpInput input) throws IOException {
        List<String> read = new ArrayList<>();
        while (true) {
            try {
                String line = input.readCommandLine();
                read.add(line);
                if (line.equals("DATA")) {
                    Read data = readData(input, NO_LIMIT);
                    read.add("data " + data.content() + " " + data.outcome());
                }
            } catch (CommandLineException e) {
                read.add(e.kind().name());
            } catch (EOFException e) {
                read.add("EOF");
                return read;
            }
        }
    }

    // ---- pending input

    @Test
    void pendingInputSeesTheStreamAndTheBuffer() throws IOException {
        ClientStream client = new ClientStream();
        SmtpInput input = new SmtpInput(client);
        assertThat(input.hasPendingInput()).isFalse();

        client.send("EHLO early.example\r\n"); // before the greeting
        assertThat(input.hasPendingInput()).isTrue();
        assertThat(input.readCommandLine()).isEqualTo("EHLO early.example");
        assertThat(input.hasPendingInput()).isFalse();

        client.send("MAIL FROM:<a@b.example>\r\nRCPT TO:<c@d.example>\r\n");
        assertThat(input.readCommandLine()).isEqualTo("MAIL FROM:<a@b.example>");
        assertThat(client.available()).isZero();
        assertThat(input.hasPendingInput()).as("the RCPT is in the buffer").isTrue();
        assertThat(input.readCommandLine()).isEqualTo("RCPT TO:<c@d.example>");
        assertThat(input.hasPendingInput()).isFalse();
    }

    // ---- helpers

    private static void assertKind(SmtpInput input, Kind kind) {
        assertThatThrownBy(input::readCommandLine).isInstanceOfSatisfying(CommandLineException.class,
                e -> assertThat(e.kind()).isEqualTo(kind));
    }

    static SmtpInput input(String wire) {
        return new SmtpInput(new ByteArrayInputStream(wire.getBytes(ISO_8859_1)));
    }

    record Read(String content, DataOutcome outcome) {
    }

    static Read readData(SmtpInput input, long maxBytes) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        DataOutcome outcome = input.readData(out, maxBytes);
        return new Read(out.toString(ISO_8859_1), outcome);
    }

    /** Hands out the bytes in reads of the given sizes, round and round. */
    static final class Chunked extends InputStream {
        private final byte[] data;
        private final int[] sizes;
        private int pos;
        private int next;

        Chunked(byte[] data, int... sizes) {
            this.data = data;
            this.sizes = sizes;
        }

        @Override
        public int read() {
            return pos < data.length ? data[pos++] & 0xff : -1;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (pos == data.length) {
                return -1;
            }
            int n = Math.min(Math.min(len, sizes[next++ % sizes.length]), data.length - pos);
            System.arraycopy(data, pos, b, off, n);
            pos += n;
            return n;
        }

        @Override
        public int available() {
            return data.length - pos;
        }
    }

    /** Hands out the bytes in up to three reads, split at the given places. */
    private static final class Splits extends InputStream {
        private final byte[] data;
        private final Queue<Integer> ends = new ArrayDeque<>();
        private int pos;

        Splits(byte[] data, int... splits) {
            this.data = data;
            Arrays.stream(splits).filter(s -> s > 0).forEach(ends::add);
            ends.add(data.length);
        }

        @Override
        public int read() {
            throw new AssertionError("the reader reads in blocks");
        }

        @Override
        public int read(byte[] b, int off, int len) {
            while (!ends.isEmpty() && ends.peek() <= pos) {
                ends.remove();
            }
            if (ends.isEmpty()) {
                return -1;
            }
            int n = Math.min(len, ends.peek() - pos);
            System.arraycopy(data, pos, b, off, n);
            pos += n;
            return n;
        }
    }

    /** A client connection: what was sent so far is available; nothing more means closed. */
    private static final class ClientStream extends InputStream {
        private final ByteArrayOutputStream unread = new ByteArrayOutputStream();
        private int pos;

        void send(String text) {
            unread.writeBytes(text.getBytes(ISO_8859_1));
        }

        @Override
        public int read() {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            byte[] all = unread.toByteArray();
            if (pos == all.length) {
                return -1;
            }
            int n = Math.min(len, all.length - pos);
            System.arraycopy(all, pos, b, off, n);
            pos += n;
            return n;
        }

        @Override
        public int available() {
            return unread.size() - pos;
        }
    }

    private static final class CountingOutput extends OutputStream {
        long bytes;
        int writes;
        int singleOctetWrites;

        @Override
        public void write(int b) {
            singleOctetWrites++;
            bytes++;
        }

        @Override
        public void write(byte[] b, int off, int len) {
            writes++;
            bytes += len;
        }
    }
}
