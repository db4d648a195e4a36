package org.mxguard.postfix;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One MTA connection on its own virtual thread: frames in, events to the {@link MilterConversation},
 * its replies out, until the MTA says QUIT or goes away. A broken packet, a packet over the limit
 * or a peer that goes quiet ends the connection: the MTA then applies its
 * {@code milter_default_action}, so no mail is lost to a confused milter.
 */
final class MilterSession implements Runnable {
    private static final Logger log = LoggerFactory.getLogger(MilterSession.class);

    private final Socket socket;
    private final MilterSetup setup;

    MilterSession(Socket socket, MilterSetup setup) {
        this.socket = socket;
        this.setup = setup;
    }

    @Override
    public void run() {
        String peer = socket.getInetAddress().getHostAddress();
        MilterConversation conversation = new MilterConversation(setup);
        try {
            socket.setSoTimeout((int) Math.min(Integer.MAX_VALUE, setup.settings().idleTimeout().toMillis()));
            socket.setTcpNoDelay(true);
            InputStream in = new BufferedInputStream(socket.getInputStream(), 8192);
            OutputStream out = new BufferedOutputStream(socket.getOutputStream(), 4096);
            while (!conversation.quit()) {
                Optional<MilterFrame> frame = MilterFrame.read(in, setup.settings().maxPacketBytes());
                if (frame.isEmpty()) {
                    log.debug("milter connection from {} closed by the MTA", peer);
                    return;
                }
                List<MilterReply> replies = conversation.on(MilterCodec.event(frame.get()));
                for (MilterReply reply : replies) {
                    out.write(MilterCodec.frame(reply).bytes());
                }
                if (!replies.isEmpty()) {
                    out.flush();
                }
            }
        } catch (MilterProtocolException e) {
            log.warn("milter connection from {}: {}; closed (the MTA applies its milter_default_action)", peer,
                    e.getMessage());
        } catch (EOFException e) {
            log.info("milter connection from {}: {}", peer, e.getMessage());
        } catch (SocketTimeoutException e) {
            log.info("milter connection from {}: nothing for {} s; closed", peer, setup.settings().idleTimeout().toSeconds());
        } catch (IOException e) {
            log.debug("milter connection from {} ended: {}", peer, e.toString());
        } finally {
            conversation.ended();
        }
    }
}
