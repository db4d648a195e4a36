package org.mxguard.smtp;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import org.mxguard.smtp.TlsFilesException.Problem;

/**
 * The server side of STARTTLS (RFC 3207): the {@link SSLContext} made once from the configured
 * PEM files, and the upgrade of one accepted connection after the {@code 220 Ready to start TLS}.
 *
 * <p>Only TLS 1.2 and 1.3 are negotiated ({@link #PROTOCOLS}), whatever the JDK's own settings
 * would allow: {@link #upgrade} sets them on every socket. No client certificate is asked for.
 *
 * <p>In a session, {@code STARTTLS}:
 * <ol>
 * <li>is offered in the EHLO reply, and taken, only when a context is configured and TLS is not
 *     active yet (else 502, or 554 5.5.1 once active); it takes no argument (501 5.5.4);</li>
 * <li>must be the last command the client sent: when {@link SmtpInput#hasPendingInput()} is true
 *     after reading it, the rest is plaintext that must not be taken as if it came over TLS
 *     (CVE-2011-0411 command injection), so the session refuses it;</li>
 * <li>is answered {@code 220 2.0.0 Ready to start TLS}, flushed, then {@link #upgrade}; reading and
 *     writing go on through a new {@link SmtpInput} and output stream on the TLS socket;</li>
 * <li>resets the session (RFC 3207 §4.2): HELO name, transaction, everything learnt in plaintext;
 *     the client must EHLO again, and that EHLO does not offer STARTTLS;</li>
 * <li>ends with {@link #close(SSLSocket)} rather than {@link SSLSocket#close()}.</li>
 * </ol>
 */
public final class ServerTls {
    /** The protocols offered, newest first. */
    public static final List<String> PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");
    /**
     * The longest wait for each read or write of the handshake: Postfix's
     * {@code smtpd_starttls_timeout}, 300 s. Like the command timeout, it bounds each wait, not
     * the whole handshake: a client that dribbles holds only its own virtual thread.
     */
    public static final Duration DEFAULT_HANDSHAKE_TIMEOUT = Duration.ofSeconds(300);

    private static final char[] STORE_PASSWORD = "mxguard".toCharArray(); // in memory only

    private ServerTls() {
    }

    /**
     * A connection after a successful handshake.
     *
     * @param socket the TLS socket; read and write through it from now on (closing it closes the
     *               plain socket too)
     * @param tls    the protocol and cipher suite agreed, for the {@code Received:} field and the log
     */
    public record Upgraded(SSLSocket socket, ReceivedHeader.Tls tls) {
        public Upgraded {
            Objects.requireNonNull(socket, "socket");
            Objects.requireNonNull(tls, "tls");
        }
    }

    /**
     * The handshake failed or timed out; the connection is closed already and nothing more can be
     * said on it (not even a 421: it is neither plaintext nor TLS any more). Deliberately not a
     * {@link SocketTimeoutException}, so that a session's timeout handler does not try to reply.
     */
    public static final class HandshakeException extends IOException {
        private final boolean timedOut;

        HandshakeException(String message, boolean timedOut, IOException cause) {
            super(message, cause);
            this.timedOut = timedOut;
        }

        /** True when the client stopped talking during the handshake. */
        public boolean timedOut() {
            return timedOut;
        }
    }

    /**
     * The server context for STARTTLS from the PEM certificate chain and private key: read both,
     * check that the key belongs to the first certificate, and build a TLS context holding them.
     * Done once when the listener starts, so that a wrong file stops it there with a clear message
     * instead of failing every client's STARTTLS.
     *
     * @throws TlsFilesException naming the file and what is wrong with it
     */
    public static SSLContext context(Path certificateFile, Path keyFile) throws TlsFilesException {
        List<X509Certificate> chain = PemKeys.certificates(certificateFile);
        PrivateKey key = PemKeys.privateKey(keyFile);
        PemKeys.checkPair(chain, certificateFile, key, keyFile);
        try {
            return context(chain, key);
        } catch (GeneralSecurityException e) {
            throw new TlsFilesException(keyFile, Problem.UNSUPPORTED_KEY, "the key and the certificate in "
                    + certificateFile + " cannot be used for TLS: " + e.getMessage(), e);
        }
    }

