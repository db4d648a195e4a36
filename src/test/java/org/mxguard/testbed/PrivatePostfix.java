package org.mxguard.testbed;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A private Postfix instance for tests, as {@code bench/queue-vs-postfix} sets one up: its own
 * {@code main.cf}/{@code master.cf}, queue and data directories in a directory of its own, smtpd
 * on {@code 127.0.0.1:PORT} only, no chroot, no local delivery, logging to a file in its
 * directory. The machine's own Postfix (if any) and {@code /etc/postfix} are not touched.
 *
 * <p>Postfix's {@code master} must start as root. {@link #unavailable()} says why it cannot run
 * here (not root, Postfix not installed), for a test to skip with. {@link #close()} stops the
 * master, kills whatever of its processes is left, and deletes the instance's directory; it is
 * safe to call after a failed start.
 *
 * <pre>{@code
 * try (PrivatePostfix postfix = PrivatePostfix.start(tempDir, Map.of("relayhost", "[127.0.0.1]:2525"))) {
 *     // inject into 127.0.0.1:postfix.port()
 * }
 * }</pre>
 * The base settings leave Postfix without any DNS lookup of its own (no peer name lookup, SMTP
 * client DNS disabled): give the next hop as an IP literal.
 */
public final class PrivatePostfix implements AutoCloseable {
    private static final Path POSTFIX = Path.of("/usr/sbin/postfix");
    private static final Path POSTCONF = Path.of("/usr/sbin/postconf");
    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration START_TIMEOUT = Duration.ofSeconds(15);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(10);

    private final Path dir;
    private final Path config;
    private final int port;
    private boolean started;
    private final List<ProcessHandle> processes = new ArrayList<>();

    private PrivatePostfix(Path dir, int port) {
        this.dir = dir;
        this.config = dir.resolve("etc");
        this.port = port;
    }

    /** Why a private Postfix cannot run here, or empty when it can. */
    public static Optional<String> unavailable() {
        if (!Files.isExecutable(POSTFIX) || !Files.isExecutable(POSTCONF)) {
            return Optional.of("Postfix is not installed (" + POSTFIX + "); apt-get install postfix");
        }
        if (!isRoot()) {
            return Optional.of("a private Postfix's master must start as root; run the tests as root");
        }
        if (!Files.isRegularFile(Path.of("/etc/postfix/master.cf.proto"))
                && !Files.isRegularFile(Path.of("/etc/postfix/master.cf"))) {
            return Optional.of("no /etc/postfix/master.cf(.proto) to start from");
        }
        return Optional.empty();
    }

    /**
     * Sets up and starts an instance in a new directory under {@code parent} (which is made
     * traversable for the postfix user), with the base settings overridden or extended by
     * {@code settings} ({@code main.cf} parameter → value), and waits until its smtpd greets.
     */
    public static PrivatePostfix start(Path parent, Map<String, String> settings) throws IOException {
        Optional<String> why = unavailable();
        if (why.isPresent()) {
            throw new IllegalStateException(why.get());
        }
        // Postfix's daemons run as the postfix user and must reach the queue directory.
        Files.setPosixFilePermissions(parent, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path dir = Files.createTempDirectory(parent, "postfix-");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        PrivatePostfix postfix = new PrivatePostfix(dir, Endpoints.freePort());
        try {
            postfix.configure(settings);
            postfix.run(POSTFIX.toString(), "-c", postfix.config.toString(), "start");
            postfix.started = true;
            postfix.rememberProcesses();
            postfix.awaitGreeting();
            postfix.rememberProcesses();
        } catch (IOException | RuntimeException | Error e) {
            postfix.close();
            throw e;
        }
        return postfix;
    }

    /** The port its smtpd listens on, at 127.0.0.1. */
    public int port() {
        return port;
    }

    /** The instance's directory (config in {@code etc}, queue in {@code queue}). */
    public Path dir() {
        return dir;
    }

    /** Postfix's mail log, as written so far (empty if there is none yet). */
    public String maillog() {
        try {
            Path log = dir.resolve("maillog");
            return Files.exists(log) ? Files.readString(log, StandardCharsets.ISO_8859_1) : "";
        } catch (IOException e) {
            return "(cannot read the mail log: " + e + ")";
        }
    }

    private void configure(Map<String, String> extra) throws IOException {
        Files.createDirectories(config);
        Files.createDirectories(dir.resolve("queue"));
        Files.createDirectories(dir.resolve("data"));
        Path proto = Path.of("/etc/postfix/master.cf.proto");
        Files.copy(Files.isRegularFile(proto) ? proto : Path.of("/etc/postfix/master.cf"), config.resolve("master.cf"));
        Files.writeString(config.resolve("main.cf"), "");
        Map<String, String> main = new LinkedHashMap<>();
        main.put("compatibility_level", "3.6");
        main.put("queue_directory", dir.resolve("queue").toString());
        main.put("data_directory", dir.resolve("data").toString());
        main.put("mail_owner", "postfix");
        main.put("setgid_group", "postdrop");
        main.put("myhostname", "postfix.private.test");
        main.put("mydomain", "private.test");
        main.put("myorigin", "$myhostname");
        main.put("inet_interfaces", "127.0.0.1");
        main.put("inet_protocols", "ipv4");
        main.put("mydestination", "");
        main.put("local_recipient_maps", "");
        main.put("relay_domains", "");
        main.put("mynetworks", "127.0.0.0/8");
        main.put("smtpd_relay_restrictions", "permit_mynetworks, reject");
        main.put("smtpd_peername_lookup", "no");
        main.put("smtp_dns_support_level", "disabled");
        main.put("smtp_host_lookup", "native");
        main.put("smtp_tls_security_level", "none");
        main.put("smtpd_tls_security_level", "none");
        main.put("alias_maps", "");
        main.put("alias_database", "");
        main.put("notify_classes", "");
        main.put("maillog_file_prefixes", "/var, /dev/stdout, " + dir);
        main.put("maillog_file", dir.resolve("maillog").toString());
        main.putAll(extra);
        List<String> command = new ArrayList<>(List.of(POSTCONF.toString(), "-c", config.toString(), "-e"));
        main.forEach((k, v) -> command.add(k + " = " + v));
        run(command.toArray(String[]::new));
        run(POSTCONF.toString(), "-c", config.toString(), "-F", "*/*/chroot = n");
        // smtpd on 127.0.0.1:PORT instead of *:25
        String masterCf = Files.readString(config.resolve("master.cf"), StandardCharsets.UTF_8);
        String replaced = masterCf.replaceFirst("(?m)^smtp(\\s+)inet", "127.0.0.1:" + port + "$1inet");
        if (replaced.equals(masterCf)) {
            throw new IllegalStateException("master.cf has no 'smtp inet' line to move to port " + port);
        }
        Files.writeString(config.resolve("master.cf"), replaced, StandardCharsets.UTF_8);
        // the master's lock file and the daemons' data live in data_directory, which Postfix wants as its own
        Files.setOwner(dir.resolve("data"), dir.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("postfix"));
        run(POSTFIX.toString(), "-c", config.toString(), "check");
    }

    private void awaitGreeting() throws IOException {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        String last = "no connection";
        while (System.nanoTime() < deadline) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 1000);
                s.setSoTimeout(5000);
                InputStream in = s.getInputStream();
                int first = in.read();
                if (first == '2') {
                    s.getOutputStream().write("QUIT\r\n".getBytes(StandardCharsets.US_ASCII));
                    return;
                }
                last = "greeting began with " + (char) first;
            } catch (IOException e) {
                last = e.toString();
            }
            sleep(100);
        }
        throw new IOException("Postfix's smtpd on 127.0.0.1:" + port + " did not greet within "
                + START_TIMEOUT.toSeconds() + " s (" + last + ")\n" + maillog());
    }

    /** The master and its processes, from its pid file: stopped by {@link #close()} whatever happens. */
    private void rememberProcesses() {
        try {
            Path pidFile = dir.resolve("queue").resolve("pid").resolve("master.pid");
            if (!Files.exists(pidFile)) {
                return;
            }
            long pid = Long.parseLong(Files.readString(pidFile, StandardCharsets.US_ASCII).strip());
            ProcessHandle.of(pid).ifPresent(master -> {
                if (!processes.contains(master)) {
                    processes.add(master);
                }
                master.descendants().filter(h -> !processes.contains(h)).forEach(processes::add);
            });
        } catch (IOException | NumberFormatException e) {
            // not written yet: close() falls back to 'postfix abort'
        }
    }

    /** Stops the instance (gracefully, then by force) and deletes its directory. */
    @Override
    public void close() {
        if (started) {
            rememberProcesses();
            try {
                run(POSTFIX.toString(), "-c", config.toString(), "stop");
            } catch (IOException | RuntimeException e) {
                // killed below
            }
            long deadline = System.nanoTime() + STOP_TIMEOUT.toNanos();
            while (!processes.stream().allMatch(DnsTestBed::hasExited) && System.nanoTime() < deadline) {
                sleep(50);
            }
            for (ProcessHandle h : processes) {
                if (!DnsTestBed.hasExited(h)) {
                    h.destroyForcibly();
                }
            }
            started = false;
        }
        DnsTestBed.deleteTree(dir);
    }

    private String run(String... command) throws IOException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        byte[] output;
        try (InputStream in = p.getInputStream()) {
            output = in.readAllBytes();
        }
        try {
            if (!p.waitFor(COMMAND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new IOException(String.join(" ", command) + ": no answer within " + COMMAND_TIMEOUT.toSeconds() + " s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
            throw new IOException("interrupted", e);
        }
        String text = new String(output, StandardCharsets.UTF_8);
        if (p.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + " exited " + p.exitValue() + ":\n" + text);
        }
        return text;
    }

    private static boolean isRoot() {
        try {
            return Integer.valueOf(0).equals(Files.getAttribute(Path.of("/proc/self"), "unix:uid"));
        } catch (IOException | UnsupportedOperationException e) {
            return "root".equals(System.getProperty("user.name"));
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UncheckedIOException(new IOException("interrupted"));
        }
    }
}
