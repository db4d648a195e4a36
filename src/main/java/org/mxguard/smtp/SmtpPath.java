package org.mxguard.smtp;

import java.net.InetAddress;
import java.util.Objects;
import java.util.Optional;
import org.mxguard.dns.InetAddresses;

/**
 * The path of a MAIL FROM or RCPT TO command (RFC 5321 §4.1.2), parsed.
 *
 * <p>What is accepted beyond the letter of the RFC, and why:
 * <ul>
 * <li>one space after the colon ({@code MAIL FROM: <a@b>}): common clients send it and Postfix
 *     takes it; it cannot be mistaken for anything else. Two spaces are an error.
 * <li>a trailing dot in the domain, dropped (as Postfix does), so {@code b.example.} is
 *     {@code b.example} for every later comparison.
 * </ul>
 * What is refused although Postfix (with {@code strict_rfc821_envelopes = no}) takes it: a path
 * without angle brackets. Without them {@code a@b SIZE=1} is ambiguous, every real MTA sends the
 * brackets, and mostly spam tools omit them. A domain must be a fully-qualified name (RFC 5321
 * §2.3.5), so {@code user@localhost} is refused; only {@code <postmaster>} goes without one.
 *
 * @param kind           the null reverse-path, the bare postmaster, or a mailbox
 * @param localPart      empty for the null path; for {@code <Postmaster>} as sent
 * @param domain         lower-case A-labels without trailing dot, or a canonical address literal
 *                       ({@code [192.0.2.1]}, {@code [IPv6:2001:db8::1]}); empty when there is none
 * @param hadSourceRoute whether a source route ({@code <@a.example:u@b.example>}) came first; it
 *                       is checked and then ignored, as RFC 5321 §4.1.1.3 says
 * @param original       the path as received, with its angle brackets
 */
public record SmtpPath(Kind kind, LocalPart localPart, String domain, boolean hadSourceRoute, String original) {
    public enum Kind { NULL, POSTMASTER, MAILBOX }

    /** A MAIL command's argument: the reverse-path and its parameters. */
    public record MailFrom(SmtpPath path, MailParameters parameters) {
        public MailFrom {
            Objects.requireNonNull(path, "path");
            Objects.requireNonNull(parameters, "parameters");
        }
    }

    public SmtpPath {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(localPart, "localPart");
        Objects.requireNonNull(domain, "domain");
        Objects.requireNonNull(original, "original");
        if ((kind == Kind.MAILBOX) == domain.isEmpty()) {
            throw new IllegalArgumentException("a mailbox, and only a mailbox, has a domain");
        }
    }

    /**
     * Parses what follows {@code MAIL FROM:} (the colon included in what the caller removed), for
     * example {@code <a@b.example> SIZE=1000 BODY=8BITMIME}. UTF-8 in the path is allowed when
     * SMTPUTF8 is among the parameters.
     *
     * @throws SmtpArgumentException 501 5.1.7 for a bad path, 553 5.6.7 for UTF-8 without SMTPUTF8,
     *                               501 5.5.4 or 555 5.5.4 for bad or unknown parameters
     */
    public static MailFrom mailFrom(String argument) throws SmtpArgumentException {
        SmtpPathParser.Split split = SmtpPathParser.Split.of(argument, SmtpPathParser.Role.SENDER);
        MailParameters parameters = MailParameters.of(EsmtpParameter.split(split.parameters()));
        SmtpPath path = SmtpPathParser.parse(split.path(), SmtpPathParser.Role.SENDER, parameters.smtputf8());
        return new MailFrom(path, parameters);
    }

    /**
     * Parses what follows {@code RCPT TO:}. Never the null path; {@code <postmaster>} in any case.
     *
     * @param smtputf8 whether this transaction's MAIL command carried SMTPUTF8
     * @throws SmtpArgumentException 501 5.1.3 for a bad path, 553 5.6.7 for UTF-8 without SMTPUTF8,
     *                               555 5.5.4 for any parameter (none is implemented for RCPT)
     */
    public static SmtpPath rcptTo(String argument, boolean smtputf8) throws SmtpArgumentException {
        SmtpPathParser.Split split = SmtpPathParser.Split.of(argument, SmtpPathParser.Role.RECIPIENT);
        MailParameters.noneForRcpt(EsmtpParameter.split(split.parameters()));
        return SmtpPathParser.parse(split.path(), SmtpPathParser.Role.RECIPIENT, smtputf8);
    }

    public boolean isNull() {
        return kind == Kind.NULL;
    }

    public boolean isPostmaster() {
        return kind == Kind.POSTMASTER;
    }

    public boolean isAddressLiteral() {
        return domain.startsWith("[");
    }

    /** The address of an address literal domain. */
    public Optional<InetAddress> addressLiteral() {
        return isAddressLiteral() ? InetAddresses.parse(domain) : Optional.empty();
    }

    /** Whether the address needs SMTPUTF8 to be passed on (the domain is always in A-labels). */
    public boolean isUtf8() {
        return !MailDomain.isAscii(localPart.value());
    }

    /**
     * The address in normal form, without brackets and source route: {@code local@domain} with the
     * local part quoted only if it must be; "" for the null path; the bare postmaster as sent.
     */
    public String address() {
        return switch (kind) {
            case NULL -> "";
            case POSTMASTER -> localPart.value();
            case MAILBOX -> localPart.wire() + "@" + domain;
        };
    }

    /** {@code <address()>}, as the path is written when passed on. */
    @Override
    public String toString() {
        return "<" + address() + ">";
    }
}
