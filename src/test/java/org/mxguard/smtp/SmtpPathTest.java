package org.mxguard.smtp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.util.List;
import java.util.OptionalLong;
import java.util.stream.Stream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** MAIL FROM and RCPT TO arguments, row by row, then as properties. */
class SmtpPathTest {
    private static final String A64 = "a".repeat(64);

    // ---- what parses, and into what

    /** argument of MAIL FROM: → kind, local part value, quoted, domain, source route */
    static Stream<Arguments> goodSenders() {
        return Stream.of(
                row("<a@b.example>", "a", false, "b.example", false),
                row(" <a@b.example>", "a", false, "b.example", false), // one space: tolerated
                row("<>", "", false, "", false),
                row("<> SIZE=100", "", false, "", false),
                row("<A.B+tag@Example.COM>", "A.B+tag", false, "example.com", false),
                row("<a@b.example.>", "a", false, "b.example", false),
                row("<!#$%&'*+-/=?^_`{|}~@b.example>", "!#$%&'*+-/=?^_`{|}~", false, "b.example", false),
                row("<\"john doe\"@b.example>", "john doe", true, "b.example", false),
                row("<\"a\\\"b\\\\c\"@b.example>", "a\"b\\c", true, "b.example", false),
                row("<\"\"@b.example>", "", true, "b.example", false),
                row("<\"a>b\"@b.example> SIZE=5", "a>b", true, "b.example", false),
                row("<@r1.example,@r2.example:u@c.example>", "u", false, "c.example", true),
                row("<u@[192.0.2.1]>", "u", false, "[192.0.2.1]", false),
                row("<u@[192.000.002.001]>", "u", false, "[192.0.2.1]", false),
                row("<u@[IPv6:2001:DB8:0:0::1]>", "u", false, "[IPv6:2001:db8::1]", false),
                row("<u@[ipv6:::ffff:192.0.2.1]>", "u", false, "[192.0.2.1]", false),
                row("<pelé@bücher.example> SMTPUTF8", "pelé", false, "xn--bcher-kva.example", false),
                row("<\"pelé x\"@Bücher.Example.> SMTPUTF8", "pelé x", true, "xn--bcher-kva.example", false),
                row("<" + A64 + "@b.example>", A64, false, "b.example", false),
                row("<\"" + "a".repeat(62) + "\"@b.example>", "a".repeat(62), true, "b.example", false),
                row("<" + "é".repeat(32) + "@b.example> SMTPUTF8", "é".repeat(32), false, "b.example", false),
                row(pathOfLength(256), A64, false, domainOfLength(189), false));
    }

    @ParameterizedTest(name = "MAIL FROM:{0}")
    @MethodSource("goodSenders")
    void parsesSender(String argument, String local, boolean quoted, String domain, boolean route) throws Exception {
        SmtpPath path = SmtpPath.mailFrom(argument).path();

        assertThat(path.localPart()).isEqualTo(new LocalPart(local, quoted));
        assertThat(path.domain()).isEqualTo(domain);
        assertThat(path.hadSourceRoute()).isEqualTo(route);
        assertThat(path.kind()).isEqualTo(domain.isEmpty() ? SmtpPath.Kind.NULL : SmtpPath.Kind.MAILBOX);
        assertThat(path.original()).isEqualTo(argument.strip().replaceFirst(">( .*)?$", ">"));
    }

    /** argument of RCPT TO:, SMTPUTF8 declared on MAIL → kind, local part, quoted, domain */
    static Stream<Arguments> goodRecipients() {
        return Stream.of(
                Arguments.of("<a@b.example>", false, SmtpPath.Kind.MAILBOX, "a", "b.example"),
                Arguments.of(" <a@b.example>  ", false, SmtpPath.Kind.MAILBOX, "a", "b.example"),
                Arguments.of("<postmaster>", false, SmtpPath.Kind.POSTMASTER, "postmaster", ""),
                Arguments.of("<PostMaster>", false, SmtpPath.Kind.POSTMASTER, "PostMaster", ""),
                Arguments.of("<postmaster@b.example>", false, SmtpPath.Kind.MAILBOX, "postmaster", "b.example"),
                Arguments.of("<pelé@bücher.example>", true, SmtpPath.Kind.MAILBOX, "pelé", "xn--bcher-kva.example"),
                Arguments.of("<u@例え。テスト>", true, SmtpPath.Kind.MAILBOX, "u", "xn--r8jz45g.xn--zckzah"),
                Arguments.of("<a@b.example>", true, SmtpPath.Kind.MAILBOX, "a", "b.example"));
    }

