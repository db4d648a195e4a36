package org.mxguard.check;

import java.util.Locale;
import java.util.Optional;
import org.mxguard.dns.DnsNames;

/** Extracts the domain of a mail address as it appears in MAIL FROM or a From:/Reply-To: header. */
public final class MailAddress {
    private MailAddress() {
    }

    /**
     * The domain after the last '@' of the address, lower case; empty for the null reverse-path,
     * a missing address or one without a domain. Accepts {@code Name <a@b>} and {@code <a@b>}.
     */
    public static Optional<String> domainOf(String address) {
        if (address == null) {
            return Optional.empty();
        }
        String a = address.trim();
        int lt = a.lastIndexOf('<');
        int gt = a.lastIndexOf('>');
        if (lt >= 0 && gt > lt) {
            a = a.substring(lt + 1, gt).trim();
        }
        int at = a.lastIndexOf('@');
        if (at < 0 || at == a.length() - 1) {
            return Optional.empty();
        }
        return Optional.of(DnsNames.normalize(a.substring(at + 1)).toLowerCase(Locale.ROOT));
    }

    /** True for the null reverse-path {@code <>} (given here as "" or "<>"). */
    public static boolean isNullPath(String address) {
        return address != null && (address.isBlank() || address.trim().equals("<>"));
    }
}