    /** The context for a chain (own certificate first) and its key, already checked to match. */
    static SSLContext context(List<X509Certificate> chain, PrivateKey key) throws GeneralSecurityException {
        KeyStore store = KeyStore.getInstance("PKCS12");
        try {
            store.load(null, null);
        } catch (IOException e) {
            throw new IllegalStateException("cannot make an empty key store", e);
        }
        store.setKeyEntry("mxguard", key, STORE_PASSWORD, chain.toArray(new X509Certificate[0]));
        KeyManagerFactory keys = KeyManagerFactory.getInstance("PKIX");
        keys.init(store, STORE_PASSWORD);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(keys.getKeyManagers(), null, null);
        return context;
    }

    /** {@link #upgrade(Socket, SSLContext, Duration)} with {@link #DEFAULT_HANDSHAKE_TIMEOUT}. */
    public static Upgraded upgrade(Socket plain, SSLContext context) throws HandshakeException {
        return upgrade(plain, context, DEFAULT_HANDSHAKE_TIMEOUT);
    }

    /**
     * Turns an accepted connection into a TLS one, as its server, and completes the handshake.
     * Call it right after flushing {@code 220 2.0.0 Ready to start TLS}, with no plaintext of the
     * client's left unread: whatever the client sends from now on is TLS. The socket's read
     * timeout is {@code timeout} during the handshake and is restored after it.
     *
     * @throws HandshakeException the handshake failed or timed out; {@code plain} is closed
     */
    public static Upgraded upgrade(Socket plain, SSLContext context, Duration timeout) throws HandshakeException {
        Objects.requireNonNull(plain, "plain");
        Objects.requireNonNull(context, "context");
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("the handshake timeout must be positive: " + timeout);
        }
        InetAddress client = plain.getInetAddress();
        String who = client == null ? "the client" : client.getHostAddress();
        SSLSocket tls = null;
        try {
            int previous = plain.getSoTimeout();
            tls = (SSLSocket) context.getSocketFactory().createSocket(plain, null, plain.getPort(), true);
            tls.setUseClientMode(false);
            SSLParameters parameters = tls.getSSLParameters();
            parameters.setProtocols(protocols(tls.getSupportedProtocols()));
            parameters.setUseCipherSuitesOrder(true);
            parameters.setNeedClientAuth(false);
            parameters.setWantClientAuth(false);
            tls.setSSLParameters(parameters);
            tls.setSoTimeout((int) Math.max(1, Math.min(Integer.MAX_VALUE, timeout.toMillis())));
            tls.startHandshake();
            tls.setSoTimeout(previous);
            SSLSession session = tls.getSession();
            return new Upgraded(tls, new ReceivedHeader.Tls(session.getProtocol(), session.getCipherSuite()));
        } catch (SocketTimeoutException e) {
            close(tls, plain);
            throw new HandshakeException("TLS handshake with " + who + " timed out after " + timeout.toMillis()
                    + " ms", true, e);
        } catch (IOException e) {
            close(tls, plain);
            throw new HandshakeException("TLS handshake with " + who + " failed: " + e.getMessage(), false, e);
        }
    }

    /**
     * Ends a TLS connection: sends close_notify and closes the socket (and the plain one under it)
     * without waiting for the client's close_notify. {@link SSLSocket#close()} alone waits for that
     * answer, in TLS 1.3, for as long as the socket's read timeout when one is set: with a silent
     * client, the whole command timeout.
     */
    public static void close(SSLSocket socket) {
        try {
            socket.setSoTimeout(0); // the JDK reads the client's answer only when a timeout is set
        } catch (IOException e) {
            // closed already; close() below is harmless
        }
        try {
            socket.close();
        } catch (IOException e) {
            // the client is gone
        }
    }

    /** {@link #PROTOCOLS} that the JDK supports; fails if it supports none of them. */
    private static String[] protocols(String[] supported) throws IOException {
        List<String> available = Arrays.asList(supported);
        String[] usable = PROTOCOLS.stream().filter(available::contains).toArray(String[]::new);
        if (usable.length == 0) {
            throw new IOException("this JDK supports neither TLSv1.3 nor TLSv1.2");
        }
        return usable;
    }

    private static void close(SSLSocket tls, Socket plain) {
        // closing the TLS socket would try to send close_notify into a broken handshake; the plain
        // socket's close is what ends the connection
        try {
            plain.close();
        } catch (IOException e) {
            // closed already
        }
        if (tls != null) {
            try {
                tls.close();
            } catch (IOException e) {
                // its socket is closed
            }
        }
    }
}