    @ParameterizedTest(name = "RCPT TO:{0} (SMTPUTF8 {1})")
    @MethodSource("goodRecipients")
    void parsesRecipient(String argument, boolean utf8, SmtpPath.Kind kind, String local, String domain)
            throws Exception {
        SmtpPath path = SmtpPath.rcptTo(argument, utf8);

        assertThat(path.kind()).isEqualTo(kind);
        assertThat(path.localPart().value()).isEqualTo(local);
        assertThat(path.domain()).isEqualTo(domain);
    }

    // ---- what is refused, and with which reply

    /** argument of MAIL FROM: → reply code, enhanced code, reply text */
    static Stream<Arguments> badSenders() {
        String bad = "Bad sender address syntax";
        return Stream.of(
                Arguments.of("a@b.example", 501, "5.1.7", bad), // no brackets: refused, see SmtpPath
                Arguments.of("  <a@b.example>", 501, "5.1.7", bad), // two spaces
                Arguments.of("\t<a@b.example>", 501, "5.1.7", bad),
                Arguments.of("", 501, "5.1.7", bad),
                Arguments.of(" ", 501, "5.1.7", bad),
                Arguments.of("<a@b.example", 501, "5.1.7", bad),
                Arguments.of("<a@b.example>SIZE=1", 501, "5.1.7", bad),
                Arguments.of("<a<b@c.example>", 501, "5.1.7", bad),
                Arguments.of("< a@b.example>", 501, "5.1.7", bad),
                Arguments.of("<a@b.example >", 501, "5.1.7", bad),
                Arguments.of("<a@@b.example>", 501, "5.1.7", bad),
                Arguments.of("<a..b@c.example>", 501, "5.1.7", bad),
                Arguments.of("<.a@c.example>", 501, "5.1.7", bad),
                Arguments.of("<a.@c.example>", 501, "5.1.7", bad),
                Arguments.of("<a b@c.example>", 501, "5.1.7", bad),
                Arguments.of("<a(b)@c.example>", 501, "5.1.7", bad),
                Arguments.of("<@c.example>", 501, "5.1.7", bad),
                Arguments.of("<a@>", 501, "5.1.7", bad),
                Arguments.of("<a>", 501, "5.1.7", bad),
                Arguments.of("<postmaster>", 501, "5.1.7", bad), // only a recipient may be bare
                Arguments.of("<a@b_c.example>", 501, "5.1.7", bad),
                Arguments.of("<a@-b.example>", 501, "5.1.7", bad),
                Arguments.of("<a@b..example>", 501, "5.1.7", bad),
                Arguments.of("<a@b.example..>", 501, "5.1.7", bad),
                Arguments.of("<a@localhost>", 501, "5.1.7", bad), // RFC 5321 §2.3.5: FQDN only
                Arguments.of("<a@1.2.3.4>", 501, "5.1.7", bad), // an IP needs brackets
                Arguments.of("<a@[1.2.3.256]>", 501, "5.1.7", bad),
                Arguments.of("<a@[1.2.3]>", 501, "5.1.7", bad),
                Arguments.of("<a@[1.2.3.4>", 501, "5.1.7", bad),
                Arguments.of("<a@[foo:bar]>", 501, "5.1.7", bad),
                Arguments.of("<a@[2001:db8::1]>", 501, "5.1.7", bad), // IPv6 needs its tag
                Arguments.of("<a@[IPv6:1.2.3.4]>", 501, "5.1.7", bad),
                Arguments.of("<a@[IPv6:fe80::1%eth0]>", 501, "5.1.7", bad),
                Arguments.of("<a@[192.0.2.1].example>", 501, "5.1.7", bad),
                Arguments.of("<\"abc@b.example>", 501, "5.1.7", bad),
                Arguments.of("<\"a\"b@c.example>", 501, "5.1.7", bad),
                Arguments.of("<\"a\u0001\"@b.example>", 501, "5.1.7", bad),
                Arguments.of("<\"a\\\u0001\"@b.example>", 501, "5.1.7", bad),
                Arguments.of("<a\u0000@b.example>", 501, "5.1.7", bad),
                Arguments.of("<@r.example:>", 501, "5.1.7", bad),
                Arguments.of("<@:a@b.example>", 501, "5.1.7", bad),
                Arguments.of("<@r.example,a@b.example>", 501, "5.1.7", bad),
                Arguments.of("<@r.example;a@b.example>", 501, "5.1.7", bad),
                Arguments.of("<@[192.0.2.1]:a@b.example>", 501, "5.1.7", bad), // route takes names only
                Arguments.of("<" + "a".repeat(65) + "@b.example>", 501, "5.1.7", bad),
                Arguments.of("<\"" + "a".repeat(63) + "\"@b.example>", 501, "5.1.7", bad),
                Arguments.of("<" + "é".repeat(33) + "@b.example> SMTPUTF8", 501, "5.1.7", bad),
                Arguments.of(pathOfLength(257), 501, "5.1.7", bad),
                Arguments.of("<a@" + domainOfLength(255) + ">", 501, "5.1.7", bad),
                Arguments.of("<a@" + "x".repeat(64) + ".example>", 501, "5.1.7", bad), // label > 63
                Arguments.of("<a@\uFFFD.example> SMTPUTF8", 501, "5.1.7", bad),
                Arguments.of("<a@😀.example> SMTPUTF8", 501, "5.1.7", bad),
                Arguments.of("<a\u0085@b.example> SMTPUTF8", 501, "5.1.7", bad),
                Arguments.of("<pelé@b.example>", 553, "5.6.7", "Must declare SMTPUTF8 to send unicode address"),
                Arguments.of("<a@bücher.example>", 553, "5.6.7", "Must declare SMTPUTF8 to send unicode address"),
                Arguments.of("<a@b.example> FOO=bar", 555, "5.5.4", "Unsupported option: FOO=bar"),
                Arguments.of("<a@b.example> NOTIFY=NEVER", 555, "5.5.4", "Unsupported option: NOTIFY=NEVER"),
                Arguments.of("<a@b.example> AUTH=<>", 555, "5.5.4", "Unsupported option: AUTH=<>"),
                Arguments.of("<a@b.example> BODY=BINARYMIME", 555, "5.5.4", "Unsupported option: BODY=BINARYMIME"),
                Arguments.of("<a@b.example> SIZE=abc", 501, "5.5.4", "Bad message size syntax"),
                Arguments.of("<a@b.example> SIZE=-1", 501, "5.5.4", "Bad message size syntax"),
                Arguments.of("<a@b.example> SIZE", 501, "5.5.4", "Bad message size syntax"),
                Arguments.of("<a@b.example> SIZE=" + "9".repeat(21), 501, "5.5.4", "Bad message size syntax"),
                Arguments.of("<a@b.example> SIZE=", 501, "5.5.4", "Syntax error in parameters"),
                Arguments.of("<a@b.example> =x", 501, "5.5.4", "Syntax error in parameters"),
                Arguments.of("<a@b.example> -X", 501, "5.5.4", "Syntax error in parameters"),
                Arguments.of("<a@b.example> X=a=b", 501, "5.5.4", "Syntax error in parameters"),
                Arguments.of("<a@b.example> X=\u0001", 501, "5.5.4", "Syntax error in parameters"),
                Arguments.of("<a@b.example>\tSIZE=1", 501, "5.1.7", bad),
                Arguments.of("<a@b.example> SMTPUTF8=yes", 501, "5.5.4", "Syntax error in parameters"),
                Arguments.of("<a@b.example> SIZE=1 size=2", 501, "5.5.4", "Syntax error in parameters"));
    }

