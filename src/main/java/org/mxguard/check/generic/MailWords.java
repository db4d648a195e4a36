package org.mxguard.check.generic;

/**
 * Words that mark a mail server: an operator who names a host {@code mail}, {@code mx},
 * {@code smtp}, {@code out} or {@code relay} configured it for mail, even when the name also
 * carries the address ({@code mail-oln040092066070.outbound.protection.outlook.com},
 * {@code out162-62-57-49.mail.qq.com}, {@code 69-171-232-143.mail-mail.facebook.com}).
 *
 * <p>"smtp", "mail" and "mta" are matched anywhere in a word (esmtp, sgmail, resqmta, rmmtao);
 * the others as whole words or word starts (mx0a, mxb, mta117, sender4, outbound).
 */
public final class MailWords {
    private MailWords() {
    }

    public static final WordList ALL = WordList.builder()
            .exact("mx", "out", "outbound", "outgoing", "relay", "relays", "bounce", "bounces", "email", "sender",
                    "postfix", "exim", "sendmail", "mout", "esa", "forward", "fwd", "correo", "posta", "courrier",
                    "smarthost", "inbound", "mxin", "mxout")
            .prefixes("mx", "outbound", "relay", "bounce", "sender", "mout", "forward", "smarthost")
            .suffixes("out", "relay", "forward")
            .infixes("smtp", "mail", "mta")
            .build();
}
