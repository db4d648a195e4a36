package org.mxguard.bench;

import java.time.Duration;
import java.util.List;
import org.mxguard.check.CheckSuite;
import org.mxguard.check.GenericNameClassifier;
import org.mxguard.check.LocalIdentity;
import org.mxguard.check.SessionFacts;
import org.mxguard.dns.CachingResolver;
import org.mxguard.dns.DnsClient;
import org.mxguard.dns.InetAddresses;
import org.mxguard.dns.Resolver;
import org.mxguard.policy.Evaluator;
import org.mxguard.policy.Policy;
import org.mxguard.testkit.FakeDnsServer;

/**
 * The DNS data and clients the verdict benchmarks share: five clients of different kinds
 * (a confirmed mail server, a generic ISP name, one without PTR, an IPv6 sender, an ESP relay
 * whose PTR, MAIL FROM and Reply-To: name three different domains) with HELO,
 * MAIL FROM, From: and Reply-To:, so every check of the standard suite does real work.
 */
final class BenchScenario {
    private BenchScenario() {
    }

    static FakeDnsServer server() {
        FakeDnsServer s = FakeDnsServer.start();
        // a mail server whose domain lists it as MX, and a partner domain in From:
        s.ptr("192.0.2.7", "mail.example.org").a("mail.example.org", "192.0.2.7")
                .mx("example.org", 10, "mail.example.org").mx("example.org", 20, "mx2.example.org")
                .a("mx2.example.org", "192.0.2.8").a("example.org", "192.0.2.80")
                .mx("partner.example.net", 10, "mx.partner.example.net").a("mx.partner.example.net", "198.51.100.5");
        // a dynamic ISP client with a forged sender
        s.ptr("203.0.113.45", "45-113-0-203.dsl.isp.example.com").a("45-113-0-203.dsl.isp.example.com", "203.0.113.45")
                .mx("isp.example.com", 10, "mx.isp.example.com").a("mx.isp.example.com", "203.0.113.1")
                .mx("example.com", 10, "mx.example.com").a("mx.example.com", "203.0.113.2");
        // a client without PTR claiming a big sender
        s.mx("bigsender.example", 5, "mx1.bigsender.example").mx("bigsender.example", 10, "mx2.bigsender.example")
                .a("mx1.bigsender.example", "192.0.2.101").a("mx2.bigsender.example", "192.0.2.102")
                .a("relay.bigsender.example", "192.0.2.103");
        // an IPv6 sender
        s.ptr("2001:db8::25", "mail6.example.org").aaaa("mail6.example.org", "2001:db8::25")
                .mx("v6.example.org", 10, "mail6.example.org");
        // an ESP relay sending for a shop, with replies going to a support desk: four domains
        s.ptr("198.51.100.77", "o1.relay.espmail.net").a("o1.relay.espmail.net", "198.51.100.77")
                .mx("espmail.net", 10, "mx.espmail.net").a("mx.espmail.net", "198.51.100.1")
                .mx("shop.example.com", 10, "mx1.shop.example.com").mx("shop.example.com", 20, "mx2.shop.example.com")
                .a("mx1.shop.example.com", "192.0.2.201").a("mx2.shop.example.com", "192.0.2.202")
                .mx("support.example.com", 10, "mx.support.example.com").a("mx.support.example.com", "192.0.2.210");
        return s;
    }

    static List<SessionFacts> clients() {
        return List.of(
                new SessionFacts(InetAddresses.require("192.0.2.7"), "mail.example.org", "alice@example.org",
                        "Alice <alice@example.org>", "team@partner.example.net"),
                new SessionFacts(InetAddresses.require("203.0.113.45"), "45-113-0-203.dsl.isp.example.com",
                        "billing@example.com", "billing@example.com", "billing@example.com"),
                new SessionFacts(InetAddresses.require("192.0.2.99"), "relay.bigsender.example",
                        "news@bigsender.example", "news@bigsender.example", null),
                new SessionFacts(InetAddresses.require("2001:db8::25"), "mail6.example.org", "bob@v6.example.org",
                        "bob@v6.example.org", null),
                new SessionFacts(InetAddresses.require("198.51.100.77"), "o1.relay.espmail.net",
                        "bounces@shop.example.com", "news@shop.example.com", "help@support.example.com"));
    }

    static Resolver network(FakeDnsServer server) {
        return new DnsClient(List.of(server.address()), Duration.ofSeconds(2), 1, Runnable::run);
    }

    static Evaluator evaluator(Resolver resolver) {
        return new Evaluator(CheckSuite.standard(LocalIdentity.none(), GenericNameClassifier.standard()),
                Policy.defaults(), resolver, 20);
    }

    static Resolver cached(Resolver network) {
        return new CachingResolver(network, 100_000);
    }
}
