package org.mxguard.delivery;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * A real SMTP server in a child process, for the client tests: Postfix's {@code smtp-sink}, or
 * aiosmtpd running {@code src/test/resources/smtp/aiosmtpd_peer.py}. Each listens on a free port
 * of its own random 127.0.x.y address (smtp-sink sets SO_REUSEPORT, so two sinks could share a
 * port on one address without noticing). Both are started behind a pipe on their stdin and exit
 * when it closes, which also happens when the JVM dies: no peer outlives its test run.
 */
final class SmtpTestPeer implements AutoCloseable {
    static final String SMTP_SINK = "/usr/sbin/smtp-sink";
    static final String PYTHON = "/usr/bin/python3";
    private static final Duration START_TIMEOUT = Duration.ofSeconds(10);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** How to tell the peer is up: its banner, or (for peers that never greet) a listening port. */
    enum Ready { BANNER, LISTENING }

    private final Process process;
    private final InetSocketAddress address;
    private final Path dumpDir;
    private final List<JsonNode> events = new CopyOnWriteArrayList<>();
    private final StringBuffer stderr = new StringBuffer();

    private SmtpTestPeer(Process process, InetSocketAddress address, Path dumpDir) {
        this.process = process;
        this.address = address;
        this.dumpDir = dumpDir;
    }

    /** smtp-sink with these options, each message dumped to a file of {@link #dumps()}. */
    static SmtpTestPeer sink(String... options) {
        return sink(Ready.BANNER, options);
    }

    static SmtpTestPeer sink(Ready ready, String... options) {
        if (!Files.isExecutable(Path.of(SMTP_SINK))) {
            throw new IllegalStateException(SMTP_SINK + " is missing: run ./test, which installs postfix");
        }
        Path dumps = tempDir("mxguard-smtp-sink-");
        return start(address -> {
            List<String> command = new ArrayList<>(List.of("/bin/sh", "-c",
                    // smtp-sink does not watch stdin: the shell does, and stops it when stdin closes.
                    "\"$@\" </dev/null & child=$!; cat >/dev/null; kill $child 2>/dev/null; wait $child",
                    "sh", SMTP_SINK));
            if (isRoot()) {
                command.addAll(List.of("-u", "nobody")); // smtp-sink refuses to run as root
            }
            command.addAll(List.of("-d", dumps + "/message."));
            command.addAll(List.of(options));
            command.add(address.getAddress().getHostAddress() + ":" + address.getPort());
            command.add("64");
            return command;
        }, ready, dumps);
    }

    /** aiosmtpd_peer.py with these options (see the script for what it answers to whom). */
    static SmtpTestPeer python(String... options) {
        return start(SmtpTestPeer::freeAddress, pythonCommand(options), null, null);
    }

    /**
     * aiosmtpd_peer.py listening on {@code address}, e.g. where a test domain's MX host points at
     * the delivery port, rather than on an address of its own choosing.
     */
    static SmtpTestPeer pythonAt(InetSocketAddress address, String... options) {
        return start(() -> address, pythonCommand(options), null, null);
    }

    private static CommandLine pythonCommand(String... options) {
        if (!Files.isExecutable(Path.of(PYTHON))) {
            throw new IllegalStateException(PYTHON + " is missing: run ./test, which installs python3-aiosmtpd");
        }
        Path script = resource("smtp/aiosmtpd_peer.py");
        return address -> {
            List<String> command = new ArrayList<>(List.of(PYTHON, "-u", script.toString(),
                    "--host", address.getAddress().getHostAddress(), "--port", Integer.toString(address.getPort())));
            command.addAll(List.of(options));
            return command;
        };
    }

    InetSocketAddress address() {
        return address;
    }

    /** Events the Python peer reported so far, of one kind ("connect", "mail", "rset", "message"). */
    List<JsonNode> events(String kind) {
        return events.stream().filter(e -> e.path("event").asText().equals(kind)).toList();
    }

