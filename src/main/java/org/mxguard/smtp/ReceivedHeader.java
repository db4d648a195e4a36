package org.mxguard.smtp;

import java.net.IDN;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;
import org.mxguard.dns.DnsNames;

/**
 * The {@code Received:} trace field the gateway prepends to every message it accepts (RFC 5321
 * §4.4, RFC 5322 §3.6.7), in the shape Postfix made familiar:
 * <pre>
 * Received: from HELO (PTR-or-unknown [IP])
 *  (using TLSv1.3 with cipher TLS_AES_256_GCM_SHA384)
 *  by OUR-HOST (mxguard) with ESMTPS id QUEUE-ID
 *  for &lt;rcpt&gt;; Tue, 3 Jun 2025 12:00:00 +0000
 * </pre>
 * Every text input is untrusted: the HELO name and recipients come from the client, the PTR name
 * from DNS. None of them can end the field or open a comment; see {@link #heloText}.
 *
 * @param heloName      the HELO/EHLO argument as sent (null when the client never sent one)
 * @param ptrName       the client's PTR name, only when forward-confirmed; else "unknown" is written
 * @param clientAddress the connecting address (IPv4-mapped IPv6 is written as IPv4)
 * @param ourHost       this gateway's host name
 * @param transport     how the message came: decides the {@code with} keyword and the TLS comment
 * @param queueId       the queue id the message was accepted under
 * @param recipients    the accepted recipients; {@code for} is written only for exactly one, so a
 *                      copy of a message does not reveal who else received it (as Postfix does)
 * @param time          when the message was accepted
 * @param zone          the zone the date is written in
 */
