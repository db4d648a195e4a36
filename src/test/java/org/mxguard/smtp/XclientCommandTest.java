package org.mxguard.smtp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.stream.Stream;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.StringLength;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.mxguard.dns.InetAddresses;
import org.mxguard.policy.Reply;
import org.mxguard.smtp.Xclient.Attribute;

/** XCLIENT arguments as Postfix defines them: each attribute, xtext, the special values, and every refusal. */
class XclientCommandTest {

    @Test
    void postfixReadmeExample() throws SmtpArgumentException {
        Xclient x = XclientCommand.parse("NAME=spike.porcupine.org ADDR=168.100.189.2");

        assertThat(x.name()).isEqualTo(Attribute.of("spike.porcupine.org"));
        assertThat(x.addr()).isEqualTo(Attribute.of(ip("168.100.189.2")));
        assertThat(x.port()).isEqualTo(Attribute.absent());
        assertThat(x.proto().sent()).isFalse();
        assertThat(x.helo().sent()).isFalse();
        assertThat(x.login().sent()).isFalse();
        assertThat(x.destAddr().sent()).isFalse();
        assertThat(x.destPort().sent()).isFalse();
    }

    @Test
    void everyAttributeAtOnce() throws SmtpArgumentException {
        Xclient x = XclientCommand.parse("NAME=mail.example.org ADDR=192.0.2.7 PORT=4242 PROTO=ESMTP "
                + "HELO=mail.example.org LOGIN=alice DESTADDR=IPV6:2001:db8::25 DESTPORT=587");

        assertThat(x).isEqualTo(new Xclient(Attribute.of("mail.example.org"), Attribute.of(ip("192.0.2.7")),
                Attribute.of(4242), Attribute.of("ESMTP"), Attribute.of("mail.example.org"), Attribute.of("alice"),
                Attribute.of(ip("2001:db8::25")), Attribute.of(587)));
    }

    static Stream<Arguments> oneAttribute() {
        return Stream.of(
                Arguments.of("NAME=mail.example.org", "name", "mail.example.org"),
                Arguments.of("NAME=mail.example.org.", "name", "mail.example.org"),
                Arguments.of("NAME=localhost", "name", "localhost"),
                Arguments.of("NAME=host_1.example", "name", "host_1.example"),
                Arguments.of("ADDR=192.0.2.1", "addr", ip("192.0.2.1")),
                Arguments.of("ADDR=IPV6:2001:db8::1", "addr", ip("2001:db8::1")),
                Arguments.of("ADDR=ipv6:2001:DB8::1", "addr", ip("2001:db8::1")),
                Arguments.of("ADDR=IPv6:::ffff:192.0.2.1", "addr", ip("192.0.2.1")),
                Arguments.of("ADDR=2001:db8::1", "addr", ip("2001:db8::1")),
                Arguments.of("PORT=0", "port", 0),
                Arguments.of("PORT=65535", "port", 65535),
                Arguments.of("PORT=00025", "port", 25),
                Arguments.of("PROTO=SMTP", "proto", "SMTP"),
                Arguments.of("PROTO=esmtp", "proto", "ESMTP"),
                Arguments.of("HELO=[192.0.2.1]", "helo", "[192.0.2.1]"),
                Arguments.of("HELO=not_a_hostname!", "helo", "not_a_hostname!"),
                Arguments.of("LOGIN=alice@example.org", "login", "alice@example.org"),
                Arguments.of("DESTADDR=198.51.100.25", "destAddr", ip("198.51.100.25")),
                Arguments.of("DESTADDR=IPV6:2001:db8::25", "destAddr", ip("2001:db8::25")),
                Arguments.of("DESTPORT=25", "destPort", 25),
                // names are case-insensitive
                Arguments.of("name=mail.example.org", "name", "mail.example.org"),
                Arguments.of("Addr=192.0.2.1", "addr", ip("192.0.2.1")),
                Arguments.of("destport=465", "destPort", 465));
    }

    @ParameterizedTest
    @MethodSource("oneAttribute")
    void eachAttribute(String argument, String attribute, Object value) throws SmtpArgumentException {
        Xclient x = XclientCommand.parse(argument);

        assertThat(attribute(x, attribute)).isEqualTo(Attribute.of(value));
        assertThat(attribute(x, attribute).given()).hasValue(value);
    }