    /** Waits until the Python peer has reported {@code count} events of {@code kind}. */
    List<JsonNode> awaitEvents(String kind, int count) {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (events(kind).size() < count) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("expected " + count + " '" + kind + "' events, got " + events(kind)
                        + "\nall events: " + events + "\nstderr: " + stderr);
            }
            pause(10);
        }
        return events(kind);
    }

    /** The bytes a "message" event says the server received (after removing dot-stuffing). */
    static byte[] data(JsonNode message) {
        return Base64.getDecoder().decode(message.path("data").asText());
    }

    static List<String> texts(JsonNode array) {
        List<String> texts = new ArrayList<>();
        array.forEach(n -> texts.add(n.asText()));
        return texts;
    }

    /** Waits until smtp-sink has dumped {@code count} messages and returns them, oldest first. */
    List<String> awaitDumps(int count) {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (true) {
            List<String> found = dumps();
            if (found.size() >= count) {
                return found;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("expected " + count + " dumped messages, got " + found.size()
                        + "\nstderr: " + stderr);
            }
            pause(10);
        }
    }

    /**
     * smtp-sink's dumps: X-Client-Addr, X-Helo-Args, X-Mail-Args, X-Rcpt-Args..., a Received
     * header, then the message as received with LF line ends, then an empty line.
     */
    List<String> dumps() {
        try (Stream<Path> files = Files.list(dumpDir)) {
            List<Path> sorted = files.sorted(Comparator.comparing(SmtpTestPeer::modified)).toList();
            List<String> texts = new ArrayList<>();
            for (Path p : sorted) {
                texts.add(Files.readString(p, StandardCharsets.ISO_8859_1));
            }
            return texts;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    String stderr() {
        return stderr.toString();
    }

    /** Stops the peer now (closing its stdin, then by its pid if it lingers). */
    @Override
    public void close() {
        try {
            process.getOutputStream().close();
        } catch (IOException ignored) {
            // already gone
        }
        try {
            if (!process.waitFor(2, TimeUnit.SECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                process.waitFor(2, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (dumpDir != null) {
            deleteTree(dumpDir);
        }
    }

    // ------------------------------------------------------------------ starting

    private interface CommandLine {
        List<String> at(InetSocketAddress address);
    }

    private static SmtpTestPeer start(CommandLine commandLine, Ready ready, Path dumps) {
        return start(SmtpTestPeer::freeAddress, commandLine, ready, dumps);
    }

    /** @param where the address to listen on, asked again before each of the (at most 3) tries */
    private static SmtpTestPeer start(Supplier<InetSocketAddress> where, CommandLine commandLine, Ready ready,
            Path dumps) {
        AssertionError failures = new AssertionError("could not start an SMTP peer");
        for (int attempt = 0; attempt < 3; attempt++) {
            InetSocketAddress address = where.get();
            Process process;
            try {
                process = new ProcessBuilder(commandLine.at(address)).start();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            SmtpTestPeer peer = new SmtpTestPeer(process, address, dumps);
            peer.drain();
            try {
                peer.awaitReady(ready);
                return peer;
            } catch (AssertionError e) {
                failures.addSuppressed(e);
                peer.stopKeepingDumps();
            }
        }
        throw failures;
    }

    private void stopKeepingDumps() {
        try {
            process.getOutputStream().close();
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            process.waitFor(2, TimeUnit.SECONDS);
        } catch (IOException | InterruptedException ignored) {
            // it failed to start; nothing more to save
        }
    }

    private void drain() {
        Thread.ofVirtual().start(() -> readLines(process.getInputStream(), line -> {
            if (line.startsWith("{")) {
                try {
                    events.add(JSON.readTree(line));
                } catch (IOException e) {
                    stderr.append("unreadable event: ").append(line).append('\n');
                }
            }
        }));
        Thread.ofVirtual().start(() -> readLines(process.getErrorStream(), line -> stderr.append(line).append('\n')));
    }

    private void awaitReady(Ready ready) {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                pause(50); // let the drain threads catch the last words
                throw new AssertionError("peer exited with " + process.exitValue() + ": " + stderr);
            }
            if (ready == null ? !events("ready").isEmpty() : probe(ready)) {
                return;
            }
            pause(20);
        }
        throw new AssertionError("peer not ready within " + START_TIMEOUT + ": " + stderr);
    }

    /** Connects; for BANNER also reads the first reply line and says QUIT. */
    private boolean probe(Ready ready) {
        try (Socket s = new Socket()) {
            s.connect(address, 500);
            if (ready == Ready.LISTENING) {
                return true;
            }
            s.setSoTimeout(2000);
            InputStream in = s.getInputStream();
            int first = in.read();
            if (first < '2' || first > '5') {
                return false;
            }
            s.getOutputStream().write("QUIT\r\n".getBytes(StandardCharsets.US_ASCII));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** A random 127.0.x.y (never .0.0.1 or .0.0.2, which tests use as sources) and a port free on it. */
    private static InetSocketAddress freeAddress() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        try {
            InetAddress ip = InetAddress.getByAddress(new byte[] {127, 0, (byte) random.nextInt(10, 250),
                    (byte) random.nextInt(1, 254)});
            try (ServerSocket probe = new ServerSocket()) {
                probe.bind(new InetSocketAddress(ip, 0));
                return new InetSocketAddress(ip, probe.getLocalPort());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A loopback address and port where nothing listens (bound, noted, closed again). */
    static InetSocketAddress deadAddress() {
        return freeAddress();
    }

    private static boolean isRoot() {
        try {
            return Integer.valueOf(0).equals(Files.getAttribute(Path.of("/proc/self"), "unix:uid"));
        } catch (IOException | UnsupportedOperationException e) {
            return "root".equals(System.getProperty("user.name"));
        }
    }

    /** A directory the unprivileged smtp-sink (user nobody) may write to. */
    private static Path tempDir(String prefix) {
        try {
            Path dir = Files.createTempDirectory(prefix);
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Path resource(String name) {
        try {
            return Path.of(SmtpTestPeer.class.getClassLoader().getResource(name).toURI());
        } catch (URISyntaxException | NullPointerException e) {
            throw new IllegalStateException("test resource missing: " + name, e);
        }
    }

    private static java.nio.file.attribute.FileTime modified(Path p) {
        try {
            return Files.getLastModifiedTime(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> all = Files.walk(dir)) {
            all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // a temp dir left behind is harmless
        }
    }

    private static void readLines(InputStream stream, java.util.function.Consumer<String> sink) {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                sink.accept(line);
            }
        } catch (IOException ignored) {
            // the process ended
        }
    }

    static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }
}
