package org.mxguard.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

class TransportsTest {
    @Test
    void nextHopForms() {
        assertThat(NextHop.parse("Relay.Internal.")).isEqualTo(NextHop.of("relay.internal"));
        assertThat(NextHop.parse("relay.internal:2525")).isEqualTo(NextHop.of("relay.internal", 2525));
        assertThat(NextHop.parse("[relay.internal]:2525")).isEqualTo(NextHop.of("relay.internal", 2525));
        assertThat(NextHop.parse("[relay.internal]")).isEqualTo(NextHop.of("relay.internal"));
        assertThat(NextHop.parse("192.0.2.1:25")).isEqualTo(NextHop.of("192.0.2.1", 25));
        assertThat(NextHop.parse("[2001:DB8::1]:587")).isEqualTo(NextHop.of("2001:db8::1", 587));
        assertThat(NextHop.parse("2001:db8::1")).isEqualTo(new NextHop("2001:db8::1", OptionalInt.empty()));
        assertThat(NextHop.parse("[2001:db8::1]:587").literal()).isPresent();
        assertThat(NextHop.parse("relay.internal").literal()).isEmpty();
    }

    @Test
    void anInternationalizedRelayDomainMatchesTheALabelsTheServerGets() {
        Transports t = Transports.mxOnly().withRelayDomain("Bücher.Example", NextHop.of("mta.internal"))
                .withRelayDomain(".münchen.example", NextHop.of("mta.internal"));
        assertThat(t.relayKeyFor("xn--bcher-kva.example")).contains("xn--bcher-kva.example");
        assertThat(t.relayKeyFor("bücher.example")).contains("xn--bcher-kva.example");
        assertThat(t.relayKeyFor("mail.xn--mnchen-3ya.example")).contains(".xn--mnchen-3ya.example");
        assertThat(t.relayKeyFor("other.example")).isEmpty();
    }

    @Test
    void nextHopTextParsesBack() {
        for (String text : List.of("relay.internal", "relay.internal:2525", "192.0.2.1:25", "[2001:db8::1]:587", "2001:db8::1")) {
            assertThat(NextHop.parse(NextHop.parse(text).toString())).isEqualTo(NextHop.parse(text));
        }
        assertThat(NextHop.parse("[2001:db8::1]:587")).hasToString("[2001:db8::1]:587");
    }

    @Test
    void badNextHopsNameWhatIsWrong() {
        assertThatThrownBy(() -> NextHop.parse("relay.internal:99999")).hasMessageContaining("out of range");
        assertThatThrownBy(() -> NextHop.parse("relay.internal:smtp")).hasMessageContaining("bad port \"smtp\"");
        assertThatThrownBy(() -> NextHop.parse("[relay.internal")).hasMessageContaining("[HOST]:PORT");
        assertThatThrownBy(() -> NextHop.parse("relay internal")).hasMessageContaining("neither an IP address nor a host name");
        assertThatThrownBy(() -> NextHop.parse("")).hasMessageContaining("bad next hop");
    }

    @Test
    void relayDomainsMatchExactlyOrWithALeadingDotTheirSubdomains() {
        Transports t = new Transports(Map.of("Example.ORG", NextHop.of("10.0.0.1"), ".example.org", NextHop.of("10.0.0.2"),
                ".deep.example.org", NextHop.of("10.0.0.3")), Optional.empty(), 25, AddressOrder.IPV4_FIRST);

        assertThat(t.relayKeyFor("example.org")).contains("example.org");
        assertThat(t.relayKeyFor("mail.example.org")).contains(".example.org");
        assertThat(t.relayKeyFor("a.deep.example.org")).contains(".deep.example.org");
        assertThat(t.relayKeyFor("deep.example.org")).contains(".example.org");
        assertThat(t.relayKeyFor("notexample.org")).isEmpty();
        assertThat(t.relayKeyFor("example.net")).isEmpty();
    }

    @Test
    void badTransportsAreRefused() {
        assertThatThrownBy(() -> Transports.mxOnly().withDefaultPort(0)).hasMessageContaining("default port 0");
        assertThatThrownBy(() -> new Transports(Map.of("example.org", NextHop.of("a.internal"), "EXAMPLE.org.",
                NextHop.of("b.internal")), Optional.empty(), 25, AddressOrder.IPV4_FIRST)).hasMessageContaining("twice");
        assertThatThrownBy(() -> Transports.mxOnly().withRelayDomain(".", NextHop.of("a.internal")))
                .hasMessageContaining("bad relay domain");
    }

    @Test
    void routesCarryCodesOfTheirClass() {
        assertThatThrownBy(() -> new Route.Bounce("example.org", "4.4.3", "x")).hasMessageContaining("class 5");
        assertThatThrownBy(() -> new Route.Defer("example.org", "5.1.2", "x")).hasMessageContaining("class 4");
        assertThatThrownBy(() -> new Route.Defer("example.org", "4.4", "x")).hasMessageContaining("4.4");
        assertThatThrownBy(() -> new Route.Deliver("example.org", List.of(), List.of())).hasMessageContaining("at least one");
    }
}
