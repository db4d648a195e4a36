package org.mxguard.smtp;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;
import org.mxguard.check.CheckResult;
import org.mxguard.check.GenericPtrCheck;
import org.mxguard.check.HeloCheck;
import org.mxguard.check.IprevCheck;
import org.mxguard.check.Result;
import org.mxguard.check.ReverseMxCheck;
import org.mxguard.check.SenderDomainCheck;
import org.mxguard.check.SessionFacts;
import org.mxguard.dns.DnsNames;

/**
 * The {@code Authentication-Results:} field (RFC 8601) stating what mxguard's checks found:
 * <pre>
 * Authentication-Results: mx.example.org;
 *  iprev=pass reason="PTR name mail.example.net resolves back to 192.0.2.1"
 *  policy.iprev=192.0.2.1 (mail.example.net);
 *  helo=pass reason="..." smtp.helo=mail.example.net
 * </pre>
 *
 * <p><b>Method names.</b> {@code iprev} is RFC 8601's registered method (§2.7.3) and means what our
 * iprev check does. Every other check is reported under its own public name, the one the CLI and
 * the logs use, so that one name follows a result everywhere ({@code generic-ptr}, {@code helo},
 * {@code sender-domain}). None of these is registered, none collides with a registered method, and
 * RFC 8601 consumers ignore methods they do not know. A method is an RFC 5321 Keyword
 * (letters, digits, '-'), so the ':' of {@code reverse-mx:<source>} becomes '-':
 * {@code reverse-mx-mail-from}, {@code reverse-mx-from}, {@code reverse-mx-reply-to},
 * {@code reverse-mx-ptr}. A flat name rather than one {@code reverse-mx} method with a source
 * property keeps each result addressable by its method alone (a Sieve or procmail rule can say
 * {@code reverse-mx-from=fail}); the property still names the identity compared.
 *
 * <p><b>Values.</b> Reasons and comments are for people: unprintable text in them becomes '?' or
 * a space. Property values are for programs: one that cannot be written exactly (control
 * characters, non-ASCII) is left out rather than written altered; one that is not a token is
 * quoted.
 */
public final class AuthenticationResultsHeader {
    public static final String NAME = "Authentication-Results";

    private static final int MAX_REASON = 300;
    private static final int MAX_METHOD = 64;
    private static final int MAX_VALUE = 256;
    private static final int MAX_ID = 255;
    // RFC 8601 pvalue's "[ [ local-part ] "@" ] domain-name" form, with a dot-atom local part
    private static final Pattern ADDRESS = Pattern.compile(
            "([A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*)?@[A-Za-z0-9-]+(\\.[A-Za-z0-9-]+)+");

    private AuthenticationResultsHeader() {
    }

    /**
     * The field for a verdict's results, in their order, ending in CRLF. Results that cannot be
     * stated are left out ({@code iprev} has no {@code none}: a skipped iprev says nothing); with
     * nothing left the field is {@code AUTHSERV-ID; none}.
     *
     * @param authservId this gateway's host name (RFC 8601 §2.5)
     * @param facts      what the checks were given; the source of the {@code smtp.*} and
     *                   {@code header.*} properties
     */
    public static String render(String authservId, SessionFacts facts, List<CheckResult> results) {
        Objects.requireNonNull(facts, "facts");
        List<List<String>> resinfos = new ArrayList<>(results.size());
        for (CheckResult r : results) {
            List<String> resinfo = resinfo(r, facts);
            if (!resinfo.isEmpty()) {
                resinfos.add(resinfo);
            }
        }
        if (resinfos.isEmpty()) {
            return none(authservId);
        }
        List<List<String>> clauses = new ArrayList<>(resinfos.size() + 1);
        clauses.add(List.of(authservIdText(authservId) + ";"));
        for (int i = 0; i < resinfos.size() - 1; i++) {
            List<String> parts = new ArrayList<>(resinfos.get(i));
            parts.set(parts.size() - 1, parts.getLast() + ";");
            clauses.add(parts);
        }
        clauses.add(resinfos.getLast());
        return HeaderText.fieldOfParts(NAME, clauses);
    }

    /** {@code Authentication-Results: AUTHSERV-ID; none}: no check ran (RFC 8601 §2.2). */
    public static String none(String authservId) {
        return HeaderText.field(NAME, List.of(authservIdText(authservId) + ";", "none"));
    }

