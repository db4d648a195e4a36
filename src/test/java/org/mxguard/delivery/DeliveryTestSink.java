package org.mxguard.delivery;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.mxguard.dns.InetAddresses;

/**
 * Postfix's {@code smtp-sink} on a given loopback address and port, where the test bed's MX
 * records point, dumping every message it accepts to a file. It runs behind a shell that stops it
 * when its stdin closes, so it dies with the JVM at the latest. Public for the gateway's tests in
 * {@code org.mxguard.smtp}.
 */
public final class DeliveryTestSink implements AutoCloseable {
    private static final String SMTP_SINK = "/usr/sbin/smtp-sink";
    private static final long START_MILLIS = 10_000;

    private final Process process;
    private final String address;
    private final Path dumps;
    private final StringBuffer stderr = new StringBuffer();

    private DeliveryTestSink(Process process, String address, Path dumps) {
        this.process = process;
        this.address = address;
        this.dumps = dumps;
    }

    /** Starts smtp-sink with {@code options} on {@code ip:port} and waits for its greeting. */
    public static DeliveryTestSink start(String ip, int port, String... options) {
        if (!Files.isExecutable(Path.of(SMTP_SINK))) {
            throw new IllegalStateException(SMTP_SINK + " is missing: run ./test, which installs postfix");
        }
        Path dumps = writableTempDir();
        List<String> command = new ArrayList<>(List.of("/bin/sh", "-c",
                "\"$@\" </dev/null & child=$!; cat >/dev/null; kill $child 2>/dev/null; wait $child", "sh", SMTP_SINK));
        if (isRoot()) {
            command.addAll(List.of("-u", "nobody")); // smtp-sink refuses to run as root
        }
        command.addAll(List.of("-d", dumps + "/message."));
        command.addAll(List.of(options));
        command.add(ip + ":" + port);
        command.add("64");
        Process process;
        try {
            process = new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        DeliveryTestSink sink = new DeliveryTestSink(process, ip, dumps);
        Thread.ofVirtual().start(sink::drainStderr);
        sink.awaitGreeting(new InetSocketAddress(InetAddresses.require(ip), port));
        return sink;
    }

    /** A port that is free on every one of {@code ips} right now. */
    public static int freePortOn(String... ips) {
        for (int attempt = 0; attempt < 50; attempt++) {
            int port;
            try (ServerSocket probe = new ServerSocket()) {
                probe.bind(new InetSocketAddress(InetAddresses.require(ips[0]), 0));
                port = probe.getLocalPort();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            if (Stream.of(ips).allMatch(ip -> isFree(ip, port))) {
                return port;
            }
        }
        throw new IllegalStateException("no port free on all of " + List.of(ips));
    }

    public String address() {
        return address;
    }

    /** The messages dumped so far, oldest first: smtp-sink's X- headers, a Received line, the message. */
    public List<String> dumps() {
        try (Stream<Path> files = Files.list(dumps)) {
            List<String> texts = new ArrayList<>();
            for (Path p : files.sorted(Comparator.comparing(DeliveryTestSink::modified)).toList()) {
                String text = Files.readString(p, StandardCharsets.ISO_8859_1);
                if (!text.isEmpty()) { // smtp-sink creates the file, then writes the transaction into it: not yet
                    texts.add(text);
                }
            }
            return texts;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Stops it (closing its stdin; by force if it lingers) and deletes its dumps. */
    @Override
    public void close() {
        try {
            process.getOutputStream().close();
            if (!process.waitFor(2, TimeUnit.SECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                process.waitFor(2, TimeUnit.SECONDS);
            }
        } catch (IOException ignored) {
            // already gone
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try (Stream<Path> all = Files.walk(dumps)) {
            all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // a temporary directory left behind is harmless
        }
    }

    private void awaitGreeting(InetSocketAddress at) {
        long deadline = System.currentTimeMillis() + START_MILLIS;
        while (System.currentTimeMillis() < deadline) {
            if (!process.isAlive()) {
                close();
                throw new AssertionError("smtp-sink on " + at + " exited: " + stderr);
            }
            try (Socket s = new Socket()) {
                s.connect(at, 500);
                s.setSoTimeout(2000);
                InputStream in = s.getInputStream();
                if (in.read() == '2') {
                    s.getOutputStream().write("QUIT\r\n".getBytes(StandardCharsets.US_ASCII));
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            SmtpTestPeer.pause(20);
        }
        close();
        throw new AssertionError("smtp-sink on " + at + " did not greet: " + stderr);
    }

    private void drainStderr() {
        try (InputStream err = process.getErrorStream()) {
            stderr.append(new String(err.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException ignored) {
            // the process ended
        }
    }

    private static boolean isFree(String ip, int port) {
        try (ServerSocket probe = new ServerSocket()) {
            probe.bind(new InetSocketAddress(InetAddresses.require(ip), port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static boolean isRoot() {
        try {
            return Integer.valueOf(0).equals(Files.getAttribute(Path.of("/proc/self"), "unix:uid"));
        } catch (IOException | UnsupportedOperationException e) {
            return "root".equals(System.getProperty("user.name"));
        }
    }

    /** A directory the unprivileged smtp-sink (user nobody) may write to. */
    private static Path writableTempDir() {
        try {
            Path dir = Files.createTempDirectory("mxguard-delivery-sink-");
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static java.nio.file.attribute.FileTime modified(Path p) {
        try {
            return Files.getLastModifiedTime(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
