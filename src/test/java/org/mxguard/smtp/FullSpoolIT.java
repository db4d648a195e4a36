package org.mxguard.smtp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mxguard.smtp.ResourceExhaustionIT.HOSTNAME;
import static org.mxguard.smtp.ResourceExhaustionIT.MTA;
import static org.mxguard.smtp.ResourceExhaustionIT.assertDeliveredIntact;
import static org.mxguard.smtp.ResourceExhaustionIT.message;
import static org.mxguard.smtp.ResourceExhaustionIT.sendOne;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.mxguard.delivery.DeliveryTestSink;
import org.mxguard.testbed.DnsTestBed;

/**
 * A full disk under {@code mxguard serve}: its spool on a small tmpfs, mostly taken by a ballast
 * file, and the protected MTA down so that nothing leaves. Messages are sent until the gateway
 * refuses; first with the reserve ({@code queue.reserve-mb}), then, restarted on the same spool,
 * without it, so that the disk itself runs out in the middle of a message. Every reply is a 250 or
 * a 452, and every 250 is a message that is delivered intact once the MTA is up; freeing the
 * ballast lets new mail in again. Needs root (to mount the tmpfs).
 */
@ExtendWith(DnsTestBed.class)
class FullSpoolIT {
    private static final int MESSAGE = 100_000;
    private static final String FULL = "452 4.3.1 Insufficient system storage";

    @TempDir
    Path dir;

    @Test
    void aFullSpoolRefusesWith452AndLosesNothingItAccepted(DnsTestBed bed) throws Exception {
        Path mountPoint = Files.createDirectories(dir.resolve("tmpfs"));
        boolean mounted = run("mount", "-t", "tmpfs", "-o", "size=4m,mode=0700", "tmpfs", mountPoint.toString());
        Assumptions.assumeTrue(mounted, "mounting a tmpfs needs root (and a container that allows it): full-disk test skipped");
        try {
            Path spool = mountPoint.resolve("spool");
            Path ballast = mountPoint.resolve("ballast");
            // leave about 1.6 MB: with a 1 MB reserve, a few 100 kB messages fit
            long usable = Files.getFileStore(mountPoint).getUsableSpace();
            writeZeros(ballast, usable - 1_600_000);

            int mtaPort = DeliveryTestSink.freePortOn(MTA);
            List<String> accepted = new ArrayList<>();
            int refused = 0;
            int number = 0;
            // with the reserve: refused at DATA while the reserve is left
            try (GatewayProcess gateway = serve(bed, spool, mtaPort, 1)) {
                InetSocketAddress smtp = gateway.smtp();
                number = sendUntilRefusedThrice(smtp, number, accepted);
                refused += 3;
            }
            int withReserve = accepted.size();
            int refusedWithReserve = refused;

            // without a reserve, restarted on the same spool: the disk itself runs out
            try (GatewayProcess gateway = serve(bed, spool, mtaPort, 0)) {
                gateway.process().awaitStderr("(" + withReserve + " messages queued)");
                InetSocketAddress smtp = gateway.smtp();
                number = sendUntilRefusedThrice(smtp, number, accepted);
                refused += 3;
                int withoutReserve = accepted.size() - withReserve;
                assertThat(leftovers(spool)).as("no partial files of refused messages").isEmpty();
                assertThat(Files.exists(spool.resolve("corrupt")) ? leftovers(spool.resolve("corrupt")) : List.of()).isEmpty();

                // space freed: new mail is taken again; the MTA comes up: everything is delivered
                Files.delete(ballast);
                String afterwards = message("after-full", MESSAGE);
                assertThat(sendOne(smtp, afterwards)).startsWith("250 2.0.0 Ok: queued as ");
                accepted.add(afterwards);
                try (DeliveryTestSink mta = DeliveryTestSink.start(MTA, mtaPort)) {
                    for (String m : accepted) {
                        assertDeliveredIntact(mta, m);
                    }
                    awaitEmpty(spool);
                    List<String> delivered = mta.dumps();
                    for (int i = 0; i < number; i++) {
                        String id = "X-Test-Id: full-" + i + "\n";
                        String sent = "X-Test-Id: full-" + i + "\r\n";
                        boolean wasAccepted = accepted.stream().anyMatch(m -> m.startsWith(sent));
                        assertThat(delivered.stream().anyMatch(d -> d.contains(id))).as("full-%d", i).isEqualTo(wasAccepted);
                    }
                }
                System.out.printf("full-disk: tmpfs=4MiB message=%dB queued-with-reserve=%d refused-452=%d "
                                + "queued-without-reserve=%d refused-452=%d other-replies=0 accepted-after-freeing=1 "
                                + "delivered-intact=%d/%d%n", MESSAGE, withReserve, refusedWithReserve, withoutReserve,
                        refused - refusedWithReserve, accepted.size(), accepted.size());
            }
        } finally {
            assertThat(run("umount", mountPoint.toString())).as("umount " + mountPoint).isTrue();
        }
    }

    private GatewayProcess serve(DnsTestBed bed, Path spool, int mtaPort, int reserveMb) throws Exception {
        return GatewayProcess.start(dir.resolve("mxguard-" + reserveMb + ".toml"), """
                hostname = "%s"
                greet-wait-ms = 0
                """.formatted(HOSTNAME), ResourceExhaustionIT.gatewayTables(bed, mtaPort, spool) + """
                reserve-mb = %d
                minimal-backoff-s = 1
                maximal-backoff-s = 2
                """.formatted(reserveMb));
    }

    private static void writeZeros(Path file, long bytes) throws IOException {
        byte[] block = new byte[64 * 1024];
        try (OutputStream out = Files.newOutputStream(file)) {
            for (long left = bytes; left > 0; left -= block.length) {
                out.write(block, 0, (int) Math.min(block.length, left));
            }
        }
    }

    /** Files in the message directories that are not a queued message's .eml or .env. */
    private static List<Path> leftovers(Path spool) throws IOException {
        try (Stream<Path> files = Files.walk(spool, 2)) {
            return files.filter(Files::isRegularFile)
                    .filter(f -> f.getParent().getFileName().toString().length() == 1)
                    .filter(f -> !f.toString().endsWith(".eml") && !f.toString().endsWith(".env")).toList();
        }
    }

    private static void awaitEmpty(Path spool) throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            try (Stream<Path> files = Files.walk(spool, 2)) {
                List<Path> left = files.filter(Files::isRegularFile)
                        .filter(f -> f.getParent().getFileName().toString().length() == 1).toList();
                if (left.isEmpty()) {
                    return;
                }
                if (System.nanoTime() > end) {
                    throw new AssertionError("still in the spool: " + left);
                }
            }
            Thread.sleep(100);
        }
    }

    private static boolean run(String... command) throws InterruptedException {
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            process.getInputStream().transferTo(OutputStream.nullOutputStream());
            return process.waitFor(10, TimeUnit.SECONDS) && process.exitValue() == 0;
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Sends messages numbered from {@code number} on until three are refused (each refusal exactly
     * {@link #FULL}), adding the accepted ones to {@code accepted}; the next unused number.
     */
    private static int sendUntilRefusedThrice(InetSocketAddress smtp, int number, List<String> accepted) throws Exception {
        for (int more = 3; more > 0; number++) {
            String m = message("full-" + number, MESSAGE);
            String reply = sendOne(smtp, m);
            if (reply.startsWith("250 2.0.0 Ok: queued as ")) {
                accepted.add(m);
            } else {
                assertThat(reply).as("message %d", number).isEqualTo(FULL);
                more--;
            }
        }
        return number;
    }
}