    @ParameterizedTest(name = "MAIL FROM:{0} → {1} {2}")
    @MethodSource("badSenders")
    void refusesSender(String argument, int code, String enhanced, String text) {
        assertRefused(() -> SmtpPath.mailFrom(argument), code, enhanced, text);
    }

    /** argument of RCPT TO:, SMTPUTF8 declared on MAIL → reply code, enhanced code, reply text */
    static Stream<Arguments> badRecipients() {
        String bad = "Bad recipient address syntax";
        return Stream.of(
                Arguments.of("<>", false, 501, "5.1.3", bad),
                Arguments.of("a@b.example", false, 501, "5.1.3", bad),
                Arguments.of("<a@b.example", false, 501, "5.1.3", bad),
                Arguments.of("<\"postmaster\">", false, 501, "5.1.3", bad),
                Arguments.of("<postmaster.x>", false, 501, "5.1.3", bad),
                Arguments.of("<a@localhost>", false, 501, "5.1.3", bad),
                Arguments.of("<" + "a".repeat(65) + "@b.example>", false, 501, "5.1.3", bad),
                Arguments.of(pathOfLength(257), false, 501, "5.1.3", bad),
                Arguments.of("<pelé@b.example>", false, 553, "5.6.7", "Must declare SMTPUTF8 to send unicode address"),
                Arguments.of("<a@b.example> SIZE=1", false, 555, "5.5.4", "Unsupported option: SIZE=1"),
                Arguments.of("<a@b.example> SMTPUTF8", true, 555, "5.5.4", "Unsupported option: SMTPUTF8"),
                Arguments.of("<a@b.example> NOTIFY=NEVER ORCPT=rfc822;a@b.example", false, 555, "5.5.4",
                        "Unsupported option: NOTIFY=NEVER"),
                Arguments.of("<a@b.example> ∆=1", true, 501, "5.5.4", "Syntax error in parameters"));
    }

