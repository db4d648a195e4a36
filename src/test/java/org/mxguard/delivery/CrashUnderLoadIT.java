package org.mxguard.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mxguard.delivery.CrashRuns.arrived;
import static org.mxguard.delivery.CrashRuns.awaitEmptySpool;
import static org.mxguard.delivery.CrashRuns.awaitLog;
import static org.mxguard.delivery.CrashRuns.corrupt;
import static org.mxguard.delivery.CrashRuns.kill;
import static org.mxguard.delivery.CrashRuns.mxguard;
import static org.mxguard.delivery.CrashRuns.stop;
import static org.mxguard.testbed.TestZones.GOOD_DOMAIN;
import static org.mxguard.testbed.TestZones.GOOD_HOST;
import static org.mxguard.testbed.TestZones.GOOD_IP;
import static org.mxguard.testbed.TestZones.OUTSOURCED_DOMAIN;
import static org.mxguard.testbed.TestZones.OUTSOURCED_HOST;
import static org.mxguard.testbed.TestZones.OUTSOURCED_IP;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.mxguard.dns.InetAddresses;
import org.mxguard.queue.DestinationLimiter;
import org.mxguard.testbed.DnsTestBed;
import org.mxguard.testkit.MtaClient;

/**
 * The gateway killed under load: {@code mxguard serve} (checks on the DNS test bed, spool, relay to
 * smtp-sink) takes mail from concurrent SMTP clients, each message with its own Message-ID, and is
 * SIGKILLed at random moments K times and restarted on the same spool and port. At the end, with
 * the spool drained: every message that got a 250 after its data reached the sink (none lost);
 * extra arrivals (a kill between the sink's 250 and the spool's removal) are counted, at most the
 * deliveries one kill can catch in flight each time; a message whose data ended without a 250 (a
 * 4xx, or the connection lost after the final dot) is counted as tempfailed, and may have arrived
 * anyway (mxguard had queued it and was killed before its 250 left).
 *
 * <p>A client whose session breaks before its final dot was sent sends that message again in a
 * new session: mxguard cannot have queued it. One whose session breaks after the dot moves on, as
 * the message is then in doubt for it. CI runs 1,000 messages and 3 kills; {@code
 * bench/crash-under-load} passes {@code -Dcrashload.messages} and {@code -Dcrashload.kills}.
 */
@ExtendWith(DnsTestBed.class)
class CrashUnderLoadIT {
    private static final int MESSAGES = Integer.getInteger("crashload.messages", 1000);
    private static final int KILLS = Integer.getInteger("crashload.kills", 3);
    private static final int CLIENTS = Integer.getInteger("crashload.clients", 8);
    /** Messages a client sends in one session before QUIT (fewer when the session breaks). */
    private static final int PER_SESSION = 10;
    private static final String RELAY_DOMAIN = "protected.test";
    private static final String SINK_IP = "127.0.5.20";
    private static final Pattern MESSAGE_ID = Pattern.compile("(?m)^Message-ID: <load-(\\d+)@mxguard\\.test>");
    private static final List<Sender> SENDERS = List.of(
            new Sender(GOOD_IP, GOOD_HOST, "alice@" + GOOD_DOMAIN),
            new Sender(OUTSOURCED_IP, OUTSOURCED_HOST, "olga@" + OUTSOURCED_DOMAIN));

    /** A client that passes the gateway's checks: its address, its EHLO name, its MAIL FROM. */
    private record Sender(String ip, String helo, String from) {
    }

    /** How a message's transaction ended, for the client. */
    private enum Outcome {
        /** Not tried yet. */
        NONE,
        /** 250 after the final dot: mxguard took responsibility for it. */
        ACCEPTED,
        /** 4xx after the final dot. */
        TEMPFAILED,
        /** The connection broke after the final dot had been (partly) written, before any reply. */
        CONNECTION_LOST,
        /** 5xx after the final dot: none expected, the senders pass the checks. */
        REJECTED,
        /** The session broke (or said 4xx) before the final dot: the message is sent again. */
        RETRY
    }

    @TempDir
    Path dir;

    private final AtomicIntegerArray outcomes = new AtomicIntegerArray(MESSAGES);
    private final AtomicInteger next = new AtomicInteger();
    private final AtomicInteger ended = new AtomicInteger();
    private final AtomicInteger retries = new AtomicInteger();

