package org.mxguard.check.generic;

/**
 * Words that mark a generic, dynamic or residential name, in two strengths.
 *
 * <p>Strong words (dsl, dyn, pool, ppp, cable, dhcp, ...) name an access technology or dynamic
 * assignment; no one names a configured server that way, so they mark the name even without an
 * address in it. Weak words (host, ip, client, static, cust, abo, ...) are common in ISP naming
 * schemes but also in ordinary server names, so they only count next to an embedded address.
 * "nat" is weak although rspamd weighs it high: {@code nat1.dc2.example.com} is a company's egress,
 * not an access line.
 *
 * <p>Sources: SpamAssassin 20_dynrdns.cf (__RDNS_DYNAMIC_*, __RDNS_INDICATOR_*), rspamd hfilter.lua
 * (checks_hellohost) and ISP naming schemes listed in the test corpus SOURCES.md. Left out on
 * purpose: "ptr" (SendGrid's o1.ptrNNNN reverse-DNS names are mail servers), "mail"-like words, and
 * ISP brand names (they live in the registrable domain, which is never judged).
 */
public final class DynamicWords {
    private DynamicWords() {
    }

    /** Access-technology and dynamic-assignment words, in several languages. */
    public static final WordList STRONG = WordList.builder()
            .exact("dyn", "dynip", "dhcp", "ppp", "pppoe", "pptp", "dial", "dialup", "dialin", "isdn",
                    "dsl", "adsl", "vdsl", "xdsl", "sdsl", "hdsl", "cable", "kabel", "modem", "broadband", "broad",
                    "bredband", "catv", "docsis", "cpe", "cm", "dip", "pool", "fbx", "gprs", "cdma", "umts", "wifi",
                    "wlan", "wireless", "cgnat", "bb", "homeuser", "ipngn", "ipxg", "ipbf",
                    "laajakaista", "bredbaand")
            // dynamic/dynamique/dynamisch/dynamiczny, dinamico/dinamica/dinamik, dynamicip, pooles, dslb, ...
            .prefixes("dynami", "dinami", "dialup", "dialin", "broadband", "bredband", "adsl", "vdsl", "xdsl", "dsl",
                    "cable", "kabel", "modem", "catv", "docsis", "pool", "dhcp", "pppoe", "pptp", "fbx", "ipngn",
                    "ipxg", "ipbf", "wireless", "gprs")
            // athedsl, voxdsl, modemcable, ippool, cablemodem
            .suffixes("dsl", "cable", "pool", "dhcp", "dialup", "broadband", "modem")
            .build();

    /** ISP naming words that only mean something next to an embedded address. */
    public static final WordList WEAK = WordList.builder()
            .exact("host", "ip", "ipv4", "user", "users", "client", "clients", "customer", "customers", "cust",
                    "res", "resnet", "residential", "home", "static", "fix", "fixed", "fixip", "business", "biz",
                    "subscriber", "subs", "sub", "ftth", "fttx", "fttb", "fttc", "fttp", "fiber", "fibre", "fibra",
                    "mobile", "lte", "3g", "4g", "5g", "nat", "unused", "unknown", "unassigned", "reverse", "rev", "revip",
                    "addr", "range", "access", "abo", "abonent", "abonne", "cliente", "clientes", "clienti",
                    "residencial", "banda", "thuis", "anschluss", "node", "peer", "members", "member", "dedicated",
                    "lightspeed", "hsd", "hsi", "lns", "bras", "fios", "uverse", "line", "retail", "cpc")
            .prefixes("client", "customer", "subscriber", "residen", "static", "abonent", "dedicated", "business",
                    "revip", "unassigned", "anschluss")
            .suffixes("client", "static")
            .build();
}
