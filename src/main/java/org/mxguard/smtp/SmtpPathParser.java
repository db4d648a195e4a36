package org.mxguard.smtp;

import java.nio.charset.StandardCharsets;
import org.mxguard.policy.Reply;

/**
 * The RFC 5321 §4.1.2 grammar of a Reverse-path and a Forward-path, with RFC 6531's UTF-8:
 * <pre>
 * Path       = "&lt;" [ A-d-l ":" ] Mailbox "&gt;"      A-d-l = At-domain *( "," At-domain )
 * Mailbox    = Local-part "@" ( Domain / address-literal )
 * Local-part = Dot-string / Quoted-string
 * </pre>
 * Lengths are RFC 5321 §4.5.3.1's, in octets of UTF-8: local part 64 (as sent, quotes
 * included) and path 256 (brackets and source route included). The path limit leaves a domain at
 * most 252 octets, below both the RFC's 255 and the DNS's 253, so the domain needs no check of
 * its own beyond the 253 that {@link MailDomain#normalize} applies to the A-label form.
 */
final class SmtpPathParser {
    static final int MAX_LOCAL_PART = 64;
    static final int MAX_PATH = 256;

    private static final Reply NEEDS_SMTPUTF8 =
            new Reply(553, "5.6.7", "Must declare SMTPUTF8 to send unicode address");

    /** Whose path it is: decides what may be empty and which reply a syntax error gets. */
    enum Role {
        SENDER(new Reply(501, "5.1.7", "Bad sender address syntax")),
        RECIPIENT(new Reply(501, "5.1.3", "Bad recipient address syntax"));

        private final Reply badSyntax;

        Role(Reply badSyntax) {
            this.badSyntax = badSyntax;
        }

        SmtpArgumentException bad(String detail) {
            return new SmtpArgumentException(badSyntax, detail);
        }
    }

    /** The argument after "FROM:" or "TO:", cut into the path with its brackets and the parameters. */
    record Split(String path, String parameters) {
        /**
         * Allows one space before the '<' (the RFC allows none, but Outlook and others have long
         * sent {@code MAIL FROM: <a@b>}); requires the brackets, and a space before parameters.
         */
        static Split of(String argument, Role role) throws SmtpArgumentException {
            int start = argument.startsWith(" ") ? 1 : 0;
            if (start >= argument.length() || argument.charAt(start) != '<') {
                throw role.bad("no '<' at the start of the path");
            }
            boolean quoted = false;
            for (int i = start + 1; i < argument.length(); i++) {
                char c = argument.charAt(i);
                if (quoted && c == '\\') {
                    i++; // a quoted pair: the next character is data, even '"' or '>'
                } else if (c == '"') {
                    quoted = !quoted;
                } else if (!quoted && c == '<') {
                    throw role.bad("'<' inside the path");
                } else if (!quoted && c == '>') {
                    String rest = argument.substring(i + 1);
                    if (!rest.isEmpty() && rest.charAt(0) != ' ') {
                        throw role.bad("text right after '>'");
                    }
                    return new Split(argument.substring(start, i + 1), rest);
                }
            }
            throw role.bad("no closing '>'");
        }
    }

    private final String text; // the path without its brackets
    private final Role role;
    private int pos;

    private SmtpPathParser(String text, Role role) {
        this.text = text;
        this.role = role;
    }

    /**
     * @param path with its brackets, as {@link Split} found it
     * @param utf8 whether the transaction declared SMTPUTF8
     */
    static SmtpPath parse(String path, Role role, boolean utf8) throws SmtpArgumentException {
        if (octets(path) > MAX_PATH) {
            throw role.bad("path longer than " + MAX_PATH + " octets");
        }
        String inner = path.substring(1, path.length() - 1);
        if (!utf8 && !MailDomain.isAscii(inner)) {
            throw new SmtpArgumentException(NEEDS_SMTPUTF8, "non-ASCII address without SMTPUTF8");
        }
        if (inner.isEmpty()) {
            if (role == Role.RECIPIENT) {
                throw role.bad("null path as recipient");
            }
            return new SmtpPath(SmtpPath.Kind.NULL, new LocalPart("", false), "", false, path);
        }
        if (role == Role.RECIPIENT && inner.equalsIgnoreCase("postmaster")) {
            // RFC 5321 §4.1.1.3: <Postmaster> without a domain, which every server must accept
            return new SmtpPath(SmtpPath.Kind.POSTMASTER, new LocalPart(inner, false), "", false, path);
        }
        return new SmtpPathParser(inner, role).mailbox(path);
    }

