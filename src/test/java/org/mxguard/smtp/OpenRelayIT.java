package org.mxguard.smtp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mxguard.smtp.ResourceExhaustionIT.HOSTNAME;
import static org.mxguard.smtp.ResourceExhaustionIT.MTA;
import static org.mxguard.smtp.ResourceExhaustionIT.PROTECTED;
import static org.mxguard.smtp.ResourceExhaustionIT.assertDeliveredIntact;
import static org.mxguard.smtp.ResourceExhaustionIT.message;
import static org.mxguard.testbed.TestZones.CNAME_PTR_HOST;
import static org.mxguard.testbed.TestZones.CNAME_PTR_IP;
import static org.mxguard.testbed.TestZones.GENERIC_CONFIRMED_HOST;
import static org.mxguard.testbed.TestZones.GENERIC_CONFIRMED_IP;
import static org.mxguard.testbed.TestZones.GOOD_HOST;
import static org.mxguard.testbed.TestZones.GOOD_IP;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.mxguard.delivery.DeliveryTestSink;
import org.mxguard.testbed.DnsTestBed;

/**
 * {@code mxguard serve} against the probes of the public open-relay testers (mail-abuse.org's and
 * abuse.net's classic lists, and their spelling variants): from clients outside the trusted
 * networks, every sender with every recipient outside the relay domain is refused, in dry-run mode
 * too, and nothing reaches the spool. The relay domain's own recipients are taken, and a trusted
 * client may send anywhere (so the harness would see a relay if there were one).
 */
@ExtendWith(DnsTestBed.class)
class OpenRelayIT {
    /** The gateway's own address, as the testers write it in address literals. */
    private static final String SELF = "[127.0.0.1]";
    private static final String OUTSIDE = "elsewhere.test";
    /** Each probe costs the session up to three errors (MAIL, RCPT, DATA): below smtp.hard-error-limit (20). */
    private static final int PROBES_PER_SESSION = 6;

    /** The recipient forms; "relay" is the relay domain, "self" the gateway's address literal. */
    static final List<String> RECIPIENTS = List.of(
            "nobody@" + OUTSIDE,
            "nobody%" + OUTSIDE + "@" + PROTECTED,
            "nobody%" + OUTSIDE + "@" + SELF,
            "nobody%" + OUTSIDE + "%" + PROTECTED + "@" + PROTECTED,
            "\"nobody@" + OUTSIDE + "\"",
            "\"nobody%" + OUTSIDE + "\"",
            "\"nobody@" + OUTSIDE + "\"@" + PROTECTED,
            "\"nobody%" + OUTSIDE + "\"@" + PROTECTED,
            "\"nobody@" + OUTSIDE + "\"@" + SELF,
            "\"nobody\\@" + OUTSIDE + "\"@" + PROTECTED,
            "nobody@" + OUTSIDE + "@" + PROTECTED,
            "nobody@" + OUTSIDE + "@" + SELF,
            "@" + PROTECTED + ":nobody@" + OUTSIDE,
            "@" + SELF + ":nobody@" + OUTSIDE,
            "@" + HOSTNAME + ",@" + PROTECTED + ":nobody@" + OUTSIDE,
            OUTSIDE + "!nobody",
            OUTSIDE + "!nobody@" + PROTECTED,
            OUTSIDE + "!nobody@" + SELF,
            "nobody@" + SELF,
            "nobody@[IPv6:::1]",
            "nobody@[192.0.2.1]",
            "nobody@" + HOSTNAME,
            "nobody@localhost",
            "nobody",
            "NOBODY@" + OUTSIDE.toUpperCase(),
            "nobody@" + OUTSIDE + ".",
            "nobody%" + OUTSIDE + "@" + PROTECTED.toUpperCase() + ".",
            "nobody@sub." + PROTECTED,
            "nobody@x" + PROTECTED,
            "nobody@" + PROTECTED + "." + OUTSIDE,
            "nobody@" + PROTECTED + "\\." + OUTSIDE,
            "postmaster@" + OUTSIDE,
            "nobody@" + OUTSIDE + ">, <bob@" + PROTECTED);

    /** MAIL FROM forms the testers pair them with. */
    static final List<String> SENDERS = List.of(
            "spamtest@" + OUTSIDE,
            "",
            "spamtest@" + PROTECTED,
            "postmaster@" + PROTECTED,
            "spamtest@" + HOSTNAME,
            "spamtest@" + SELF,
            "spamtest@localhost",
            "spamtest");

    /** Untrusted clients with forward-confirmed PTRs: the checks pass, so only relay control refuses. */
    private static final Map<String, String> UNTRUSTED = Map.of(GOOD_IP, GOOD_HOST, CNAME_PTR_IP, CNAME_PTR_HOST);

    @TempDir
    Path dir;

