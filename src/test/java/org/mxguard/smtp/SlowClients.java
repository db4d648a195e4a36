package org.mxguard.smtp;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * Slowloris clients on one selector thread: each connects from its own slot of 127.x source
 * addresses ({@code perSource} connections per address), waits for the banner, then sends one byte
 * of a command line that never ends every {@code interval}. Nothing else is sent: only the
 * server's command deadline can end them.
 */
final class SlowClients implements AutoCloseable {
    /** What one connection has seen; written by the selector thread, read under the lock. */
    static final class Connection {
        final StringBuilder received = new StringBuilder();
        long connectNanos;
        long greetedNanos;
        long closedNanos;
        boolean greeted;
        boolean closed;
    }

    private static final int MAX_CONNECTING = 256;
    private static final ByteBuffer BYTE = ByteBuffer.wrap(new byte[] {'X'});

    private final Selector selector;
    private final List<Connection> connections = new ArrayList<>();
    private final Thread loop;
    private final Object lock = new Object();
    private volatile boolean stopping;

    private final InetSocketAddress server;
    private final int count;
    private final int perSource;
    private final byte[] firstSource;
    private final Duration interval;

    /**
     * @param firstSource the first source address (e.g. 127.0.100.1); the next ones count up from it
     */
    private SlowClients(InetSocketAddress server, int count, int perSource, String firstSource, Duration interval)
            throws IOException {
        this.server = server;
        this.count = count;
        this.perSource = perSource;
        this.firstSource = InetAddress.getByName(firstSource).getAddress();
        this.interval = interval;
        this.selector = Selector.open();
        this.loop = Thread.ofPlatform().name("slow-clients").start(this::run);
    }

    static SlowClients start(InetSocketAddress server, int count, int perSource, String firstSource, Duration interval)
            throws IOException {
        return new SlowClients(server, count, perSource, firstSource, interval);
    }

    /** The source address of connection {@code i}. */
    InetAddress source(int i) {
        byte[] a = firstSource.clone();
        int offset = i / perSource;
        int value = ((a[1] & 0xff) << 16 | (a[2] & 0xff) << 8 | (a[3] & 0xff)) + offset;
        a[1] = (byte) (value >> 16);
        a[2] = (byte) (value >> 8);
        a[3] = (byte) value;
        try {
            return InetAddress.getByAddress(a);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    int sources() {
        return (count + perSource - 1) / perSource;
    }

    private void run() {
        ByteBuffer buffer = ByteBuffer.allocate(4096);
        int opened = 0;
        int connecting = 0;
        long nextDribble = System.nanoTime() + interval.toNanos();
        try {
            while (!stopping) {
                while (opened < count && connecting < MAX_CONNECTING) {
                    SocketChannel channel = SocketChannel.open();
                    channel.configureBlocking(false);
                    channel.bind(new InetSocketAddress(source(opened), 0));
                    Connection c = new Connection();
                    c.connectNanos = System.nanoTime();
                    channel.connect(server);
                    synchronized (lock) {
                        connections.add(c);
                    }
                    channel.register(selector, SelectionKey.OP_CONNECT, c);
                    opened++;
                    connecting++;
                }
                selector.select(50);
                for (SelectionKey key : selector.selectedKeys()) {
                    SocketChannel channel = (SocketChannel) key.channel();
                    Connection c = (Connection) key.attachment();
                    if (key.isValid() && key.isConnectable()) {
                        try {
                            channel.finishConnect();
                            key.interestOps(SelectionKey.OP_READ);
                        } catch (IOException e) {
                            synchronized (lock) {
                                c.received.append("connect failed: ").append(e.getMessage());
                                c.closed = true;
                                c.closedNanos = System.nanoTime();
                                connecting--;
                            }
                            key.cancel();
                            channel.close();
                        }
                    } else if (key.isValid() && key.isReadable()) {
                        buffer.clear();
                        int n;
                        try {
                            n = channel.read(buffer);
                        } catch (IOException e) {
                            n = -1; // reset by the server: closed all the same
                        }
                        synchronized (lock) {
                            if (n > 0) {
                                c.received.append(new String(buffer.array(), 0, n, StandardCharsets.ISO_8859_1));
                                if (!c.greeted && c.received.indexOf("\r\n") >= 0) {
                                    c.greeted = true;
                                    c.greetedNanos = System.nanoTime();
                                    connecting--;
                                }
                            } else if (n < 0) {
                                if (!c.greeted) {
                                    connecting--;
                                }
                                c.closed = true;
                                c.closedNanos = System.nanoTime();
                                key.cancel();
                                channel.close();
                            }
                        }
                    }
                }
                selector.selectedKeys().clear();
                if (System.nanoTime() - nextDribble >= 0) {
                    nextDribble = System.nanoTime() + interval.toNanos();
                    for (SelectionKey key : selector.keys()) {
                        Connection c = (Connection) key.attachment();
                        if (key.isValid() && c.greeted && !c.closed) {
                            try {
                                ((SocketChannel) key.channel()).write(BYTE.duplicate());
                            } catch (IOException e) {
                                // the server closed it; the read side records that
                            }
                        }
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** How many connections satisfy {@code test} now. */
    int count(Predicate<Connection> test) {
        synchronized (lock) {
            return (int) connections.stream().filter(test).count();
        }
    }

    /** Waits until {@code wanted} connections satisfy {@code test}; false on timeout. */
    boolean await(Predicate<Connection> test, int wanted, Duration timeout) throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        while (count(test) < wanted) {
            if (System.nanoTime() - end > 0) {
                return false;
            }
            TimeUnit.MILLISECONDS.sleep(100);
        }
        return true;
    }

    /** Runs {@code action} on each connection under the lock (to gather figures). */
    void forEach(java.util.function.Consumer<Connection> action) {
        synchronized (lock) {
            connections.forEach(action);
        }
    }

    @Override
    public void close() throws InterruptedException, IOException {
        stopping = true;
        loop.join(10_000);
        for (SelectionKey key : selector.keys()) {
            key.channel().close();
        }
        selector.close();
    }
}