    // ---- xtext

    static Stream<Arguments> xtext() {
        return Stream.of(
                Arguments.of("HELO=a+2Bb", "a+b"),
                Arguments.of("HELO=x+3Dy", "x=y"),
                Arguments.of("HELO=+20lead", " lead"),
                Arguments.of("HELO=lower+2bcase", "lower+case"),
                Arguments.of("LOGIN=j+C3+A9r+C3+B4me", "j\u00e9r\u00f4me"),
                Arguments.of("LOGIN=+FF", "\ufffd"),
                // decoded control characters cannot split a log line or a header field
                Arguments.of("HELO=evil+0D+0AMAIL", "evil??MAIL"),
                Arguments.of("LOGIN=a+00b+7Fc", "a?b?c"));
    }

    @ParameterizedTest
    @MethodSource("xtext")
    void xtextIsDecoded(String argument, String decoded) throws SmtpArgumentException {
        Xclient x = XclientCommand.parse(argument);

        assertThat(x.helo().given().or(() -> x.login().given())).contains(decoded);
    }

    @Test
    void xtextEncodedAddressAndSpecialValue() throws SmtpArgumentException {
        Xclient x = XclientCommand.parse("ADDR=IPV6+3A2001+3Adb8+3A+3A1 NAME=+5BTEMPUNAVAIL+5D");

        assertThat(x.addr()).isEqualTo(Attribute.of(ip("2001:db8::1")));
        assertThat(x.name()).isEqualTo(Attribute.tempUnavailable());
    }

    @Property
    void xtextRoundTrip(@ForAll @StringLength(min = 1, max = 60) String login) throws SmtpArgumentException {
        StringBuilder encoded = new StringBuilder();
        for (byte b : login.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            encoded.append(c >= '!' && c <= '~' && c != '+' && c != '=' ? Character.toString(c) : "+%02X".formatted(c));
        }
        String expected = new String(login.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8)
                .codePoints().map(cp -> Character.isISOControl(cp) ? '?' : cp)
                .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append).toString();
        if (encoded.length() > XclientCommand.MAX_VALUE_LENGTH || expected.equals(XclientCommand.UNAVAILABLE)
                || expected.equals(XclientCommand.TEMPUNAVAIL)) {
            return;
        }

