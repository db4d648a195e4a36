package org.mxguard.delivery;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

/**
 * The bytes of one SMTP session: reads replies and writes commands and message blocks, each within
 * the time of the current stage. Reads are bounded by the socket's SO_TIMEOUT; writes by a
 * watchdog that closes the socket, because a blocked socket write has no timeout of its own.
 */
final class SmtpWire implements Closeable {
    /** RFC 5321 §4.5.3.1.5 allows 512 octets; be lenient with servers that send more. */
    private static final int MAX_LINE = 4096;
    private static final int MAX_LINES = 200;
    private static final int BLOCK = 64 * 1024;

    private static final ScheduledExecutorService WATCHDOG = watchdog();

    private final Socket tcp;
    private Socket socket;
    private InputStream in;
    private OutputStream out;
    private Duration stageTimeout = Duration.ofMinutes(5);
    private volatile boolean writeTimedOut;

    SmtpWire(Socket connected) throws IOException {
        this.tcp = connected;
        this.socket = connected;
        openStreams();
    }

    /** Sets the time allowed for each read and each write from now on. */
    void stage(Duration timeout) throws IOException {
        stageTimeout = timeout;
        socket.setSoTimeout(Math.toIntExact(Math.max(1, timeout.toMillis())));
    }

    Duration stageTimeout() {
        return stageTimeout;
    }

    /** Queues one command line; {@link #flush()} sends it. */
    void command(String line) throws IOException {
        out.write(line.getBytes(StandardCharsets.UTF_8));
        out.write('\r');
        out.write('\n');
    }

    /** Where the message goes, in blocks of at most 64 KiB each bounded by the stage's time. */
    OutputStream data() {
        return out;
    }

    void flush() throws IOException {
        out.flush();
    }

    /** Reads one whole reply, single- or multi-line. */
    /** QUIT and its reply, ignoring any trouble: the session is over either way. */
    void quitQuietly(Duration timeout) {
        try {
            stage(timeout);
            command("QUIT");
            flush();
            readReply();
        } catch (IOException ignored) {
            // leaving anyway
        }
    }

    SmtpReply readReply() throws IOException {
        List<String> lines = new ArrayList<>();
        while (true) {
            String line = readLine();
            lines.add(line);
            if (SmtpReply.isLastLine(line)) {
                break;
            }
            if (lines.size() >= MAX_LINES) {
                throw new SmtpProtocolException("reply longer than " + MAX_LINES + " lines");
            }
        }
        try {
            return SmtpReply.parse(lines);
        } catch (IllegalArgumentException e) {
            throw new SmtpProtocolException("malformed reply: " + e.getMessage());
        }
    }

    /**
     * Starts TLS over the TCP connection. Whatever the server sent in plaintext after its 220 and
     * before the handshake is dropped with the old stream (RFC 3207 §4.2: nothing from before TLS
     * may be trusted, cf. the STARTTLS command injection flaw CVE-2011-0411).
     */
    void startTls(SSLSocketFactory factory, String peerName) throws IOException {
        SSLSocket tls = (SSLSocket) factory.createSocket(tcp, peerName, tcp.getPort(), true);
        tls.setUseClientMode(true);
        tls.setSoTimeout(tcp.getSoTimeout());
        tls.startHandshake();
        socket = tls;
        openStreams();
    }

    /** The TLS session, when TLS was started. */
    SSLSession tlsSession() {
        return socket instanceof SSLSocket tls ? tls.getSession() : null;
    }

    /** True when the last failed write failed because the watchdog closed the socket. */
    boolean writeTimedOut() {
        return writeTimedOut;
    }

    Socket tcp() {
        return tcp;
    }

    boolean isClosed() {
        return tcp.isClosed();
    }

    /** Closes without a word (QUIT is the connection's business). */
    @Override
    public void close() {
        try {
            tcp.close();
        } catch (IOException ignored) {
            // closing: nothing left to do about it
        }
    }

    private void openStreams() throws IOException {
        in = new BufferedInputStream(socket.getInputStream(), 8192);
        out = new BufferedOutputStream(new DeadlineOutput(socket.getOutputStream()), BLOCK);
    }

    private String readLine() throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream(128);
        while (true) {
            int b = in.read();
            if (b < 0) {
                throw new EOFException(line.size() == 0 ? "connection closed by the server"
                        : "connection closed by the server in the middle of a reply line");
            }
            if (b == '\n') {
                byte[] bytes = line.toByteArray();
                int length = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
                // Reply text is meant to be ASCII; undecodable octets become U+FFFD, never an error.
                return new String(bytes, 0, length, StandardCharsets.UTF_8);
            }
            if (line.size() >= MAX_LINE) {
                throw new SmtpProtocolException("reply line longer than " + MAX_LINE + " octets");
            }
            line.write(b);
        }
    }

    /** Each write must finish within the stage's time, or the socket is closed under it. */
    private final class DeadlineOutput extends OutputStream {
        private final OutputStream target;

        DeadlineOutput(OutputStream target) {
            this.target = target;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            ScheduledFuture<?> alarm = WATCHDOG.schedule(this::expire, stageTimeout.toNanos(), TimeUnit.NANOSECONDS);
            try {
                target.write(b, off, len);
            } finally {
                alarm.cancel(false);
            }
        }

        @Override
        public void flush() throws IOException {
            target.flush();
        }

        private void expire() {
            writeTimedOut = true;
            SmtpWire.this.close();
        }
    }

    private static ScheduledExecutorService watchdog() {
        ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1, runnable -> {
            Thread t = new Thread(runnable, "smtp-write-watchdog");
            t.setDaemon(true);
            return t;
        });
        executor.setRemoveOnCancelPolicy(true);
        return executor;
    }

    /** The server broke the protocol: a reply that cannot be read. */
    static final class SmtpProtocolException extends IOException {
        SmtpProtocolException(String message) {
            super(message);
        }
    }
}
