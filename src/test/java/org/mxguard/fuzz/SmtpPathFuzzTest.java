package org.mxguard.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.mxguard.policy.Reply;
import org.mxguard.smtp.RelayControl;
import org.mxguard.smtp.RelayDecision;
import org.mxguard.smtp.SmtpArgumentException;
import org.mxguard.smtp.SmtpPath;

/**
 * Address parsing: the argument of {@code MAIL FROM:} or {@code RCPT TO:} ({@link SmtpPath}), as
 * the command line reader hands it over (UTF-8, bad sequences as U+FFFD), and the relay decision
 * taken on a parsed recipient.
 *
 * <p>What must hold: a refusal is only an {@link SmtpArgumentException} with one of the documented
 * replies, whose text is printable ASCII; an accepted path is within RFC 5321's lengths, its
 * address has no control character (it is written into the next hop's MAIL and RCPT commands and
 * into header fields), its domain is in the one normal form (lower-case A-labels or a canonical
 * address literal) and non-ASCII appears only with SMTPUTF8; the normal form parses back to the
 * same address (unless only its A-label form made it too long); and the relay decision accepts an
 * untrusted client's recipient only for a relay domain or the bare postmaster, never with routing
 * in the local part.
 *
 * <p>Input: one settings octet (bit 0: RCPT, else MAIL; bit 1: SMTPUTF8 declared, for RCPT), then
 * the argument after the colon.
 */
class SmtpPathFuzzTest {
    /** The documented refusals: code to enhanced codes. */
    private static final Map<Integer, Set<String>> REFUSALS = Map.of(
            501, Set.of("5.1.7", "5.1.3", "5.5.4"),
            553, Set.of("5.6.7"),
            555, Set.of("5.5.4"));
    private static final RelayControl RELAY = new RelayControl(Set.of("protected.test", ".relay.test"), List.of());
    private static final InetAddress UNTRUSTED = SmtpCommandFuzzTest.UNKNOWN;

    @FuzzTest
    void paths(byte[] input) {
        int settings = Wire.settings(input);
        String argument = new String(Wire.payload(input), StandardCharsets.UTF_8);
        boolean rcpt = (settings & 1) != 0;
        boolean utf8;
        SmtpPath path;
        try {
            if (rcpt) {
                utf8 = (settings & 2) != 0;
                path = SmtpPath.rcptTo(argument, utf8);
            } else {
                SmtpPath.MailFrom mail = SmtpPath.mailFrom(argument);
                utf8 = mail.parameters().smtputf8();
                path = mail.path();
                check(mail.parameters().size().orElse(0) >= 0, "a negative SIZE");
            }
        } catch (SmtpArgumentException e) {
            Reply reply = e.reply();
            check(REFUSALS.getOrDefault(reply.code(), Set.of()).contains(reply.enhanced()), "an undocumented refusal " + reply);
            check(printableAscii(reply.text()) && reply.text().length() < 400, "a reply text that cannot go on the wire");
            return;
        }
        check(octets(path.original()) <= 256, "a path over 256 octets");
        check(path.kind() != SmtpPath.Kind.NULL || !rcpt, "the null path as a recipient");
        check(path.kind() != SmtpPath.Kind.POSTMASTER || rcpt, "a bare postmaster as the sender");
        String address = path.address();
        check(noControls(address) && !address.contains("\uFFFD"), "a control character or U+FFFD in " + address);
        check(utf8 || isAscii(address), "non-ASCII without SMTPUTF8: " + address);
        if (path.kind() == SmtpPath.Kind.MAILBOX) {
            check(octets(path.localPart().value()) <= 64, "a local part over 64 octets");
            String domain = path.domain();
            check(isAscii(domain) && domain.length() <= 253 && !domain.endsWith("."), "domain not normal: " + domain);
            check(path.isAddressLiteral() ? path.addressLiteral().isPresent()
                    : domain.equals(domain.toLowerCase(java.util.Locale.ROOT)) && domain.contains("."),
                    "domain not normal: " + domain);
        }
        reparse(path, rcpt, utf8);
        if (rcpt) {
            relay(path);
        }
    }

    /** The normal form, as it is passed on, reads back as the same address. */
    private static void reparse(SmtpPath path, boolean rcpt, boolean utf8) {
        String normal = path.toString();
        SmtpPath again;
        try {
            again = rcpt ? SmtpPath.rcptTo(normal, utf8) : SmtpPath.mailFrom(normal + (utf8 ? " SMTPUTF8" : "")).path();
        } catch (SmtpArgumentException e) {
            // A-labels are longer than the U-labels sent: only the path length may be exceeded then
            check(octets(normal) > 256, "the normal form " + normal + " of " + path.original() + " is refused: " + e.detail());
            return;
        }
        check(again.kind() == path.kind() && again.address().equals(path.address())
                && again.domain().equals(path.domain()) && again.localPart().value().equals(path.localPart().value()),
                "the normal form " + normal + " reads back as " + again.address());
    }

    /** An untrusted client never gets a recipient accepted outside the relay domains. */
    private static void relay(SmtpPath recipient) {
        if (!(RELAY.decide(recipient, UNTRUSTED) instanceof RelayDecision.Accept)) {
            return;
        }
        if (recipient.isPostmaster()) {
            return;
        }
        String domain = recipient.domain();
        check(domain.equals("protected.test") || domain.endsWith(".relay.test"), "an open relay: " + recipient.address());
        String local = recipient.localPart().value();
        check(!recipient.hadSourceRoute() && local.indexOf('%') < 0 && local.indexOf('!') < 0 && local.indexOf('@') < 0,
                "routing accepted from an untrusted client: " + recipient.original());
    }

    private static boolean printableAscii(String s) {
        return s.chars().allMatch(c -> c >= 0x20 && c < 0x7f);
    }

    private static boolean noControls(String s) {
        return s.chars().noneMatch(c -> c < 0x20 || (c >= 0x7f && c < 0xa0));
    }

    private static boolean isAscii(String s) {
        return s.chars().allMatch(c -> c < 0x80);
    }

    private static int octets(String s) {
        return s.getBytes(StandardCharsets.UTF_8).length;
    }

    private static void check(boolean holds, String what) {
        if (!holds) {
            throw new AssertionError(what);
        }
    }
}
