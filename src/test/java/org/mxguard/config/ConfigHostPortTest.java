package org.mxguard.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.mxguard.dns.InetAddresses;

class ConfigHostPortTest {
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "127.0.0.1:5353     | 127.0.0.1    | 5353",
            "127.0.0.1          | 127.0.0.1    | 53",
            "[2001:db8::1]:5353 | 2001:db8::1  | 5353",
            "[2001:db8::1]      | 2001:db8::1  | 53",
            "2001:db8::1        | 2001:db8::1  | 53",
            "::1                | ::1          | 53",
            "' 192.0.2.1:53 '   | 192.0.2.1    | 53",
    })
    void parsesIpForms(String text, String ip, int port) {
        InetSocketAddress a = HostPort.parseIp(text, 53);
        assertThat(a.isUnresolved()).isFalse();
        assertThat(a).isEqualTo(new InetSocketAddress(InetAddresses.require(ip), port));
    }

    @Test
    void aNameStaysUnresolved() {
        InetSocketAddress a = HostPort.parse("resolver.example.net:5353", 53);
        assertThat(a.isUnresolved()).isTrue();
        assertThat(a.getHostString()).isEqualTo("resolver.example.net");
        assertThat(a.getPort()).isEqualTo(5353);
        assertThat(HostPort.parse("localhost", 53).getPort()).isEqualTo(53);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "''                  | empty address",
            "127.0.0.1:          | bad port",
            "127.0.0.1:x53       | bad port",
            "127.0.0.1:0         | out of range",
            "127.0.0.1:65536     | out of range",
            "[2001:db8::1        | without ']'",
            "[2001:db8::1]x      | not :PORT",
            "[mx.example]:53     | not an IP address",
            "2001:db8::1:53:zz   | not an IPv6 address",
            ":53                 | no host",
            "1.2.3               | not a valid IP address",
            "256.1.1.1           | not a valid IP address",
            "bad_host!           | neither an IP address nor a host name",
    })
    void rejectsWithAClearMessage(String text, String why) {
        assertThatThrownBy(() -> HostPort.parse(text, 53))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(why);
    }

    @Test
    void parseIpRefusesNames() {
        assertThatThrownBy(() -> HostPort.parseIp("dns.example:53", 53))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("\"dns.example:53\" is a host name; give an IP address");
    }
}
