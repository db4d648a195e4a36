package org.mxguard.check.generic;

import java.util.Set;

/**
 * Registrable domains of large mail senders whose outbound host names carry address fragments.
 * Only a tie-breaker: it never overrides a dynamic word, and the structural rules (mail words,
 * partial addresses needing a dynamic word) already classify these senders without it.
 */
public final class KnownSenders {
    private static final Set<String> DOMAINS = Set.of(
            "google.com", "googlemail.com", "outlook.com", "hotmail.com", "amazonses.com", "sendgrid.net",
            "mailgun.net", "mailgun.org", "mcsv.net", "mcdlv.net", "rsgsv.net", "mandrillapp.com",
            "sparkpostmail.com", "mtasv.net", "mimecast.com", "messagelabs.com", "pphosted.com", "zoho.com",
            "yahoo.com", "me.com", "icloud.com", "apple.com", "messagingengine.com", "mailjet.com",
            "sendinblue.com", "brevo.com", "salesforce.com", "exacttarget.com", "protonmail.ch", "proton.ch",
            "facebook.com", "github.com", "qq.com", "163.com", "126.com", "aliyun.com", "yandex.net", "mail.ru",
            "gmx.net", "web.de", "iphmx.com", "smtp2go.com", "emailsrvr.com", "constantcontact.com",
            "linkedin.com");

    private KnownSenders() {
    }

    public static boolean contains(String registrableDomain) {
        return DOMAINS.contains(registrableDomain);
    }
}