    private SmtpPath mailbox(String path) throws SmtpArgumentException {
        boolean route = peek() == '@';
        if (route) {
            sourceRoute();
        }
        int localStart = pos;
        LocalPart local = peek() == '"' ? quotedString() : dotString();
        if (octets(text.substring(localStart, pos)) > MAX_LOCAL_PART) {
            throw role.bad("local part longer than " + MAX_LOCAL_PART + " octets");
        }
        if (peek() != '@') {
            throw role.bad(pos >= text.length() ? "no domain" : "bad character in local part");
        }
        pos++;
        return new SmtpPath(SmtpPath.Kind.MAILBOX, local, domain(text.substring(pos)), route, path);
    }

    /** A-d-l ":" — parsed so that it is checked, then ignored as RFC 5321 §4.1.1.3 says. */
    private void sourceRoute() throws SmtpArgumentException {
        while (true) {
            pos++; // the '@'
            int start = pos;
            while (pos < text.length() && text.charAt(pos) != ',' && text.charAt(pos) != ':') {
                pos++;
            }
            if (pos >= text.length()) {
                throw role.bad("source route without ':'");
            }
            try {
                MailDomain.normalize(text.substring(start, pos));
            } catch (IllegalArgumentException e) {
                throw role.bad("bad domain in source route: " + e.getMessage());
            }
            if (text.charAt(pos++) == ':') {
                return;
            }
            if (peek() != '@') {
                throw role.bad("source route element without '@'");
            }
        }
    }

    private LocalPart dotString() throws SmtpArgumentException {
        int start = pos;
        while (true) {
            int atomStart = pos;
            while (pos < text.length() && LocalPart.isAtext(text.codePointAt(pos))) {
                pos += Character.charCount(text.codePointAt(pos));
            }
            if (pos == atomStart) {
                throw role.bad(pos == start ? "empty local part" : "empty atom in local part");
            }
            if (peek() != '.') {
                return new LocalPart(text.substring(start, pos), false);
            }
            pos++;
        }
    }

    /** Quoted-string: qtextSMTP (printable ASCII but '"' and '\', plus UTF-8) or quoted pairs. */
    private LocalPart quotedString() throws SmtpArgumentException {
        StringBuilder value = new StringBuilder();
        pos++; // the opening '"'
        while (pos < text.length()) {
            int cp = text.codePointAt(pos);
            pos += Character.charCount(cp);
            if (cp == '"') {
                return new LocalPart(value.toString(), true);
            }
            if (cp == '\\') {
                if (pos >= text.length() || text.charAt(pos) < 32 || text.charAt(pos) > 126) {
                    throw role.bad("bad quoted pair in local part");
                }
                value.append(text.charAt(pos++));
            } else if ((cp >= 32 && cp <= 126) || LocalPart.isUtf8NonAscii(cp)) {
                value.appendCodePoint(cp);
            } else {
                throw role.bad("control character in quoted local part");
            }
        }
        throw role.bad("unterminated quoted local part");
    }

    private String domain(String domain) throws SmtpArgumentException {
        try {
            return domain.startsWith("[") ? MailDomain.literal(domain) : MailDomain.normalize(domain);
        } catch (IllegalArgumentException e) {
            throw role.bad("bad domain: " + e.getMessage());
        }
    }

    private int peek() {
        return pos < text.length() ? text.charAt(pos) : -1;
    }

    static int octets(String s) {
        return s.getBytes(StandardCharsets.UTF_8).length;
    }
}
