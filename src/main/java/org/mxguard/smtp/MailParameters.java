package org.mxguard.smtp;

import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.Set;
import org.mxguard.policy.Reply;

/**
 * The ESMTP parameters of one MAIL command that mxguard implements; anything else is refused
 * with 555 5.5.4 (RFC 5321 §4.1.1.11), since accepting a parameter we ignore would promise a
 * service (DSN, AUTH=) we do not give.
 *
 * @param size     RFC 1870 SIZE, the client's estimate in octets; a value too large for a long
 *                 becomes {@link Long#MAX_VALUE}, which exceeds any limit
 * @param body     RFC 6152 BODY; 7BIT when not given
 * @param smtputf8 RFC 6531 SMTPUTF8: UTF-8 addresses and headers may follow
 */
public record MailParameters(OptionalLong size, Body body, boolean smtputf8) {
    public static final MailParameters NONE = new MailParameters(OptionalLong.empty(), Body.SEVEN_BIT, false);

    public enum Body { SEVEN_BIT, EIGHT_BIT_MIME }

    public MailParameters {
        Objects.requireNonNull(size, "size");
        Objects.requireNonNull(body, "body");
    }

    static MailParameters of(List<EsmtpParameter> params) throws SmtpArgumentException {
        OptionalLong size = OptionalLong.empty();
        Body body = Body.SEVEN_BIT;
        boolean smtputf8 = false;
        Set<String> seen = new HashSet<>();
        for (EsmtpParameter p : params) {
            if (!seen.add(p.keyword())) {
                // Postfix takes the last one; refusing is clearer than guessing which was meant
                throw new SmtpArgumentException(EsmtpParameter.SYNTAX, p.keyword() + " given twice");
            }
            switch (p.keyword()) {
                case "SIZE" -> size = OptionalLong.of(size(p));
                case "BODY" -> body = body(p);
                case "SMTPUTF8" -> {
                    if (p.value().isPresent()) {
                        throw new SmtpArgumentException(EsmtpParameter.SYNTAX, "SMTPUTF8 takes no value");
                    }
                    smtputf8 = true;
                }
                default -> throw unsupported(p);
            }
        }
        return new MailParameters(size, body, smtputf8);
    }

    /** RCPT takes none of the parameters mxguard implements (it offers no DSN). */
    static void noneForRcpt(List<EsmtpParameter> params) throws SmtpArgumentException {
        if (!params.isEmpty()) {
            throw unsupported(params.get(0));
        }
    }

    static SmtpArgumentException unsupported(EsmtpParameter p) {
        String text = EsmtpParameter.printable(p.text());
        return new SmtpArgumentException(new Reply(555, "5.5.4", "Unsupported option: " + text), "unsupported " + text);
    }

    /** size-value = 1*20DIGIT */
    private static long size(EsmtpParameter p) throws SmtpArgumentException {
        String v = p.value().orElse("");
        if (v.isEmpty() || v.length() > 20 || !v.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new SmtpArgumentException(new Reply(501, "5.5.4", "Bad message size syntax"),
                    "bad SIZE " + EsmtpParameter.printable(v));
        }
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            return Long.MAX_VALUE; // twenty digits: more than any limit, the size check refuses it
        }
    }

    private static Body body(EsmtpParameter p) throws SmtpArgumentException {
        String v = p.value().orElse("").toUpperCase(Locale.ROOT);
        return switch (v) {
            case "7BIT" -> Body.SEVEN_BIT;
            case "8BITMIME" -> Body.EIGHT_BIT_MIME;
            default -> throw unsupported(p); // BINARYMIME needs CHUNKING, which is not offered
        };
    }
}