    @ParameterizedTest(name = "RCPT TO:{0} (SMTPUTF8 {1}) → {2} {3}")
    @MethodSource("badRecipients")
    void refusesRecipient(String argument, boolean utf8, int code, String enhanced, String text) {
        assertRefused(() -> SmtpPath.rcptTo(argument, utf8), code, enhanced, text);
    }

    // ---- parameters and the normal form

    @Test
    void readsMailParameters() throws Exception {
        MailParameters p = SmtpPath.mailFrom("<a@b.example>  size=1000   body=8BitMime SmtpUtf8 ").parameters();

        assertThat(p).isEqualTo(new MailParameters(OptionalLong.of(1000), MailParameters.Body.EIGHT_BIT_MIME, true));
        assertThat(SmtpPath.mailFrom("<a@b.example>").parameters()).isEqualTo(MailParameters.NONE);
        assertThat(SmtpPath.mailFrom("<a@b.example> BODY=7BIT").parameters().body())
                .isEqualTo(MailParameters.Body.SEVEN_BIT);
        assertThat(SmtpPath.mailFrom("<a@b.example> SIZE=" + "9".repeat(20)).parameters().size())
                .hasValue(Long.MAX_VALUE); // more than any limit: the session's size check refuses it
    }

    @Test
    void writesTheNormalForm() throws Exception {
        assertThat(SmtpPath.rcptTo("<@r.example:A.b@B.Example.>", false).toString()).isEqualTo("<A.b@b.example>");
        assertThat(SmtpPath.rcptTo("<\"ab\"@b.example>", false).address()).isEqualTo("ab@b.example");
        assertThat(SmtpPath.rcptTo("<\"a b\\\"c\"@b.example>", false).address()).isEqualTo("\"a b\\\"c\"@b.example");
        assertThat(SmtpPath.rcptTo("<Postmaster>", false).address()).isEqualTo("Postmaster");
        assertThat(SmtpPath.mailFrom("<>").path().toString()).isEqualTo("<>");
        assertThat(SmtpPath.rcptTo("<pelé@b.example>", true).isUtf8()).isTrue();
        assertThat(SmtpPath.rcptTo("<a@bücher.example>", true).isUtf8()).isFalse();
    }

    @Test
    void exposesAddressLiterals() throws Exception {
        SmtpPath path = SmtpPath.rcptTo("<u@[IPv6:2001:db8::7]>", false);

        assertThat(path.isAddressLiteral()).isTrue();
        assertThat(path.addressLiteral()).hasValueSatisfying(a -> assertThat(a.getHostAddress()).isEqualTo("2001:db8:0:0:0:0:0:7"));
        assertThat(SmtpPath.rcptTo("<u@b.example>", false).addressLiteral()).isEmpty();
    }

    @Test
    void detailSaysWhatWasWrong() {
        Throwable t = catchThrowable(() -> SmtpPath.rcptTo("<" + "a".repeat(65) + "@b.example>", false));

        assertThat(((SmtpArgumentException) t).detail()).isEqualTo("local part longer than 64 octets");
        assertThat(t.getMessage()).isEqualTo("501 5.1.3 Bad recipient address syntax (local part longer than 64 octets)");
    }

    @Test
    void repliesShowOnlyPrintableAscii() {
        assertRefused(() -> SmtpPath.mailFrom("<a@b.example> X=é" + "y".repeat(80) + " SMTPUTF8"), 555, "5.5.4",
                "Unsupported option: X=?" + "y".repeat(61) + "...");
    }

    // ---- properties

    @Property(tries = 500)
    void formattedDotStringPathsParseBackToTheirParts(@ForAll("dotStrings") String local,
            @ForAll("domains") String domain) throws Exception {
        SmtpPath path = SmtpPath.rcptTo("<" + local + "@" + domain + ">", false);

        assertThat(path.localPart()).isEqualTo(new LocalPart(local, false));
        assertThat(path.domain()).isEqualTo(domain);
        assertThat(path.address()).isEqualTo(local + "@" + domain);
    }