    @Test
    void theGatewayKilledUnderLoadLosesNoAcceptedMessage(DnsTestBed bed) throws Exception {
        long started = System.nanoTime();
        Path spool = dir.resolve("spool");
        int smtpPort = DeliveryTestSink.freePortOn("127.0.0.1");
        int sinkPort = DeliveryTestSink.freePortOn(SINK_IP);
        InetSocketAddress gateway = new InetSocketAddress(InetAddresses.require("127.0.0.1"), smtpPort);
        String[] serveArgs = serveArgs(bed, spool, smtpPort, sinkPort);
        SplittableRandom random = new SplittableRandom();
        try (DeliveryTestSink sink = DeliveryTestSink.start(SINK_IP, sinkPort)) {
            List<Thread> clients = new ArrayList<>();
            int kills = 0;
            // kill k comes after between k - 1/2 and k + 1/2 shares of the messages have ended their
            // data: at random, spread over the run, the last stretch left to finish undisturbed
            double share = (double) MESSAGES / (KILLS + 1);
            Process serve = null;
            Path log = null;
            try {
                for (int run = 0; run <= KILLS; run++) {
                    log = dir.resolve("serve-" + run + ".log");
                    serve = mxguard(log, serveArgs);
                    awaitLog(log, "listening on 127.0.0.1:" + smtpPort, 60, serve);
                    if (run == 0) {
                        for (int c = 0; c < CLIENTS; c++) {
                            Sender sender = SENDERS.get(c % SENDERS.size());
                            clients.add(Thread.ofPlatform().name("load-client-" + c).start(() -> client(gateway, sender)));
                        }
                    }
                    if (run < KILLS) {
                        int target = (int) ((run + 0.5 + random.nextDouble()) * share);
                        awaitEnded(target, accepted(), serve, log, clients);
                        Thread.sleep(random.nextInt(100)); // not just after a reply: anywhere in a session
                        kill(serve);
                        kills++;
                        System.out.printf("crash under load: kill %d after %d messages ended their data (%d accepted)%n",
                                kills, ended.get(), accepted());
                    }
                }
                for (Thread client : clients) {
                    client.join(TimeUnit.SECONDS.toMillis(60 + MESSAGES / 5));
                    assertThat(client.isAlive()).as("%s done within its time", client.getName()).isFalse();
                }
                awaitEmptySpool(spool, 60 + MESSAGES / 20, serve, log);
            } finally {
                clients.forEach(Thread::interrupt);
                if (serve != null) {
                    stop(serve);
                }
            }

            Map<Integer, Integer> arrivals = arrived(List.of(sink), MESSAGE_ID);
            int[] count = new int[Outcome.values().length];
            List<Integer> lost = new ArrayList<>();
            int duplicates = 0;
            int inDoubtArrived = 0;
            for (int m = 0; m < MESSAGES; m++) {
                Outcome outcome = Outcome.values()[outcomes.get(m)];
                count[outcome.ordinal()]++;
                int n = arrivals.getOrDefault(m, 0);
                duplicates += Math.max(0, n - 1);
                if (outcome == Outcome.ACCEPTED && n == 0) {
                    lost.add(m);
                }
                if ((outcome == Outcome.TEMPFAILED || outcome == Outcome.CONNECTION_LOST) && n > 0) {
                    inDoubtArrived++;
                }
            }
            int accepted = count[Outcome.ACCEPTED.ordinal()];
            int tempfailed = count[Outcome.TEMPFAILED.ordinal()] + count[Outcome.CONNECTION_LOST.ordinal()];
            System.out.printf("crash under load: %d sent, %d accepted (250), %d lost, %d duplicates, %d tempfailed, "
                    + "%d kills%n", MESSAGES, accepted, lost.size(), duplicates, tempfailed, kills);
            System.out.printf("crash under load: of the tempfailed %d answered 4xx, %d lost the connection after the "
                    + "final dot, %d arrived anyway; %d sessions broke before the final dot (sent again); %d clients, "
                    + "%.1f s%n", count[Outcome.TEMPFAILED.ordinal()], count[Outcome.CONNECTION_LOST.ordinal()],
                    inDoubtArrived, retries.get(), CLIENTS, (System.nanoTime() - started) / 1e9);

            assertThat(kills).isEqualTo(KILLS);
            assertThat(count[Outcome.NONE.ordinal()] + count[Outcome.RETRY.ordinal()]).as("messages never sent").isZero();
            assertThat(count[Outcome.REJECTED.ordinal()]).as("messages refused with 5xx").isZero();
            assertThat(lost).as("messages answered 250 that never reached the next hop").isEmpty();
            assertThat(arrivals.keySet()).as("only messages whose data was sent arrive").allMatch(m -> m >= 0 && m < MESSAGES);
            // an extra arrival is a delivery a kill caught after the sink's 250, before the spool
            // forgot the message: at most the deliveries in flight to the one next hop, per kill
            assertThat(duplicates).as("extra arrivals").isLessThanOrEqualTo(KILLS * DestinationLimiter.DEFAULT_LIMIT);
            assertThat(corrupt(spool)).as("corrupt/").isEmpty();
        }
    }

