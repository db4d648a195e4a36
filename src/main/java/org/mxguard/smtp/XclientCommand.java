package org.mxguard.smtp;

import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Optional;
import org.mxguard.policy.Reply;

/**
 * Parses the argument of Postfix's XCLIENT command
 * ({@code XCLIENT 1*( SP attribute-name "=" attribute-value )}, https://www.postfix.org/XCLIENT_README.html),
 * with which a trusted proxy or content filter tells the gateway who the real client is.
 *
 * <p>Values are RFC 3461 xtext ({@code +XX} for an octet); names are case-insensitive; a name
 * given twice keeps its last value, as in Postfix. Replies follow Postfix's codes; the text names
 * XCLIENT so that a proxy's log says which command failed. Authorization, the transaction check
 * and what to do with the result are the session's: see {@link #NOT_AUTHORIZED},
 * {@link #IN_TRANSACTION} and {@link #ADDRESS_NEEDED}.
 */
public final class XclientCommand {
    /** The EHLO keyword line (after "250-") for a client allowed to use XCLIENT. */
    public static final String EHLO_KEYWORD = "XCLIENT NAME ADDR PORT PROTO HELO LOGIN DESTADDR DESTPORT";
    /** XCLIENT from a client not in the XCLIENT-trusted networks. */
    public static final Reply NOT_AUTHORIZED = new Reply(550, "5.7.0", "Error: insufficient authorization");
    /** XCLIENT between MAIL and the end of the transaction. */
    public static final Reply IN_TRANSACTION = new Reply(503, "5.5.1", "Error: MAIL transaction in progress");
    /** ADDR=[UNAVAILABLE]: valid XCLIENT, but every check of this gateway starts from the client's address. */
    public static final Reply ADDRESS_NEEDED =
            new Reply(501, "5.5.4", "Bad XCLIENT ADDR: [UNAVAILABLE] not supported, an address is needed");

    static final String UNAVAILABLE = "[UNAVAILABLE]";
    static final String TEMPUNAVAIL = "[TEMPUNAVAIL]";
    /** Postfix's limit on one encoded value. */
    static final int MAX_VALUE_LENGTH = 255;

    private static final Reply SYNTAX = new Reply(501, "5.5.4", "Syntax: XCLIENT attribute=value...");

    private XclientCommand() {
    }

    /**
     * The attributes of one XCLIENT command.
     *
     * @param argument the command line after {@code "XCLIENT "}
     * @throws SmtpArgumentException with the 501 reply to send: no attributes, a token without
     *     {@code =} or with an empty value, an unknown name, or a value that is not valid xtext or
     *     not valid for its attribute
     */
    public static Xclient parse(String argument) throws SmtpArgumentException {
        Xclient.Attribute<String> name = Xclient.Attribute.absent();
        Xclient.Attribute<InetAddress> addr = Xclient.Attribute.absent();
        Xclient.Attribute<Integer> port = Xclient.Attribute.absent();
        Xclient.Attribute<String> proto = Xclient.Attribute.absent();
        Xclient.Attribute<String> helo = Xclient.Attribute.absent();
        Xclient.Attribute<String> login = Xclient.Attribute.absent();
        Xclient.Attribute<InetAddress> destAddr = Xclient.Attribute.absent();
        Xclient.Attribute<Integer> destPort = Xclient.Attribute.absent();
        String[] tokens = argument.strip().split(" +");
        if (tokens[0].isEmpty()) {
            throw new SmtpArgumentException(SYNTAX, "XCLIENT without attributes");
        }
        for (String token : tokens) {
            int eq = token.indexOf('=');
            if (eq <= 0 || eq == token.length() - 1) {
                throw new SmtpArgumentException(SYNTAX, "attribute=value expected, got " + EsmtpParameter.printable(token));
            }
            String attribute = token.substring(0, eq).toUpperCase(Locale.ROOT);
            String raw = token.substring(eq + 1);
            switch (attribute) {
                case "NAME" -> name = hostName(raw);
                case "ADDR" -> addr = address(attribute, raw);
                case "PORT" -> port = port(attribute, raw);
                case "PROTO" -> proto = protocol(raw);
                case "HELO" -> helo = text(attribute, raw);
                case "LOGIN" -> login = text(attribute, raw);
                case "DESTADDR" -> destAddr = address(attribute, raw);
                case "DESTPORT" -> destPort = port(attribute, raw);
                default -> {
                    String shown = EsmtpParameter.printable(token.substring(0, eq));
                    throw new SmtpArgumentException(new Reply(501, "5.5.4", "Bad XCLIENT attribute name: " + shown),
                            "unknown XCLIENT attribute " + shown);
                }
            }
        }
        return new Xclient(name, addr, port, proto, helo, login, destAddr, destPort);
    }

    /** NAME: a host name, or either special value (Postfix's valid_hostname: no dot needed). */
    private static Xclient.Attribute<String> hostName(String raw) throws SmtpArgumentException {
        String value = decode("NAME", raw);
        if (value.equals(UNAVAILABLE)) {
            return Xclient.Attribute.unavailable();
        }
        if (value.equals(TEMPUNAVAIL)) {
            return Xclient.Attribute.tempUnavailable();
        }
        String host = value.endsWith(".") ? value.substring(0, value.length() - 1) : value;
        if (!isHostName(host)) {
            throw bad("NAME", value);
        }
        return Xclient.Attribute.of(host);
    }

