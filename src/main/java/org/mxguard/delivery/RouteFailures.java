package org.mxguard.delivery;

/** Every way a route can fail, with its RFC 3463 enhanced status code and the reason for that code. */
final class RouteFailures {
    private RouteFailures() {
    }

    /** X.1.10 "Recipient address has null MX" was registered by RFC 7505 §4.2 for exactly this. */
    static Route.Bounce nullMx(String domain) {
        return new Route.Bounce(domain, "5.1.10", "Recipient domain " + domain
                + " has a null MX: it accepts no mail (RFC 7505)");
    }

    /**
     * X.1.2 "Bad destination system address": the part right of the @ names no mail system. Said
     * of the domain itself (not of its hosts, see {@link #noUsableMxHost}), which is what the
     * sender must fix.
     */
    static Route.Bounce noSuchDomain(String domain) {
        return new Route.Bounce(domain, "5.1.2", "Recipient domain " + domain + " does not exist (NXDOMAIN)");
    }

    /** X.1.2 as above: the domain exists but publishes neither MX nor address records. */
    static Route.Bounce noMailHosts(String domain) {
        return new Route.Bounce(domain, "5.1.2", "Recipient domain " + domain
                + " has no mail hosts: neither MX nor address records");
    }

    /** X.1.3 "Bad destination mailbox address syntax": an address literal that is no address. */
    static Route.Bounce badAddressLiteral(String domain) {
        return new Route.Bounce(domain, "5.1.3", domain + " is not a valid address literal");
    }

    /**
     * X.4.4 "Unable to route": the domain names MX hosts, but none of them has an address (they do
     * not exist, or are IP literals). Postfix uses the same code.
     */
    static Route.Bounce noUsableMxHost(String domain, String detail) {
        return new Route.Bounce(domain, "5.4.4", "No MX host of " + domain + " has an address: " + detail);
    }

    /** X.4.6 "Routing loop detected"; Postfix's wording. */
    static Route.Bounce loopsToMyself(String domain, String detail) {
        return new Route.Bounce(domain, "5.4.6", "mail for " + domain + " loops back to myself: " + detail);
    }

    /** X.4.3 "Directory server failure": DNS could not answer now and may later. */
    static Route.Defer dnsTempFail(String domain, String detail) {
        return new Route.Defer(domain, "4.4.3", "DNS lookup for " + domain + " failed temporarily: " + detail);
    }

    /**
     * X.4.4 "Unable to route", temporary: we are a backup MX and no better host has an address
     * now. Temporary even when the better hosts do not exist (as in Postfix): bouncing would call
     * it a loop, and the primary's DNS may be fixed while the message waits.
     */
    static Route.Defer noPrimaryRelay(String domain, String detail) {
        return new Route.Defer(domain, "4.4.4", "unable to find primary relay for " + domain + ": " + detail);
    }

    /**
     * X.4.4, temporary: a configured next hop has no address. It is our own configuration, fixable
     * without the sender, so the mail waits rather than bounces.
     */
    static Route.Defer nextHopUnresolved(String domain, NextHop hop, String detail) {
        return new Route.Defer(domain, "4.4.4", "next hop " + hop + " for " + domain + " has no address: " + detail);
    }

    /** X.3.0 "Other or undefined mail system status": a fault of ours while routing; never bounce for it. */
    static Route.Defer routingError(String domain, Throwable error) {
        return new Route.Defer(domain, "4.3.0", "routing " + domain + " failed: " + error);
    }
}