    /**
     * The method name for a check name: lower case, every character outside letters, digits and '-'
     * becomes '-', no leading or trailing '-' (RFC 5321 Keyword), at most 64 characters; "" when
     * nothing is left.
     */
    public static String method(String checkName) {
        // by hand, not with regular expressions: this runs for every check of every message
        StringBuilder m = new StringBuilder(Math.min(checkName.length(), MAX_METHOD));
        for (int i = 0; i < checkName.length() && m.length() < MAX_METHOD; i++) {
            char c = Character.toLowerCase(checkName.charAt(i));
            boolean keyword = c >= 'a' && c <= 'z' || c >= '0' && c <= '9';
            if (keyword || !m.isEmpty()) { // no leading '-'
                m.append(keyword ? c : '-');
            }
        }
        int end = m.length();
        while (end > 0 && m.charAt(end - 1) == '-') {
            end--;
        }
        return m.substring(0, end);
    }

    /** RFC 8601 result keywords are Result's names, one for one; iprev knows no {@code none}. */
    static String resultKeyword(String method, Result result) {
        return switch (result) {
            case PASS -> "pass";
            case FAIL -> "fail";
            case TEMPERROR -> "temperror";
            case PERMERROR -> "permerror";
            case NONE -> method.equals(IprevCheck.NAME) ? null : "none";
        };
    }

    /**
     * The parts of one resinfo: {@code method=result [reason="..."]}, then each
     * {@code ptype.property=value [(comment)]}; the field breaks lines between parts first. Empty
     * when the result cannot be stated.
     */
    private static List<String> resinfo(CheckResult r, SessionFacts facts) {
        String method = method(r.name());
        String result = method.isEmpty() ? null : resultKeyword(method, r.result());
        if (result == null) {
            return List.of();
        }
        List<String> parts = new ArrayList<>(3);
        String reason = HeaderText.printable(r.reason(), false, MAX_REASON);
        parts.add(method + "=" + result + (reason.isEmpty() ? "" : " reason=" + HeaderText.quoted(reason)));
        properties(r, facts, parts);
        return parts;
    }

    /** The identity each check judged, as RFC 8601 properties (§2.3, §2.7.3). */
    private static void properties(CheckResult r, SessionFacts facts, List<String> parts) {
        String name = r.name();
        if (name.equals(IprevCheck.NAME)) {
            List<String> confirmed = IprevCheck.confirmedNames(r);
            String comment = r.result() == Result.PASS && !confirmed.isEmpty()
                    ? " " + HeaderText.comment(HeaderText.printable(confirmed.get(0), false, MAX_VALUE)) : "";
            property(parts, "policy.iprev", DnsNames.text(facts.clientIp()), comment);
        } else if (name.equals(GenericPtrCheck.NAME) || name.equals(reverseMx(ReverseMxCheck.Source.PTR))) {
            property(parts, "policy.ptr", r.evidence().get("ptr-name"), "");
        } else if (name.equals(HeloCheck.NAME)) {
            property(parts, "smtp.helo", facts.helo(), "");
        } else if (name.equals(SenderDomainCheck.NAME) || name.equals(reverseMx(ReverseMxCheck.Source.MAIL_FROM))) {
            property(parts, "smtp.mailfrom", facts.mailFrom(), "");
        } else if (name.equals(reverseMx(ReverseMxCheck.Source.FROM))) {
            property(parts, "header.from", facts.from(), "");
        } else if (name.equals(reverseMx(ReverseMxCheck.Source.REPLY_TO))) {
            property(parts, "header.reply-to", facts.replyTo(), "");
        }
    }

    private static String reverseMx(ReverseMxCheck.Source source) {
        return ReverseMxCheck.PREFIX + source.id();
    }

    private static void property(List<String> parts, String name, String value, String comment) {
        String v = pvalue(value);
        if (v != null) {
            parts.add(name + "=" + v + comment);
        }
    }

    /** A property value as a token, an address, or a quoted-string; null when it cannot be written exactly. */
    static String pvalue(String value) {
        if (value == null || value.isEmpty() || value.length() > MAX_VALUE
                || !value.chars().allMatch(c -> c >= 0x20 && c < 0x7f)) {
            return null;
        }
        if (HeaderText.isToken(value) || ADDRESS.matcher(value).matches()) {
            return value;
        }
        // spaces would be folded or collapsed, changing the value: a value with spaces is no identity anyway
        return value.indexOf(' ') >= 0 ? null : HeaderText.quoted(value);
    }

    /** The authserv-id as an RFC 2045 value: a host name is a token; anything else is made printable and quoted. */
    static String authservIdText(String authservId) {
        String id = HeaderText.printable(authservId, false, MAX_ID);
        return HeaderText.isToken(id) ? id : HeaderText.quoted(id.isEmpty() ? "unknown" : id);
    }
}