    @Test
    void noAddressFormRelaysForAnUntrustedClient(DnsTestBed bed) throws Exception {
        int mtaPort = DeliveryTestSink.freePortOn(MTA);
        Path spool = dir.resolve("spool");
        Map<String, Integer> replies = new TreeMap<>();
        int tried = 0;
        List<String> mtaDumps;
        try (DeliveryTestSink mta = DeliveryTestSink.start(MTA, mtaPort)) {
            for (boolean dryRun : new boolean[] {false, true}) {
                try (GatewayProcess gateway = GatewayProcess.start(dir.resolve("relay-" + dryRun + ".toml"), """
                        hostname = "%s"
                        greet-wait-ms = 0
                        trusted-networks = ["%s/32"]
                        dry-run = %s
                        """.formatted(HOSTNAME, GENERIC_CONFIRMED_IP, dryRun),
                        ResourceExhaustionIT.gatewayTables(bed, mtaPort, spool))) {
                    for (Map.Entry<String, String> client : UNTRUSTED.entrySet()) {
                        // every sender from one client; the other client, and the dry run from one, with three
                        if (dryRun && !client.getKey().equals(GOOD_IP)) {
                            continue;
                        }
                        boolean everySender = !dryRun && client.getKey().equals(GOOD_IP);
                        for (String sender : everySender ? SENDERS : SENDERS.subList(0, 3)) {
                            for (int from = 0; from < RECIPIENTS.size(); from += PROBES_PER_SESSION) {
                                List<String> chunk = RECIPIENTS.subList(from, Math.min(RECIPIENTS.size(), from + PROBES_PER_SESSION));
                                for (String refusal : attempts(gateway, client.getKey(), client.getValue(), sender, chunk)) {
                                    replies.merge(refusal.substring(0, 3), 1, Integer::sum);
                                    tried++;
                                }
                            }
                        }
                    }
                    assertThat(relayedInSpool(spool)).as("nothing queued by a relay attempt (dry run: %s)", dryRun).isEmpty();

                    // the relay domain's own mail is taken from the same clients, however its domain is spelled
                    for (String recipient : List.of("bob@" + PROTECTED, "Bob@" + PROTECTED.toUpperCase(), "bob@" + PROTECTED + ".")) {
                        String m = message("in-domain-" + dryRun + "-" + recipient, 400);
                        try (SmtpDialog d = SmtpDialog.open(gateway.smtp(), GOOD_IP)) {
                            assertThat(d.send(GOOD_HOST, "alice@good.test", recipient, m)).as(recipient)
                                    .startsWith("250 2.0.0 Ok: queued as ");
                        }
                        assertDeliveredIntact(mta, m);
                    }
                    // control: a trusted client may relay, and the harness sees it
                    String outbound = message("trusted-" + dryRun, 400);
                    try (SmtpDialog d = SmtpDialog.open(gateway.smtp(), GENERIC_CONFIRMED_IP)) {
                        assertThat(d.send(GENERIC_CONFIRMED_HOST, "carol@good.test", "bob@" + PROTECTED, outbound))
                                .startsWith("250 2.0.0 Ok: queued as ");
                        assertThat(d.command("MAIL FROM:<carol@good.test>")).startsWith("250");
                        assertThat(d.command("RCPT TO:<nobody@" + OUTSIDE + ">")).isEqualTo("250 2.1.5 Ok");
                    }
                }
            }
            mtaDumps = mta.dumps();
        }
        assertThat(mtaDumps).noneMatch(dump -> dump.contains("X-Test-Id: relayed-"));
        System.out.printf("open-relay: forms=%d senders=%d attempts=%d refused=%d by-code=%s queued=0 in-domain-accepted=6 "
                        + "trusted-control-accepted=2%n", RECIPIENTS.size(), SENDERS.size(), tried, tried, replies);
    }

    /**
     * Testers' probes in one session, each MAIL, RCPT, DATA (and a message, should DATA say 354),
     * then RSET. Fails unless each RCPT (or the MAIL before it) was refused; returns those refusals.
     */
    private static List<String> attempts(GatewayProcess gateway, String client, String helo, String sender,
            List<String> recipients) throws IOException {
        List<String> refusals = new ArrayList<>();
        try (SmtpDialog d = SmtpDialog.open(gateway.smtp(), client)) {
            assertThat(d.command("EHLO " + helo)).startsWith("250");
            for (String recipient : recipients) {
                String mail = d.command("MAIL FROM:<" + sender + ">");
                String rcpt = d.command("RCPT TO:<" + recipient + ">");
                String data = d.command("DATA");
                if (data.startsWith("354")) {
                    d.data(message("relayed-" + recipient, 300));
                }
                String what = "MAIL FROM:<%s> RCPT TO:<%s> from %s: %s / %s / %s".formatted(sender, recipient, client, mail,
                        rcpt, data);
                assertThat(rcpt).as(what).matches("[45]\\d\\d .*");
                assertThat(data).as(what).matches("5\\d\\d .*");
                assertThat(d.command("RSET")).as(what).startsWith("250");
                refusals.add(mail.startsWith("250") ? rcpt : mail);
            }
        }
        return refusals;
    }

    /** Queued bodies that came from a relay attempt. */
    private static List<Path> relayedInSpool(Path spool) throws IOException {
        try (Stream<Path> files = Files.walk(spool, 2)) {
            List<Path> relayed = new ArrayList<>();
            for (Path f : files.filter(f -> f.toString().endsWith(".eml")).toList()) {
                if (Files.readString(f, java.nio.charset.StandardCharsets.ISO_8859_1).contains("X-Test-Id: relayed-")) {
                    relayed.add(f);
                }
            }
            return relayed;
        }
    }
}
