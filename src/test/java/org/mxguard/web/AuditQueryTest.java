package org.mxguard.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The form's fields as the audit takes them, and the messages for what a person typed wrong. */
class AuditQueryTest {
    static AuditQuery parse(Map<String, List<String>> params) {
        return AuditQuery.parse(params);
    }

    @Test
    void readsRepeatedAndLineSeparatedValues() throws Exception {
        AuditQuery q = parse(Map.of("domain", List.of(" Example.ORG. "),
                "egress", List.of("192.0.2.1\r\n2001:DB8::1", "192.0.2.2, 192.0.2.1"),
                "helo", List.of("mx1.example.org\nmx2.example.org")));
        assertThat(q.domain()).isEqualTo("example.org");
        assertThat(q.egress()).as("in order, the repeat dropped").containsExactly(
                InetAddress.getByName("192.0.2.1"), InetAddress.getByName("2001:db8::1"), InetAddress.getByName("192.0.2.2"));
        assertThat(q.helo()).containsExactly("mx1.example.org", "mx2.example.org");
        assertThat(q.queryString()).isEqualTo(
                "domain=example.org&egress=192.0.2.1&egress=2001%3Adb8%3A%3A1&egress=192.0.2.2&helo=mx1.example.org&helo=mx2.example.org");
        assertThat(parse(Map.of("domain", List.of(q.domain()), "egress", List.of("192.0.2.1", "2001:db8::1", "192.0.2.2"),
                "helo", q.helo()))).isEqualTo(q);
    }

    @Test
    void internationalNamesBecomeALabels() {
        assertThat(parse(Map.of("domain", List.of("bücher.example"))).domain()).isEqualTo("xn--bcher-kva.example");
        assertThat(parse(Map.of("domain", List.of("_dmarc.example.org"))).domain()).isEqualTo("_dmarc.example.org");
    }

    @Test
    void refusesWhatIsNoDomain() {
        assertThatThrownBy(() -> parse(Map.of())).isInstanceOf(AuditQuery.BadQuery.class).hasMessage("give the domain to audit");
        assertThatThrownBy(() -> parse(Map.of("domain", List.of("  ")))).hasMessage("give the domain to audit");
        assertThatThrownBy(() -> parse(Map.of("domain", List.of("a.org b.org")))).hasMessage("give one domain, not 2");
        for (String bad : List.of("<script>.org", "-a.org", "a..org", "a.org/x", "192.0.2.1", "x".repeat(64) + ".org")) {
            assertThatThrownBy(() -> parse(Map.of("domain", List.of(bad)))).as(bad)
                    .isInstanceOf(AuditQuery.BadQuery.class).hasMessageEndingWith(": not a host name");
        }
    }

    @Test
    void refusesWhatIsNoAddress() {
        assertThatThrownBy(() -> parse(Map.of("domain", List.of("example.org"), "egress", List.of("192.0.2.1 mail.example.org"))))
                .isInstanceOf(AuditQuery.BadQuery.class).hasMessage("egress mail.example.org: not an IP address");
        assertThatThrownBy(() -> parse(Map.of("domain", List.of("example.org"), "egress", List.of("192.0.2.256"))))
                .hasMessage("egress 192.0.2.256: not an IP address");
        assertThatThrownBy(() -> parse(Map.of("domain", List.of("example.org"), "helo", List.of("[192.0.2.1]"))))
                .hasMessage("helo [192.0.2.1]: not a host name");
    }

    @Test
    void boundsTheNumberOfAddresses() {
        StringBuilder many = new StringBuilder();
        for (int i = 1; i <= AuditQuery.MAX_EGRESS + 1; i++) {
            many.append("192.0.2.").append(i).append('\n');
        }
        assertThatThrownBy(() -> parse(Map.of("domain", List.of("example.org"), "egress", List.of(many.toString()))))
                .hasMessage("at most 16 egress addresses, not 17");
    }
}
