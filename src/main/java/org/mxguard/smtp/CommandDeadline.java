package org.mxguard.smtp;

import java.io.FilterInputStream;
import java.io.IOException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;

/**
 * The socket's input, read with a deadline for a whole command line while one is being read, not
 * only a timeout for each read (as Postfix's {@code smtpd_per_record_deadline}): a slowloris
 * client that sends a byte every few seconds would otherwise keep its connection for ever, every
 * read well within the timeout. Outside a command (the banner, DATA) the socket's own timeout
 * applies, read by read.
 */
final class CommandDeadline extends FilterInputStream {
    private final Socket socket;
    private boolean running;
    private long deadline; // System.nanoTime() when running

    CommandDeadline(Socket socket) throws IOException {
        super(socket.getInputStream());
        this.socket = socket;
    }

    /** The next command line must be complete within {@code timeout} from now. */
    void start(Duration timeout) {
        deadline = System.nanoTime() + timeout.toNanos();
        running = true;
    }

    void stop() {
        running = false;
    }

    @Override
    public int read() throws IOException {
        beforeRead();
        return super.read();
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        beforeRead();
        return super.read(b, off, len);
    }

    private void beforeRead() throws IOException {
        if (!running) {
            return;
        }
        long left = deadline - System.nanoTime();
        if (left <= 0) {
            throw new SocketTimeoutException("command not complete within its deadline");
        }
        // rounded up: a timeout cut to the millisecond would end the command before its deadline
        socket.setSoTimeout((int) Math.min(Integer.MAX_VALUE, (left + 999_999) / 1_000_000));
    }
}
