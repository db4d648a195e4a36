package org.mxguard.postfix;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;

/** The MTA's side of a milter connection, for tests: sends events (or raw octets) and reads replies. */
final class FakeMta implements AutoCloseable {
    private final Socket socket = new Socket();
    private final InputStream in;
    private final OutputStream out;

    FakeMta(InetSocketAddress milter) throws IOException {
        socket.connect(milter, 5000);
        socket.setSoTimeout(30_000);
        in = new BufferedInputStream(socket.getInputStream());
        out = socket.getOutputStream();
    }

    /** Sends an event that takes no reply (macros, abort, a header after SMFIP_NR_HDR). */
    void send(MilterEvent event) throws IOException {
        raw(MilterCodec.frame(event).bytes());
    }

    void raw(byte[] octets) throws IOException {
        out.write(octets);
        out.flush();
    }

    /** Sends an event and reads its one reply. */
    MilterReply ask(MilterEvent event) throws IOException {
        send(event);
        return read();
    }

    /** Sends the end of the message and reads the header changes up to the final reply. */
    List<MilterReply> endOfMessage() throws IOException {
        send(new MilterEvent.EndOfMessage());
        List<MilterReply> replies = new ArrayList<>();
        MilterReply r;
        do {
            r = read();
            replies.add(r);
        } while (r instanceof MilterReply.InsertHeader || r instanceof MilterReply.ChangeHeader
                || r instanceof MilterReply.AddHeader);
        return replies;
    }

    MilterReply read() throws IOException {
        return MilterCodec.reply(MilterFrame.read(in, 1 << 20).orElseThrow(() -> new IOException("milter closed")));
    }

    /** Whether the milter closed the connection (reads end), rather than answering. */
    boolean closedByMilter() throws IOException {
        return in.read() < 0;
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