    /**
     * The deterministic case the load test meets by chance: the gateway is killed while a client is
     * in the middle of its data, with the body half written to the spool. The client sees the
     * connection drop, never a reply; the restarted gateway has nothing of it queued (the
     * half-written file is gone, corrupt/ is empty), and the sink gets only what came after.
     */
    @Test
    void aKillInTheMiddleOfTheDataLeavesTheClientWithoutA250AndNothingQueued(DnsTestBed bed) throws Exception {
        Path spool = dir.resolve("spool");
        int smtpPort = DeliveryTestSink.freePortOn("127.0.0.1");
        int sinkPort = DeliveryTestSink.freePortOn(SINK_IP);
        InetSocketAddress gateway = new InetSocketAddress(InetAddresses.require("127.0.0.1"), smtpPort);
        String[] serveArgs = serveArgs(bed, spool, smtpPort, sinkPort);
        Sender sender = SENDERS.getFirst();
        try (DeliveryTestSink sink = DeliveryTestSink.start(SINK_IP, sinkPort)) {
            Path log = dir.resolve("serve-0.log");
            Process serve = mxguard(log, serveArgs);
            try (Session session = openWhenListening(gateway, sender, serve, log)) {
                session.command("MAIL FROM:<" + sender.from() + ">", 250);
                session.command("RCPT TO:<user0@" + RELAY_DOMAIN + ">", 250);
                session.command("DATA", 354);
                byte[] message = message(sender, 15);
                session.out.write(message, 0, message.length / 2);
                session.out.flush();
                awaitFile(spool, ".eml.tmp", serve, log); // the body is being written to the spool

                kill(serve);

                assertThatThrownBy(session::reply).as("the client's reply after the kill")
                        .isInstanceOf(IOException.class);
            } finally {
                stop(serve);
            }

            log = dir.resolve("serve-1.log");
            serve = mxguard(log, serveArgs);
            try (Session session = openWhenListening(gateway, sender, serve, log)) {
                assertThat(CrashRuns.listing(spool)).as("the spool after recovery").noneMatch(
                        name -> name.endsWith(".env") || name.endsWith(".eml") || name.endsWith(".tmp"));
                assertThat(corrupt(spool)).as("corrupt/").isEmpty();
                assertThat(session.send(sender, 1)).isEqualTo(Outcome.ACCEPTED);
                awaitEmptySpool(spool, 30, serve, log);
            } finally {
                stop(serve);
            }
            assertThat(arrived(List.of(sink), MESSAGE_ID)).as("arrivals by message").isEqualTo(Map.of(1, 1));
        }
    }

    private String[] serveArgs(DnsTestBed bed, Path spool, int smtpPort, int sinkPort) throws IOException {
        Path config = Files.writeString(dir.resolve("mxguard.toml"), """
                [smtp]
                greet-wait-ms = 0

                [delivery]
                helo = "relay.mxguard.test"

                [queue]
                reserve-mb = 0
                minimal-backoff-s = 1
                maximal-backoff-s = 2
                """);
        return new String[] {"serve", "--config", config.toString(), "--spool", spool.toString(),
                "--dns", bed.resolverHostPort(), "--listen", "127.0.0.1:" + smtpPort,
                "--relay-domain", RELAY_DOMAIN + "=[" + SINK_IP + "]:" + sinkPort};
    }

    private static Session openWhenListening(InetSocketAddress gateway, Sender sender, Process serve, Path log)
            throws Exception {
        awaitLog(log, "listening on 127.0.0.1:" + gateway.getPort(), 60, serve);
        return Session.open(gateway, sender);
    }

