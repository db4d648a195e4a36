package org.mxguard.testkit;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.mxguard.delivery.DeliveryTestSink;
import org.mxguard.dns.InetAddresses;

/**
 * A real {@code redis-server} (Debian's package) on 127.0.0.1 and a free port, in the foreground,
 * with no persistence: nothing is saved, so a restart starts empty. {@link #stop} kills it (SIGKILL,
 * as a crash) and {@link #start} brings it back on the same port, for the Redis-down tests;
 * {@link #pause} makes it hang instead.
 */
public final class RedisServer implements AutoCloseable {
    private static final String REDIS_SERVER = "/usr/bin/redis-server";

    private final int port;
    private final Path dir;
    private TetheredProcess process;

    private RedisServer(int port, Path dir) {
        this.port = port;
        this.dir = dir;
    }

    /** Starts one on a free port and waits until it answers PING. */
    public static RedisServer onFreePort() throws IOException, InterruptedException {
        if (!Files.isExecutable(Path.of(REDIS_SERVER))) {
            throw new IllegalStateException(REDIS_SERVER + " is missing: run ./test, which installs redis-server");
        }
        RedisServer redis = new RedisServer(DeliveryTestSink.freePortOn("127.0.0.1"),
                Files.createTempDirectory("mxguard-redis-"));
        redis.start();
        return redis;
    }

    /** {@code redis://127.0.0.1:PORT}, for {@code [cluster] redis}. */
    public String url() {
        return "redis://127.0.0.1:" + port;
    }

    public int port() {
        return port;
    }

    /**
     * Starts it (again) on its port and waits until it answers PING.
     *
     * @throws IllegalStateException it is running
     */
    public synchronized void start() throws IOException, InterruptedException {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException("redis-server on port " + port + " is running");
        }
        // the working directory too, so that nothing it might write lands in the project
        process = TetheredProcess.start(List.of(REDIS_SERVER, "--bind", "127.0.0.1", "--port", Integer.toString(port),
                "--save", "", "--appendonly", "no", "--daemonize", "no", "--dir", dir.toString(),
                "--logfile", ""), dir.resolve("redis.log"));
        process.awaitReady("PING on port " + port, () -> "+PONG".equals(call("PING")));
    }

    /** Kills it (SIGKILL): clients see their connections drop and new ones refused. */
    public synchronized void stop() throws InterruptedException {
        if (process != null) {
            process.kill();
            process = null;
        }
    }

    /**
     * Stops it without killing it (SIGSTOP): connections stay open and commands are taken by the
     * kernel but never answered, as from a server stuck in a long command or swapping.
     */
    public synchronized void pause() throws IOException, InterruptedException {
        process.signal("STOP");
    }

    /** Lets a {@link #pause}d server go on (SIGCONT): it answers what it was sent meanwhile. */
    public synchronized void resume() throws IOException, InterruptedException {
        process.signal("CONT");
    }

    public synchronized boolean running() {
        return process != null && process.isAlive();
    }

    /**
     * One command on a new connection; the reply as text: {@code +OK}, {@code :3}, {@code -ERR ...},
     * a bulk string as itself ({@code $-1} for none), an array as its elements one a line.
     */
    public String call(String... command) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(InetAddresses.require("127.0.0.1"), port), 2000);
            socket.setSoTimeout(5000);
            return call(socket, command);
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    /** What redis-server wrote to its log. */
    public String log() {
        TetheredProcess p = process;
        return p == null ? "(not running)" : p.log();
    }

    @Override
    public void close() throws InterruptedException {
        stop();
        TetheredProcess.deleteDirectory(dir);
    }

    private static String call(Socket socket, String... command) {
        try {
            OutputStream out = socket.getOutputStream();
            StringBuilder request = new StringBuilder("*").append(command.length).append("\r\n");
            for (String arg : command) {
                request.append('$').append(arg.getBytes(StandardCharsets.UTF_8).length).append("\r\n")
                        .append(arg).append("\r\n");
            }
            out.write(request.toString().getBytes(StandardCharsets.UTF_8));
            out.flush();
            return String.join("\n", reply(new BufferedInputStream(socket.getInputStream())));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<String> reply(InputStream in) throws IOException {
        String line = line(in);
        List<String> parts = new ArrayList<>();
        switch (line.charAt(0)) {
            case '$' -> {
                int length = Integer.parseInt(line.substring(1));
                if (length < 0) {
                    parts.add(line);
                } else {
                    byte[] bulk = in.readNBytes(length + 2);
                    parts.add(new String(bulk, 0, length, StandardCharsets.UTF_8));
                }
            }
            case '*' -> {
                int count = Integer.parseInt(line.substring(1));
                for (int i = 0; i < count; i++) {
                    parts.addAll(reply(in));
                }
            }
            default -> parts.add(line);
        }
        return parts;
    }

    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (int b = in.read(); b != '\n'; b = in.read()) {
            if (b < 0) {
                throw new IOException("redis-server closed the connection");
            }
            if (b != '\r') {
                line.write(b);
            }
        }
        return line.toString(StandardCharsets.UTF_8);
    }
}
