package org.mxguard.postfix;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.util.Optional;

/**
 * The milter codec on whatever bytes an MTA (or anything that connects to the milter port) sends:
 * frames read with the server's length limit, each decoded as an event and as a reply.
 *
 * <p>What must hold: reading fails only with {@link MilterProtocolException} (a bad length) or
 * {@link EOFException} (the stream ended inside a frame), and no frame is longer than the limit;
 * decoding fails only with {@link MilterProtocolException}; whatever decodes is encoded to a frame
 * that decodes to the same event or reply again, so what mxguard understood and what it would say
 * about it agree.
 */
class MilterCodecFuzzTest {
    private static final int LIMIT = 4096;

    @FuzzTest
    void frames(byte[] input) throws IOException {
        ByteArrayInputStream in = new ByteArrayInputStream(input);
        while (true) {
            Optional<MilterFrame> read;
            try {
                read = MilterFrame.read(in, LIMIT);
            } catch (MilterProtocolException | EOFException e) {
                return; // the server ends the connection here
            }
            if (read.isEmpty()) {
                return;
            }
            MilterFrame frame = read.get();
            if (frame.length() > LIMIT) {
                throw new AssertionError("a frame of " + frame.length() + " bytes read with a limit of " + LIMIT);
            }
            try {
                MilterEvent event = MilterCodec.event(frame);
                MilterEvent again = MilterCodec.event(reread(MilterCodec.frame(event)));
                if (!again.equals(event)) {
                    throw new AssertionError("event " + event + " encoded and decoded is " + again);
                }
            } catch (MilterProtocolException e) {
                // a frame the server refuses: fine
            }
            try {
                MilterReply reply = MilterCodec.reply(frame);
                MilterReply again = MilterCodec.reply(reread(MilterCodec.frame(reply)));
                if (!again.equals(reply)) {
                    throw new AssertionError("reply " + reply + " encoded and decoded is " + again);
                }
            } catch (MilterProtocolException e) {
                // not a reply
            }
        }
    }

    /** The frame through its wire form, as the other side reads it. */
    private static MilterFrame reread(MilterFrame frame) throws IOException {
        ByteArrayInputStream wire = new ByteArrayInputStream(frame.bytes());
        MilterFrame read = MilterFrame.read(wire, Integer.MAX_VALUE).orElseThrow();
        if (wire.available() != 0) {
            throw new AssertionError("an encoded frame has " + wire.available() + " bytes after its end");
        }
        return read;
    }
}
