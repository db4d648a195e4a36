package org.mxguard.smtp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.mxguard.delivery.TestSmtpSink;
import org.mxguard.dns.InetAddresses;
import org.mxguard.policy.Action;
import org.mxguard.policy.Reply;

/**
 * The backup-MX guard against real primaries on loopback: Postfix's smtp-sink (healthy), a closed
 * port, a server that accepts and never greets, scripted servers, and a primary that goes down and
 * comes back while the guard probes on its own.
 */
class BackupMxGuardTest {
    private static final Duration TIMEOUT = Duration.ofMillis(800);
    private static final String DOMAIN = "example.net";

    private final List<AutoCloseable> toClose = new CopyOnWriteArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable c : toClose.reversed()) {
            c.close();
        }
    }

    private <T extends AutoCloseable> T closing(T c) {
        toClose.add(c);
        return c;
    }

    /** A loopback address of this test's own, so parallel runs on one machine do not meet. */
    private static String loopback() {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        return "127.77." + r.nextInt(0, 256) + "." + r.nextInt(2, 255);
    }

    private static InetSocketAddress at(String ip, int port) {
        return new InetSocketAddress(InetAddresses.require(ip), port);
    }

    private static BackupMxGuard.Entry entry(String domain, InetSocketAddress primary, Action action) {
        return new BackupMxGuard.Entry(domain, primary, Duration.ofSeconds(60), action);
    }

    private BackupMxGuard guard(List<BackupMxGuard.Entry> entries) {
        return closing(new BackupMxGuard(entries, TIMEOUT, Clock.systemUTC()));
    }

    @Test
    void aHealthyPrimaryMeansMailForItsDomainIsTempfailed() {
        String ip = loopback();
        int port = TestSmtpSink.freePortOn(ip);
        closing(TestSmtpSink.start(ip, port));
        BackupMxGuard guard = guard(List.of(entry(DOMAIN, at(ip, port), Action.TEMPFAIL),
                entry("rejected.example", at(ip, port), Action.REJECT),
                entry("logged.example", at(ip, port), Action.LOG),
                entry("tagged.example", at(ip, port), Action.TAG)));
        assertThat(guard.refusal(DOMAIN)).as("not probed yet: unknown, so fail open").isEmpty();

        guard.probeNow();

        org.mxguard.cluster.PrimaryHealth health = guard.health(DOMAIN).orElseThrow();
        assertThat(health.up()).as(health.detail()).isTrue();
        assertThat(health.detail()).startsWith("220 ");
        Reply reply = guard.refusal(DOMAIN).orElseThrow();
        assertThat(reply.code()).isEqualTo(450);
        assertThat(reply.enhanced()).isEqualTo("4.7.1");
        assertThat(reply).hasToString(
                "450 4.7.1 <example.net>: this is a backup MX and the primary is up; use the primary MX");
        assertThat(guard.refusal("EXAMPLE.NET.")).as("any case, trailing dot").contains(reply);
        assertThat(guard.refusal("other.example")).as("not a backed-up domain").isEmpty();
        assertThat(guard.refusal("sub.example.net")).as("one domain, not its subdomains").isEmpty();
        assertThat(guard.refusal("[192.0.2.1]")).as("an address literal").isEmpty();

        assertThat(guard.refusal("rejected.example")).hasValueSatisfying(r -> {
            assertThat(r.code()).isEqualTo(550);
            assertThat(r.enhanced()).isEqualTo("5.7.1");
            assertThat(r.text()).startsWith("<rejected.example>: this is a backup MX");
        });
        assertThat(guard.refusal("logged.example", InetAddresses.require("192.0.2.7")))
                .as("log: nothing refused").isEmpty();
        assertThat(guard.refusal("tagged.example")).as("tag: nothing refused").isEmpty();
        assertThat(guard.tags("tagged.example")).as("tag: the message is tagged").isTrue();
        assertThat(guard.tags(DOMAIN)).as("tempfail: refused, not tagged").isFalse();
        assertThat(guard.tags("other.example")).isFalse();
        assertThat(guard.health("logged.example")).hasValueSatisfying(h -> assertThat(h.up()).isTrue());

        guard.close();
        assertThat(guard.refusal(DOMAIN)).as("closed: nothing refused").isEmpty();
    }

    @Test
    void aClosedPortIsUnhealthy() throws IOException {
        String ip = loopback();
        int port;
        try (ServerSocket s = new ServerSocket()) {
            s.bind(at(ip, 0));
            port = s.getLocalPort();
        }
        BackupMxGuard guard = guard(List.of(entry(DOMAIN, at(ip, port), Action.REJECT)));
        guard.probeNow();
        org.mxguard.cluster.PrimaryHealth health = guard.health(DOMAIN).orElseThrow();
        assertThat(health.up()).isFalse();
        assertThat(health.detail()).isEqualTo("connection refused");
        assertThat(guard.refusal(DOMAIN)).isEmpty();
    }

    @Test
    void aServerThatNeverGreetsTimesOutAndIsUnhealthy() throws IOException {
        String ip = loopback();
        try (ServerSocket silent = new ServerSocket()) {
            silent.bind(at(ip, 0), 10); // never accepted: the kernel completes the connection, nothing is said
            BackupMxGuard guard = guard(List.of(entry(DOMAIN, at(ip, silent.getLocalPort()), Action.TEMPFAIL)));
            long start = System.nanoTime();
            guard.probeNow();
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            org.mxguard.cluster.PrimaryHealth health = guard.health(DOMAIN).orElseThrow();
            assertThat(health.up()).isFalse();
            assertThat(health.detail()).isEqualTo("no complete 220 greeting within 800 ms");
            assertThat(took).isBetween(TIMEOUT.minusMillis(50), TIMEOUT.plusSeconds(2));
            assertThat(guard.refusal(DOMAIN)).isEmpty();
        }
    }

    @Test
    void onlyAComplete220GreetingIsHealthy() {
        String ip = loopback();
        FakePrimary refusing = closing(FakePrimary.start(ip, "421 4.3.2 too busy\r\n"));
        FakePrimary rejecting = closing(FakePrimary.start(ip, "554 5.7.1 go away\r\n"));
        FakePrimary half = closing(FakePrimary.start(ip, "220-mx.example.net first line, then nothing\r\n"));
        FakePrimary multiLine = closing(FakePrimary.start(ip, "220-mx.example.net ESMTP\r\n220-more\r\n220 ready\r\n"));
        FakePrimary garbled = closing(FakePrimary.start(ip, "SSH-2.0-OpenSSH_9.6\r\n"));
        FakePrimary closes = closing(FakePrimary.start(ip, ""));
        BackupMxGuard guard = guard(List.of(entry("a.example", refusing.address(), Action.REJECT),
                entry("b.example", rejecting.address(), Action.REJECT),
                entry("c.example", half.address(), Action.REJECT),
                entry("d.example", multiLine.address(), Action.REJECT),
                entry("e.example", garbled.address(), Action.REJECT),
                entry("f.example", closes.address(), Action.REJECT)));
        guard.probeNow();
        assertThat(detail(guard, "a.example")).isEqualTo("down: greeted with 421 4.3.2 too busy");
        assertThat(detail(guard, "b.example")).isEqualTo("down: greeted with 554 5.7.1 go away");
        assertThat(detail(guard, "c.example")).isEqualTo("down: no complete 220 greeting within 800 ms");
        assertThat(detail(guard, "d.example")).isEqualTo("up: 220 ready");
        assertThat(detail(guard, "e.example")).isEqualTo("down: not an SMTP reply: SSH-2.0-OpenSSH_9.6");
        assertThat(detail(guard, "f.example")).isEqualTo("down: closed the connection before greeting");
        assertThat(guard.refusal("d.example")).isPresent();
        for (String d : List.of("a.example", "b.example", "c.example", "e.example", "f.example")) {
            assertThat(guard.refusal(d)).as(d).isEmpty();
        }
    }

    private static String detail(BackupMxGuard guard, String domain) {
        org.mxguard.cluster.PrimaryHealth h = guard.health(domain).orElseThrow();
        return (h.up() ? "up: " : "down: ") + h.detail();
    }

    @Test
    void theProbeIsPoliteItSaysQuitAfterTheGreetingAndWaitsForTheReply() {
        FakePrimary primary = closing(FakePrimary.start(loopback(), "220 mx.example.net ESMTP\r\n"));
        BackupMxGuard guard = guard(List.of(entry(DOMAIN, primary.address(), Action.TEMPFAIL)));
        guard.probeNow();
        assertThat(guard.health(DOMAIN).orElseThrow().up()).isTrue();
        awaitTrue(() -> primary.lines().contains("QUIT"), "the probe's QUIT");
        assertThat(primary.lines()).as("nothing but QUIT").containsExactly("QUIT");
        awaitTrue(() -> primary.quitAnswered.get() == 1, "the 221 written before the probe closed");
    }

    @Test
    void domainsOfOnePrimaryShareOneProbe() {
        FakePrimary primary = closing(FakePrimary.start(loopback(), "220 mx.example.net ESMTP\r\n"));
        BackupMxGuard guard = guard(List.of(entry("a.example", primary.address(), Action.TEMPFAIL),
                entry("b.example", primary.address(), Action.REJECT)));
        guard.probeNow();
        assertThat(primary.connections.get()).isEqualTo(1);
        assertThat(guard.refusal("a.example")).map(Reply::code).contains(450);
        assertThat(guard.refusal("b.example")).map(Reply::code).contains(550);
    }

    @Test
    void aStaleResultIsNotBelieved() {
        FakePrimary primary = closing(FakePrimary.start(loopback(), "220 mx.example.net ESMTP\r\n"));
        ManualClock clock = new ManualClock(Instant.parse("2025-01-01T00:00:00Z"));
        BackupMxGuard.Entry e = new BackupMxGuard.Entry(DOMAIN, primary.address(), Duration.ofSeconds(60),
                Action.TEMPFAIL);
        BackupMxGuard guard = closing(new BackupMxGuard(List.of(e), TIMEOUT, clock));
        guard.probeNow();
        assertThat(guard.staleAfter(e)).isEqualTo(Duration.ofSeconds(60).plus(TIMEOUT).multipliedBy(2));
        clock.advance(guard.staleAfter(e));
        assertThat(guard.refusal(DOMAIN)).as("two rounds old: still believed").isPresent();
        clock.advance(Duration.ofMillis(1));
        assertThat(guard.refusal(DOMAIN)).as("older: the prober is stuck; fail open").isEmpty();
        guard.probeNow();
        assertThat(guard.refusal(DOMAIN)).as("fresh again").isPresent();
    }

    @Test
    void aPrimaryThatGoesDownAndComesBackIsFollowedByTheProbes() {
        String ip = loopback();
        int port = TestSmtpSink.freePortOn(ip);
        TestSmtpSink sink = TestSmtpSink.start(ip, port);
        BackupMxGuard guard = closing(BackupMxGuard.start(List.of(
                new BackupMxGuard.Entry(DOMAIN, at(ip, port), Duration.ofMillis(100), Action.TEMPFAIL)),
                TIMEOUT, Clock.systemUTC()));
        try {
            awaitTrue(() -> guard.refusal(DOMAIN).isPresent(), "the first probe, at start, to find the primary up");
        } finally {
            sink.close();
        }
        awaitTrue(() -> guard.refusal(DOMAIN).isEmpty(), "the probes to find the primary down");
        assertThat(guard.health(DOMAIN).orElseThrow().up()).isFalse();

        closing(TestSmtpSink.start(ip, port));
        awaitTrue(() -> guard.refusal(DOMAIN).isPresent(), "the probes to find the primary back");
        Instant first = guard.health(DOMAIN).orElseThrow().checked();
        awaitTrue(() -> guard.health(DOMAIN).orElseThrow().checked().isAfter(first), "a later probe");

        guard.close();
        assertThat(guard.refusal(DOMAIN)).isEmpty();
    }

    @Test
    void closeStopsProbing() throws Exception {
        FakePrimary primary = closing(FakePrimary.start(loopback(), "220 mx.example.net ESMTP\r\n"));
        BackupMxGuard guard = BackupMxGuard.start(List.of(
                new BackupMxGuard.Entry(DOMAIN, primary.address(), Duration.ofMillis(50), Action.TEMPFAIL)),
                TIMEOUT, Clock.systemUTC());
        awaitTrue(() -> primary.connections.get() >= 2, "a few probes");
        guard.close();
        int after = primary.connections.get();
        Thread.sleep(300);
        assertThat(primary.connections.get()).as("no probe after close").isLessThanOrEqualTo(after);
    }

    @Test
    void entriesAreValidated() {
        InetSocketAddress primary = at("192.0.2.10", 25);
        BackupMxGuard.Entry e = entry("Bücher.Example.", primary, Action.TEMPFAIL);
        assertThat(e.domain()).as("A-labels, lower case, no trailing dot").isEqualTo("xn--bcher-kva.example");
        assertThatThrownBy(() -> entry("mx", primary, Action.TEMPFAIL)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> entry(DOMAIN, InetSocketAddress.createUnresolved("mx.example.net", 25),
                Action.TEMPFAIL)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not an IP");
        assertThatThrownBy(() -> entry(DOMAIN, primary, Action.ACCEPT)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new BackupMxGuard.Entry(DOMAIN, primary, Duration.ZERO, Action.TEMPFAIL))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new BackupMxGuard(List.of(entry(DOMAIN, primary, Action.TEMPFAIL),
                entry("EXAMPLE.net", at("192.0.2.11", 25), Action.REJECT)), TIMEOUT, Clock.systemUTC()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("twice");
        try (BackupMxGuard empty = BackupMxGuard.start(List.of())) {
            assertThat(empty.refusal(DOMAIN)).isEmpty();
            assertThat(empty.entries()).isEmpty();
        }
    }

    private static void awaitTrue(BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }

    /**
     * A scripted "primary" on loopback: writes {@code greeting} to each connection, then answers
     * QUIT with 221, records the lines it is sent, and closes when the client does (or, with an
     * empty greeting, at once).
     */
    static final class FakePrimary implements AutoCloseable {
        private final ServerSocket server;
        private final String greeting;
        final AtomicInteger connections = new AtomicInteger();
        final AtomicInteger quitAnswered = new AtomicInteger();
        private final List<String> lines = new CopyOnWriteArrayList<>();
        private final List<Socket> open = new CopyOnWriteArrayList<>();

        private FakePrimary(ServerSocket server, String greeting) {
            this.server = server;
            this.greeting = greeting;
        }

        static FakePrimary start(String ip, String greeting) {
            try {
                ServerSocket server = new ServerSocket();
                server.bind(at(ip, 0));
                FakePrimary p = new FakePrimary(server, greeting);
                Thread.ofVirtual().start(p::accept);
                return p;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        InetSocketAddress address() {
            return (InetSocketAddress) server.getLocalSocketAddress();
        }

        List<String> lines() {
            return lines;
        }

        private void accept() {
            while (true) {
                Socket s;
                try {
                    s = server.accept();
                } catch (IOException e) {
                    return; // closed
                }
                connections.incrementAndGet();
                open.add(s);
                Thread.ofVirtual().start(() -> serve(s));
            }
        }

        private void serve(Socket s) {
            try (s) {
                OutputStream out = s.getOutputStream();
                if (greeting.isEmpty()) {
                    return;
                }
                out.write(greeting.getBytes(StandardCharsets.US_ASCII));
                out.flush();
                BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(),
                        StandardCharsets.US_ASCII));
                for (String line; (line = in.readLine()) != null; ) {
                    lines.add(line);
                    if (line.equalsIgnoreCase("QUIT")) {
                        out.write("221 2.0.0 Bye\r\n".getBytes(StandardCharsets.US_ASCII));
                        out.flush();
                        quitAnswered.incrementAndGet();
                        return;
                    }
                }
            } catch (IOException e) {
                // the probe went away
            }
        }

        @Override
        public void close() throws IOException {
            server.close();
            for (Socket s : open) {
                s.close();
            }
        }
    }

    static final class ManualClock extends Clock {
        private Instant now;

        ManualClock(Instant start) {
            this.now = start;
        }

        synchronized void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public synchronized Instant instant() {
            return now;
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }
    }
}