    /** ADDR, DESTADDR: IPv4, or IPv6 with Postfix's "IPV6:" prefix (tolerated without it). */
    private static Xclient.Attribute<InetAddress> address(String attribute, String raw) throws SmtpArgumentException {
        String value = decode(attribute, raw);
        if (value.equals(UNAVAILABLE)) {
            return Xclient.Attribute.unavailable();
        }
        Optional<InetAddress> ip = value.regionMatches(true, 0, "IPV6:", 0, 5)
                ? IpLiteral.ipv6(value.substring(5))
                : IpLiteral.ipv4(value).or(() -> IpLiteral.ipv6(value));
        return Xclient.Attribute.of(ip.orElseThrow(() -> bad(attribute, value)));
    }

    /** PORT, DESTPORT: up to 5 decimal digits (leading zeros tolerated, as Postfix does), at most 65535. */
    private static Xclient.Attribute<Integer> port(String attribute, String raw) throws SmtpArgumentException {
        String value = decode(attribute, raw);
        if (value.equals(UNAVAILABLE)) {
            return Xclient.Attribute.unavailable();
        }
        if (value.isEmpty() || value.length() > 5 || !value.chars().allMatch(c -> c >= '0' && c <= '9')
                || Integer.parseInt(value) > 65535) {
            throw bad(attribute, value);
        }
        return Xclient.Attribute.of(Integer.parseInt(value));
    }

    /** PROTO: SMTP or ESMTP, nothing else (Postfix takes no [UNAVAILABLE] here either). */
    private static Xclient.Attribute<String> protocol(String raw) throws SmtpArgumentException {
        String value = decode("PROTO", raw).toUpperCase(Locale.ROOT);
        if (!value.equals("SMTP") && !value.equals("ESMTP")) {
            throw bad("PROTO", value);
        }
        return Xclient.Attribute.of(value);
    }

    /** HELO, LOGIN: free text; control characters become '?' so that no log or header line can be split. */
    private static Xclient.Attribute<String> text(String attribute, String raw) throws SmtpArgumentException {
        String value = decode(attribute, raw);
        if (value.equals(UNAVAILABLE)) {
            return Xclient.Attribute.unavailable();
        }
        if (value.equals(TEMPUNAVAIL)) {
            throw bad(attribute, value);
        }
        StringBuilder neutered = new StringBuilder(value.length());
        value.codePoints().forEach(cp -> neutered.appendCodePoint(Character.isISOControl(cp) ? '?' : cp));
        return Xclient.Attribute.of(neutered.toString());
    }

    /**
     * RFC 3461 xtext: printable ASCII but '+' and '=', and "+XX" for any octet (upper case hex in
     * the RFC; lower case taken too, as Postfix does). The octets are read as UTF-8.
     */
    static String decode(String attribute, String raw) throws SmtpArgumentException {
        if (raw.length() > MAX_VALUE_LENGTH) {
            throw new SmtpArgumentException(new Reply(501, "5.5.4", "Bad XCLIENT " + attribute + ": value too long"),
                    attribute + " value of " + raw.length() + " characters");
        }
        ByteArrayOutputStream octets = new ByteArrayOutputStream(raw.length());
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c == '+') {
                if (i + 2 >= raw.length() || !isAsciiHex(raw.charAt(i + 1)) || !isAsciiHex(raw.charAt(i + 2))) {
                    throw bad(attribute, raw);
                }
                octets.write(Character.digit(raw.charAt(i + 1), 16) << 4 | Character.digit(raw.charAt(i + 2), 16));
                i += 2;
            } else if (c >= '!' && c <= '~' && c != '=') {
                octets.write(c);
            } else {
                throw bad(attribute, raw);
            }
        }
        return octets.toString(StandardCharsets.UTF_8);
    }

    private static boolean isAsciiHex(char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    }

    /** Labels of letters, digits, '-' and '_' (Postfix's valid_hostname), not all numeric. */
    private static boolean isHostName(String host) {
        if (host.isEmpty() || host.length() > 253) {
            return false;
        }
        boolean numeric = true;
        for (String label : host.split("\\.", -1)) {
            if (label.isEmpty() || label.length() > 63 || label.startsWith("-") || label.endsWith("-")) {
                return false;
            }
            for (int i = 0; i < label.length(); i++) {
                char c = label.charAt(i);
                boolean letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' || c == '_';
                if (!letter && (c < '0' || c > '9')) {
                    return false;
                }
                numeric &= !letter;
            }
        }
        return !numeric; // "192.0.2.1" is an address, not a name
    }

    private static SmtpArgumentException bad(String attribute, String value) {
        String shown = EsmtpParameter.printable(value);
        return new SmtpArgumentException(new Reply(501, "5.5.4", "Bad XCLIENT " + attribute + " syntax: " + shown),
                "bad XCLIENT " + attribute + " " + shown);
    }
}
