package org.mxguard.postfix;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.statistics.Statistics;

/**
 * Every event and reply survives encoding and decoding unchanged, and any octets at all give an
 * event, a clean end, an {@link EOFException} or a {@link MilterProtocolException}: nothing else
 * (no index or number exception from a hostile length or string), and never more than the frame.
 */
class MilterCodecPropertiesTest {
    private static final int LIMIT = 4096;

    @Property
    void eventsRoundTrip(@ForAll("events") MilterEvent event) throws IOException {
        byte[] wire = MilterCodec.frame(event).bytes();
        ByteArrayInputStream in = new ByteArrayInputStream(wire);
        assertThat(MilterCodec.event(MilterFrame.read(in, Integer.MAX_VALUE).orElseThrow())).isEqualTo(event);
        assertThat(in.available()).isZero();
    }

    @Property
    void repliesRoundTrip(@ForAll("replies") MilterReply reply) throws IOException {
        byte[] wire = MilterCodec.frame(reply).bytes();
        assertThat(MilterCodec.reply(MilterFrame.read(new ByteArrayInputStream(wire), Integer.MAX_VALUE).orElseThrow()))
                .isEqualTo(reply);
    }

    @Property(tries = 3000)
    void anyOctetsGiveAnEventOrAProtocolError(@ForAll("packets") byte[] bytes) {
        ByteArrayInputStream in = new ByteArrayInputStream(bytes);
        String outcome;
        try {
            Optional<MilterFrame> frame = MilterFrame.read(in, LIMIT);
            if (frame.isEmpty()) {
                outcome = "end";
            } else {
                assertThat(bytes.length - in.available()).isEqualTo(4 + frame.get().length());
                MilterCodec.event(frame.get());
                outcome = "event";
            }
        } catch (EOFException e) {
            outcome = "eof";
        } catch (MilterProtocolException e) {
            outcome = "protocol";
        } catch (IOException | RuntimeException e) {
            throw new AssertionError("neither an event nor a protocol error", e);
        }
        Statistics.label("outcome").collect(outcome).coverage(c -> {
            for (String reached : List.of("event", "eof", "protocol")) {
                c.check(reached).count(n -> n > 0);
            }
        });
    }

    /** Mostly well-formed frames with a damaged length, command or data, so that decoding is reached. */
    @Provide
    Arbitrary<byte[]> packets() {
        Arbitrary<byte[]> wellFormed = events().map(e -> MilterCodec.frame(e).bytes());
        Arbitrary<byte[]> damaged = Combinators.combine(wellFormed, Arbitraries.integers().between(0, 64),
                Arbitraries.bytes()).as((wire, at, value) -> {
                    byte[] copy = wire.clone();
                    copy[Math.min(at, copy.length - 1)] = value;
                    return copy;
                });
        Arbitrary<byte[]> cut = wellFormed.filter(w -> w.length > 1).flatMap(w ->
                Arbitraries.integers().between(1, w.length - 1).map(n -> java.util.Arrays.copyOf(w, n)));
        Arbitrary<byte[]> random = Arbitraries.bytes().array(byte[].class).ofMaxSize(40);
        return Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(3, wellFormed), net.jqwik.api.Tuple.of(5, damaged),
                net.jqwik.api.Tuple.of(2, cut), net.jqwik.api.Tuple.of(2, random));
    }

    private static Arbitrary<String> text() {
        // any code points but NUL and lone surrogates, which UTF-8 cannot carry
        return Arbitraries.strings().withCharRange('\u0001', '\ud7ff').ofMaxLength(30);
    }

    @Provide
    Arbitrary<MilterEvent> events() {
        Arbitrary<Integer> ints = Arbitraries.integers();
        Arbitrary<Character> stage = Arbitraries.of('C', 'H', 'M', 'R', 'N', 'E', 'T');
        Arbitrary<Map<String, String>> macros = Arbitraries.maps(text(), text()).ofMaxSize(4);
        Arbitrary<MilterEvent.Family> family = Arbitraries.of(MilterEvent.Family.class);
        Arbitrary<MilterEvent> connect = Combinators.combine(text(), family, Arbitraries.integers().between(0, 65535), text())
                .as((h, f, p, a) -> f == MilterEvent.Family.UNKNOWN ? new MilterEvent.Connect(h, f, 0, "")
                        : new MilterEvent.Connect(h, f, p, a));
        Arbitrary<List<String>> arguments = text().list().ofMinSize(1).ofMaxSize(3);
        return Arbitraries.oneOf(
                Combinators.combine(ints, ints, ints).as(MilterEvent.Negotiate::new),
                Combinators.combine(stage, macros).as(MilterEvent.Macros::new),
                connect,
                text().map(MilterEvent.Helo::new),
                arguments.map(MilterEvent.Mail::new),
                arguments.map(MilterEvent.Recipient::new),
                Combinators.combine(text(), text()).as(MilterEvent.Header::new),
                Arbitraries.integers().between(0, 100).map(MilterEvent.Body::new),
                text().map(MilterEvent.Unknown::new),
                Arbitraries.of(new MilterEvent.EndOfHeaders(), new MilterEvent.EndOfMessage(), new MilterEvent.Abort(),
                        new MilterEvent.Quit(), new MilterEvent.QuitNewConnection(), new MilterEvent.Data()));
    }

    @Provide
    Arbitrary<MilterReply> replies() {
        Arbitrary<Integer> ints = Arbitraries.integers();
        Arbitrary<String> line = Combinators.combine(Arbitraries.of("4", "5"), Arbitraries.strings().numeric().ofLength(2),
                Arbitraries.strings().withCharRange(' ', '~').ofMaxLength(40)).as((a, b, t) -> a + b + " " + t);
        return Arbitraries.oneOf(
                Combinators.combine(ints, ints, ints).as(MilterReply.Negotiate::new),
                line.map(MilterReply.ReplyCode::new),
                Combinators.combine(text(), text()).as(MilterReply.AddHeader::new),
                Combinators.combine(ints, text(), text()).as(MilterReply.InsertHeader::new),
                Combinators.combine(ints, text(), text()).as(MilterReply.ChangeHeader::new),
                Arbitraries.of(new MilterReply.Continue(), new MilterReply.Accept(), new MilterReply.Reject(),
                        new MilterReply.Tempfail()));
    }

    @Property
    void aLengthOverTheLimitIsRefusedBeforeItsDataIsRead(@ForAll @Size(min = 1, max = 64) byte[] data) {
        MilterFrame frame = new MilterFrame((byte) 'H', data);
        ByteArrayInputStream in = new ByteArrayInputStream(frame.bytes());
        try {
            MilterFrame.read(in, frame.length() - 1);
            throw new AssertionError("over the limit, taken");
        } catch (MilterProtocolException e) {
            assertThat(in.available()).as("only the length was read").isEqualTo(frame.length());
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