        assertThat(XclientCommand.parse("LOGIN=" + encoded).login()).isEqualTo(Attribute.of(expected));
    }

    // ---- special values

    static Stream<Arguments> specialValues() {
        return Stream.of(
                Arguments.of("NAME=[UNAVAILABLE]", "name", Attribute.unavailable()),
                Arguments.of("NAME=[TEMPUNAVAIL]", "name", Attribute.tempUnavailable()),
                Arguments.of("ADDR=[UNAVAILABLE]", "addr", Attribute.unavailable()),
                Arguments.of("PORT=[UNAVAILABLE]", "port", Attribute.unavailable()),
                Arguments.of("HELO=[UNAVAILABLE]", "helo", Attribute.unavailable()),
                Arguments.of("LOGIN=[UNAVAILABLE]", "login", Attribute.unavailable()),
                Arguments.of("DESTADDR=[UNAVAILABLE]", "destAddr", Attribute.unavailable()),
                Arguments.of("DESTPORT=[UNAVAILABLE]", "destPort", Attribute.unavailable()));
    }

    @ParameterizedTest
    @MethodSource("specialValues")
    void specialValue(String argument, String attribute, Attribute<?> expected) throws SmtpArgumentException {
        Attribute<?> got = attribute(XclientCommand.parse(argument), attribute);

        assertThat(got).isEqualTo(expected);
        assertThat(got.sent()).isTrue();
        assertThat(got.given()).isEmpty();
    }

    @Test
    void applyToKeepsClearsOrReplaces() {
        assertThat(Attribute.<String>absent().applyTo("old")).isEqualTo("old");
        assertThat(Attribute.<String>unavailable().applyTo("old")).isNull();
        assertThat(Attribute.<String>tempUnavailable().applyTo("old")).isNull();
        assertThat(Attribute.of("new").applyTo("old")).isEqualTo("new");
    }

    @Test
    void theLastOfARepeatedAttributeWins() throws SmtpArgumentException {
        assertThat(XclientCommand.parse("ADDR=192.0.2.1 ADDR=192.0.2.2").addr()).isEqualTo(Attribute.of(ip("192.0.2.2")));
    }

    @Test
    void extraSpacesAreTolerated() throws SmtpArgumentException {
        Xclient x = XclientCommand.parse("  ADDR=192.0.2.1   PORT=25 ");

        assertThat(x.addr().given()).contains(ip("192.0.2.1"));
        assertThat(x.port().given()).contains(25);
    }

    // ---- refusals

    static Stream<Arguments> refused() {
        return Stream.of(
                // syntax
                Arguments.of("", "501 5.5.4 Syntax: XCLIENT attribute=value..."),
                Arguments.of("   ", "501 5.5.4 Syntax: XCLIENT attribute=value..."),
                Arguments.of("NAME", "501 5.5.4 Syntax: XCLIENT attribute=value..."),
                Arguments.of("NAME=", "501 5.5.4 Syntax: XCLIENT attribute=value..."),
                Arguments.of("=x.example", "501 5.5.4 Syntax: XCLIENT attribute=value..."),
                Arguments.of("ADDR=192.0.2.1 PORT", "501 5.5.4 Syntax: XCLIENT attribute=value..."),
                // names
                Arguments.of("FOO=bar", "501 5.5.4 Bad XCLIENT attribute name: FOO"),
                Arguments.of("ADDR=192.0.2.1 reverse_name=x.example", "501 5.5.4 Bad XCLIENT attribute name: reverse_name"),
                Arguments.of("X\u0007Y=1", "501 5.5.4 Bad XCLIENT attribute name: X?Y"),
                // NAME
                Arguments.of("NAME=-bad.example", "501 5.5.4 Bad XCLIENT NAME syntax: -bad.example"),
                Arguments.of("NAME=a..example", "501 5.5.4 Bad XCLIENT NAME syntax: a..example"),
                Arguments.of("NAME=192.0.2.1", "501 5.5.4 Bad XCLIENT NAME syntax: 192.0.2.1"),
                Arguments.of("NAME=bad+20name", "501 5.5.4 Bad XCLIENT NAME syntax: bad name"),
                Arguments.of("NAME=x+0D+0A.example", "501 5.5.4 Bad XCLIENT NAME syntax: x??.example"),
                Arguments.of("NAME=[unavailable]", "501 5.5.4 Bad XCLIENT NAME syntax: [unavailable]"),
                // ADDR and DESTADDR
                Arguments.of("ADDR=192.0.2", "501 5.5.4 Bad XCLIENT ADDR syntax: 192.0.2"),
                Arguments.of("ADDR=256.0.2.1", "501 5.5.4 Bad XCLIENT ADDR syntax: 256.0.2.1"),
                Arguments.of("ADDR=192.0.2.01", "501 5.5.4 Bad XCLIENT ADDR syntax: 192.0.2.01"),
                Arguments.of("ADDR=[192.0.2.1]", "501 5.5.4 Bad XCLIENT ADDR syntax: [192.0.2.1]"),
                Arguments.of("ADDR=IPV6:192.0.2.1", "501 5.5.4 Bad XCLIENT ADDR syntax: IPV6:192.0.2.1"),
                Arguments.of("ADDR=IPV6:2001:db8::g", "501 5.5.4 Bad XCLIENT ADDR syntax: IPV6:2001:db8::g"),
                Arguments.of("ADDR=IPV6:fe80::1%eth0", "501 5.5.4 Bad XCLIENT ADDR syntax: IPV6:fe80::1%eth0"),
                Arguments.of("ADDR=mail.example.org", "501 5.5.4 Bad XCLIENT ADDR syntax: mail.example.org"),
                Arguments.of("ADDR=[TEMPUNAVAIL]", "501 5.5.4 Bad XCLIENT ADDR syntax: [TEMPUNAVAIL]"),
                Arguments.of("DESTADDR=1.2.3.4.5", "501 5.5.4 Bad XCLIENT DESTADDR syntax: 1.2.3.4.5"),
                // PORT and DESTPORT
                Arguments.of("PORT=65536", "501 5.5.4 Bad XCLIENT PORT syntax: 65536"),
                Arguments.of("PORT=123456", "501 5.5.4 Bad XCLIENT PORT syntax: 123456"),
                Arguments.of("PORT=-1", "501 5.5.4 Bad XCLIENT PORT syntax: -1"),
                Arguments.of("PORT=smtp", "501 5.5.4 Bad XCLIENT PORT syntax: smtp"),
                Arguments.of("PORT=[TEMPUNAVAIL]", "501 5.5.4 Bad XCLIENT PORT syntax: [TEMPUNAVAIL]"),
                Arguments.of("DESTPORT=0x19", "501 5.5.4 Bad XCLIENT DESTPORT syntax: 0x19"),
                // PROTO
                Arguments.of("PROTO=LMTP", "501 5.5.4 Bad XCLIENT PROTO syntax: LMTP"),
                Arguments.of("PROTO=[UNAVAILABLE]", "501 5.5.4 Bad XCLIENT PROTO syntax: [UNAVAILABLE]"),
                // HELO and LOGIN
                Arguments.of("HELO=[TEMPUNAVAIL]", "501 5.5.4 Bad XCLIENT HELO syntax: [TEMPUNAVAIL]"),
                Arguments.of("LOGIN=[TEMPUNAVAIL]", "501 5.5.4 Bad XCLIENT LOGIN syntax: [TEMPUNAVAIL]"),
                // xtext
                Arguments.of("HELO=a+2", "501 5.5.4 Bad XCLIENT HELO syntax: a+2"),
                Arguments.of("HELO=a+", "501 5.5.4 Bad XCLIENT HELO syntax: a+"),
                Arguments.of("HELO=a+zz", "501 5.5.4 Bad XCLIENT HELO syntax: a+zz"),
                Arguments.of("HELO=a+\u0661\u0662", "501 5.5.4 Bad XCLIENT HELO syntax: a+??"),
                Arguments.of("HELO=a=b", "501 5.5.4 Bad XCLIENT HELO syntax: a=b"),
                Arguments.of("HELO=caf\u00e9", "501 5.5.4 Bad XCLIENT HELO syntax: caf?"),
                Arguments.of("LOGIN=" + "a".repeat(256), "501 5.5.4 Bad XCLIENT LOGIN: value too long"));
    }

    @ParameterizedTest
    @MethodSource("refused")
    void refusedWith501(String argument, String reply) {
        assertThatThrownBy(() -> XclientCommand.parse(argument))
                .isInstanceOfSatisfying(SmtpArgumentException.class, e -> {
                    assertThat(render(e.reply())).isEqualTo(reply);
                    assertThat(e.detail()).isNotBlank();
                });
    }

    @Test
    void theLongestValueIsTaken() throws SmtpArgumentException {
        assertThat(XclientCommand.parse("LOGIN=" + "a".repeat(255)).login().given()).contains("a".repeat(255));
    }

    @Test
    void theEhloKeywordNamesEveryAttribute() {
        assertThat(XclientCommand.EHLO_KEYWORD).isEqualTo("XCLIENT NAME ADDR PORT PROTO HELO LOGIN DESTADDR DESTPORT");
        assertThat(render(XclientCommand.NOT_AUTHORIZED)).isEqualTo("550 5.7.0 Error: insufficient authorization");
        assertThat(render(XclientCommand.IN_TRANSACTION)).isEqualTo("503 5.5.1 Error: MAIL transaction in progress");
    }

    // ---- helpers

    @SuppressWarnings("unchecked")
    private static Attribute<Object> attribute(Xclient x, String name) {
        Attribute<?> attribute = switch (name) {
            case "name" -> x.name();
            case "addr" -> x.addr();
            case "port" -> x.port();
            case "proto" -> x.proto();
            case "helo" -> x.helo();
            case "login" -> x.login();
            case "destAddr" -> x.destAddr();
            case "destPort" -> x.destPort();
            default -> throw new IllegalArgumentException(name);
        };
        return (Attribute<Object>) attribute;
    }

    private static String render(Reply reply) {
        return reply.code() + " " + reply.enhanced() + " " + reply.text();
    }

    private static InetAddress ip(String text) {
        return InetAddresses.require(text);
    }
}