    @Property(tries = 500)
    void quotedLocalPartsSurviveWireAndBack(@ForAll("quotable") String value, @ForAll("domains") String domain)
            throws Exception {
        LocalPart local = new LocalPart(value, true);

        SmtpPath path = SmtpPath.mailFrom("<" + local.wire() + "@" + domain + ">").path();

        assertThat(path.localPart().value()).isEqualTo(value);
        assertThat(SmtpPath.mailFrom(path.toString()).path().address()).isEqualTo(path.address());
    }

    @Property(tries = 2000)
    void anyTextParsesOrIsRefusedWithAReply(@ForAll("noise") String argument, @ForAll boolean utf8) {
        for (Parse parse : List.<Parse>of(() -> SmtpPath.mailFrom(argument), () -> SmtpPath.rcptTo(argument, utf8))) {
            Throwable t = outcome(parse);
            if (t != null) {
                assertThat(t).isInstanceOf(SmtpArgumentException.class);
                assertThat(((SmtpArgumentException) t).reply().code()).isIn(501, 553, 555);
            }
        }
    }

    @Provide
    Arbitrary<String> dotStrings() {
        Arbitrary<String> atom = Arbitraries.strings().withChars("abcXYZ019!#$%&'*+-/=?^_`{|}~").ofMinLength(1).ofMaxLength(8);
        return atom.list().ofMinSize(1).ofMaxSize(5).map(atoms -> String.join(".", atoms))
                .filter(s -> s.length() <= 64);
    }

    @Provide
    Arbitrary<String> domains() {
        Arbitrary<String> label = Combinators.combine(
                Arbitraries.strings().withCharRange('a', 'z').withCharRange('0', '9').ofLength(1),
                Arbitraries.strings().withCharRange('a', 'z').withCharRange('0', '9').withChars('-').ofMaxLength(10),
                Arbitraries.strings().withCharRange('a', 'z').withCharRange('0', '9').ofLength(1))
                .as((a, b, c) -> a + b + c);
        Arbitrary<String> tld = Arbitraries.strings().withCharRange('a', 'z').ofMinLength(2).ofMaxLength(6);
        return Combinators.combine(label.list().ofMinSize(1).ofMaxSize(4), tld)
                .as((labels, t) -> String.join(".", labels) + "." + t);
    }

    @Provide
    Arbitrary<String> quotable() {
        return Arbitraries.strings().withCharRange(' ', '~').ofMaxLength(30);
    }

    /** Mostly the characters that matter to the grammar, so that near-misses are common. */
    @Provide
    Arbitrary<String> noise() {
        Arbitrary<String> structured = Arbitraries.strings()
                .withChars("<>@\".:,[]\\ =abAB01-%!é\u0000\t\u00ad。")
                .ofMaxLength(40);
        Arbitrary<String> bracketed = structured.map(s -> "<" + s + ">");
        return Arbitraries.oneOf(structured, bracketed, Arbitraries.strings().all().ofMaxLength(40));
    }

    // ---- helpers

    private static Arguments row(String argument, String local, boolean quoted, String domain, boolean route) {
        return Arguments.of(argument, local, quoted, domain, route);
    }

    /** A valid path of exactly {@code n} octets: 64-octet local part, the domain fills the rest. */
    private static String pathOfLength(int n) {
        return "<" + A64 + "@" + domainOfLength(n - A64.length() - 3) + ">";
    }

    /** A valid-looking domain of exactly {@code n} characters, labels of at most 63. */
    static String domainOfLength(int n) {
        StringBuilder sb = new StringBuilder();
        while (n - sb.length() > 64) {
            sb.append("d".repeat(63)).append('.');
        }
        return sb.append("e".repeat(n - sb.length())).toString();
    }

    private interface Parse {
        Object run() throws SmtpArgumentException;
    }

    private static Throwable outcome(Parse parse) {
        try {
            parse.run();
            return null;
        } catch (Throwable t) {
            return t;
        }
    }

    private static void assertRefused(Parse parse, int code, String enhanced, String text) {
        assertThatThrownBy(parse::run)
                .isInstanceOfSatisfying(SmtpArgumentException.class, e -> {
                    assertThat(e.reply().code()).isEqualTo(code);
                    assertThat(e.reply().enhanced()).isEqualTo(enhanced);
                    assertThat(e.reply().text()).isEqualTo(text);
                });
    }
}