    /** Waits for a file whose name ends with {@code suffix} in the spool's message directories. */
    private static void awaitFile(Path spool, String suffix, Process serve, Path log) throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (CrashRuns.listing(spool).stream().noneMatch(name -> name.endsWith(suffix))) {
            if (!serve.isAlive() || System.nanoTime() > end) {
                throw new AssertionError("no " + suffix + " file in the spool:\n" + CrashRuns.tail(log));
            }
            Thread.sleep(10);
        }
    }

    private int accepted() {
        return (int) IntStream.range(0, MESSAGES).filter(m -> outcomes.get(m) == Outcome.ACCEPTED.ordinal()).count();
    }

    /** Waits until {@code target} messages have ended their data and this run has accepted at least one. */
    private void awaitEnded(int target, int acceptedBefore, Process serve, Path log, List<Thread> clients)
            throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60 + MESSAGES / 10);
        while (ended.get() < target || accepted() <= acceptedBefore) {
            if (!serve.isAlive()) {
                throw new AssertionError("serve exited (" + serve.exitValue() + "):\n" + CrashRuns.tail(log));
            }
            if (clients.stream().noneMatch(Thread::isAlive) || System.nanoTime() > end) {
                throw new AssertionError("only " + ended.get() + " of " + target + " messages ended their data:\n"
                        + CrashRuns.tail(log));
            }
            Thread.sleep(10);
        }
    }

    /** One client: sessions of up to {@link #PER_SESSION} messages until every message is taken. */
    private void client(InetSocketAddress gateway, Sender sender) {
        int message = next.getAndIncrement();
        while (message < MESSAGES && !Thread.currentThread().isInterrupted()) {
            try (Session session = Session.open(gateway, sender)) {
                for (int i = 0; i < PER_SESSION && message < MESSAGES; i++) {
                    Outcome outcome = session.send(sender, message);
                    if (outcome == Outcome.RETRY) {
                        retries.incrementAndGet();
                        break;
                    }
                    outcomes.set(message, outcome.ordinal());
                    ended.incrementAndGet();
                    message = next.getAndIncrement();
                    if (outcome == Outcome.CONNECTION_LOST) {
                        break;
                    }
                }
                session.quit();
            } catch (Refused e) {
                outcomes.set(message, Outcome.REJECTED.ordinal()); // at the greeting or EHLO
                ended.incrementAndGet();
                message = next.getAndIncrement();
            } catch (IOException notListening) {
                // the gateway is down (being restarted), or went down before the transaction: try again
                pause(50);
            }
        }
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** A message of 1 to 16 KiB, so that kills also land in the middle of the data. */
    private static byte[] message(Sender sender, int m) {
        StringBuilder text = new StringBuilder()
                .append("Message-ID: <load-").append(m).append("@mxguard.test>\r\n")
                .append("From: <").append(sender.from()).append(">\r\n")
                .append("To: <user").append(m).append('@').append(RELAY_DOMAIN).append(">\r\n")
                .append("Subject: crash under load ").append(m).append("\r\n\r\n");
        int lines = 16 + (m % 16) * 16;
        for (int i = 0; i < lines; i++) {
            text.append("message ").append(m).append(" line ").append(i).append(": the quick brown fox jumps over\r\n");
        }
        return text.toString().getBytes(StandardCharsets.US_ASCII);
    }

    /** A 5xx before the data: the sender does not pass the checks, which the test does not expect. */
    private static final class Refused extends RuntimeException {
        Refused(String reply) {
            super(reply);
        }
    }

    /** One SMTP session from the sender's address, past EHLO. */
    private static final class Session implements AutoCloseable {
        private final Socket socket;
        private final InputStream in;
        private final OutputStream out;

        private Session(Socket socket) throws IOException {
            this.socket = socket;
            this.in = new BufferedInputStream(socket.getInputStream());
            this.out = new BufferedOutputStream(socket.getOutputStream());
        }

        static Session open(InetSocketAddress gateway, Sender sender) throws IOException {
            Socket socket = new Socket();
            try {
                socket.bind(new InetSocketAddress(InetAddresses.require(sender.ip()), 0));
                socket.connect(gateway, 5000);
                socket.setSoTimeout(60_000);
                Session session = new Session(socket);
                session.expect(220, session.reply());
                session.command("EHLO " + sender.helo(), 250);
                return session;
            } catch (IOException | RuntimeException e) {
                socket.close();
                throw e;
            }
        }

        /** One transaction; the session is unusable after anything but ACCEPTED, TEMPFAILED or REJECTED. */
        Outcome send(Sender sender, int m) {
            boolean dotSent = false;
            try {
                command("MAIL FROM:<" + sender.from() + ">", 250);
                command("RCPT TO:<user" + m + "@" + RELAY_DOMAIN + ">", 250);
                command("DATA", 354);
                out.write(message(sender, m));
                out.flush();
                dotSent = true; // from here on mxguard may have queued it, even if the write fails
                out.write(".\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                String reply = reply();
                return switch (reply.charAt(0)) {
                    case '2' -> Outcome.ACCEPTED;
                    case '4' -> Outcome.TEMPFAILED;
                    default -> Outcome.REJECTED;
                };
            } catch (Refused e) {
                return Outcome.REJECTED;
            } catch (IOException | RuntimeException e) {
                return dotSent ? Outcome.CONNECTION_LOST : Outcome.RETRY;
            }
        }

        void quit() {
            try {
                out.write("QUIT\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
            } catch (IOException ignored) {
                // closed anyway
            }
        }

        private void command(String line, int expected) throws IOException {
            out.write((line + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            expect(expected, reply());
        }

        private static void expect(int code, String reply) throws IOException {
            if (reply.startsWith("5")) {
                throw new Refused(reply);
            }
            if (!reply.startsWith(Integer.toString(code))) {
                throw new IOException("expected " + code + ", got " + reply); // a 4xx: try again later
            }
        }

        /** The last line of the next reply; IOException when the connection ends first. */
        private String reply() throws IOException {
            return MtaClient.lastReplyLine(in);
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