public record ReceivedHeader(String heloName, Optional<String> ptrName, InetAddress clientAddress, String ourHost,
        Transport transport, String queueId, List<String> recipients, Instant time, ZoneId zone) {

    public static final String NAME = "Received";
    /** Longer HELO names, host names and ids are cut: a header word must stay far below 998 octets. */
    private static final int MAX_NAME = 255;
    private static final int MAX_ID = 64;
    /** RFC 5321 §4.5.3.1.3 allows 256 octets for a path; UTF-8 code points are at most 4 octets. */
    private static final int MAX_PATH = 200;
    private static final Pattern HOST_NAME = Pattern.compile("[a-z0-9_-]+(\\.[a-z0-9_-]+)*");
    private static final Pattern LITERAL = Pattern.compile("\\[[A-Za-z0-9.:-]+]");

    public ReceivedHeader {
        ptrName = Objects.requireNonNullElse(ptrName, Optional.empty());
        clientAddress = DnsNames.canonical(Objects.requireNonNull(clientAddress, "clientAddress"));
        transport = Objects.requireNonNullElse(transport, Transport.ESMTP);
        recipients = recipients == null ? List.of() : List.copyOf(recipients);
        Objects.requireNonNull(time, "time");
        Objects.requireNonNull(zone, "zone");
    }

    /** The TLS parameters of the session, as {@code SSLSession} names them. */
    public record Tls(String protocol, String cipher) {
        public Tls {
            Objects.requireNonNull(protocol, "protocol");
            Objects.requireNonNull(cipher, "cipher");
        }
    }

    /**
     * How the message was received; the {@code with} keyword follows from it (RFC 3848, and RFC 6531
     * §3.7.4 for SMTPUTF8): SMTP after HELO, ESMTP after EHLO, "S" with TLS, "A" when authenticated.
     *
     * @param extended      the client said EHLO
     * @param smtpUtf8      the transaction used SMTPUTF8
     * @param authenticated the client authenticated (SMTP AUTH)
     * @param tls           the TLS parameters, when STARTTLS succeeded
     */
    public record Transport(boolean extended, boolean smtpUtf8, boolean authenticated, Optional<Tls> tls) {
        public static final Transport SMTP = new Transport(false, false, false, Optional.empty());
        public static final Transport ESMTP = new Transport(true, false, false, Optional.empty());

        public Transport {
            tls = Objects.requireNonNullElse(tls, Optional.empty());
        }

        public Transport withTls(Tls parameters) {
            return new Transport(true, smtpUtf8, authenticated, Optional.of(parameters));
        }

        public Transport withSmtpUtf8() {
            return new Transport(true, true, authenticated, tls);
        }

        public Transport withAuthentication() {
            return new Transport(true, smtpUtf8, true, tls);
        }

        /** The protocol type; TLS, AUTH and SMTPUTF8 are EHLO extensions, so any of them means extended. */
        public String keyword() {
            boolean esmtp = extended || smtpUtf8 || authenticated || tls.isPresent();
            String base = smtpUtf8 ? "UTF8SMTP" : esmtp ? "ESMTP" : "SMTP";
            return base + (tls.isPresent() ? "S" : "") + (authenticated ? "A" : "");
        }
    }

    /** The whole field, folded, ending in CRLF. */
    public String render() {
        List<String> clauses = new ArrayList<>(8);
        clauses.add("from " + heloText(heloName));
        clauses.add("(" + ptrText(ptrName) + " " + addressLiteral(clientAddress) + ")");
        transport.tls().ifPresent(t -> clauses.add("(using " + tlsName(t.protocol()) + " with cipher " + tlsName(t.cipher()) + ")"));
        clauses.add("by " + heloText(ourHost) + " (mxguard)");
        clauses.add("with " + transport.keyword());
        String id = word(queueId, false);
        if (!id.isEmpty()) {
            clauses.add("id " + id);
        }
        if (recipients.size() == 1) {
            clauses.add("for <" + pathText(recipients.get(0), transport.smtpUtf8()) + ">");
        }
        int last = clauses.size() - 1;
        clauses.set(last, clauses.get(last) + ";");
        clauses.add(HeaderText.date(time, zone));
        return HeaderText.field(NAME, clauses);
    }

    /** RFC 5321 §4.1.3: {@code [192.0.2.1]} or {@code [IPv6:2001:db8::1]}. */
    static String addressLiteral(InetAddress address) {
        InetAddress a = DnsNames.canonical(address);
        return a instanceof Inet6Address ? "[IPv6:" + DnsNames.text(a) + "]" : "[" + DnsNames.text(a) + "]";
    }

    /**
     * A HELO argument (or our own name) as it may appear in the field: an address literal of
     * address characters stays as sent; otherwise only letters, digits, '.', '-' and '_' survive and
     * anything else becomes '?', so brackets, parentheses, ';' and line breaks cannot change the
     * field's structure. A Unicode name is written as its A-labels when it has them.
     */
    static String heloText(String helo) {
        String s = HeaderText.printable(helo, true, MAX_NAME);
        if (s.isEmpty()) {
            return "unknown";
        }
        if (LITERAL.matcher(s).matches()) {
            return s;
        }
        if (!s.chars().allMatch(c -> c < 0x80)) {
            try {
                s = IDN.toASCII(s, IDN.ALLOW_UNASSIGNED);
            } catch (IllegalArgumentException e) {
                // not convertible: the '?' below stand for what could not be written
            }
        }
        StringBuilder out = new StringBuilder(s.length());
        s.codePoints().limit(MAX_NAME).forEach(c -> out.append(isNameChar(c) ? (char) c : '?'));
        return out.toString();
    }

    /** A PTR name only when it is a plain host name; anything else is "unknown" (as Postfix writes). */
    static String ptrText(Optional<String> ptr) {
        if (ptr.isEmpty()) {
            return "unknown";
        }
        String name = ptr.get().toLowerCase(Locale.ROOT);
        name = name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
        return name.length() <= 253 && HOST_NAME.matcher(name).matches() ? name : "unknown";
    }

    /**
     * An id (an RFC 5322 atom, so no '.') or a TLS parameter name (inside a comment, '.' allowed)
     * of letters, digits, '-' and '_'; other characters become '?'.
     */
    static String word(String text, boolean dots) {
        String s = HeaderText.printable(text, false, MAX_ID);
        StringBuilder out = new StringBuilder(s.length());
        s.chars().forEach(c -> out.append(isNameChar(c) && (dots || c != '.') ? (char) c : '?'));
        return out.toString();
    }

    private static String tlsName(String name) {
        String w = word(name, true);
        return w.isEmpty() ? "unknown" : w;
    }

    /**
     * A recipient inside {@code <...>}: the angle brackets (given or not) are taken off, and only
     * atom characters, '.', '@' and a well-formed address-literal domain survive; quotes,
     * backslashes, parentheses, brackets and ';' become '?', since any of them could open a
     * quoted string, comment or literal that swallows the rest of the field (the date) for a
     * parser. UTF-8 stays only for an SMTPUTF8 transaction (RFC 6531), where it is allowed.
     */
    static String pathText(String recipient, boolean utf8) {
        String s = HeaderText.printable(recipient, utf8, MAX_PATH);
        if (s.length() >= 2 && s.startsWith("<") && s.endsWith(">")) {
            s = s.substring(1, s.length() - 1);
        }
        int at = s.lastIndexOf('@');
        String literal = at >= 0 && LITERAL.matcher(s.substring(at + 1)).matches() ? s.substring(at + 1) : "";
        String rest = s.substring(0, s.length() - literal.length());
        StringBuilder out = new StringBuilder(s.length());
        rest.codePoints().forEach(c -> out.appendCodePoint(c >= 0x80 || c == '@' || isAtext(c) ? c : '?'));
        return out.append(literal).toString();
    }

    /** RFC 5322 atext, plus '.' (dot-atom). */
    private static boolean isAtext(int c) {
        return isNameChar(c) || c < 0x7f && "!#$%&'*+/=?^`{|}~".indexOf(c) >= 0;
    }

    private static boolean isNameChar(int c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == '_';
    }
}
