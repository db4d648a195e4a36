package org.mxguard.check;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.UnknownHostException;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

class GenericNameClassifierPropertiesTest {
    private static final GenericNameClassifier CLASSIFIER = GenericNameClassifier.standard();

    @Property
    void theClientAddressIsFoundWhateverItsValue(@ForAll @IntRange(min = 1, max = 223) int a, @ForAll @IntRange(max = 255) int b,
            @ForAll @IntRange(max = 255) int c, @ForAll @IntRange(max = 255) int d) throws UnknownHostException {
        InetAddress ip = InetAddress.getByAddress(new byte[] {(byte) a, (byte) b, (byte) c, (byte) d});
        String[] names = {
            "c-" + a + "-" + b + "-" + c + "-" + d + ".hsd1.ca.comcast.net",
            d + "." + c + "." + b + "." + a + ".broad.gz.gd.dynamic.163data.com.cn",
            String.format("p%02x%02x%02x%02x.dip0.t-ipconnect.de", a, b, c, d),
            String.format("softbank%03d%03d%03d%03d.bbtec.net", a, b, c, d),
            d + ".red-" + a + "-" + b + "-" + c + ".dynamicip.rima-tde.net",
        };
        for (String name : names) {
            Classification k = CLASSIFIER.classify(name, ip);
            assertThat(k.generic()).as(name + ": " + k.reason()).isTrue();
            assertThat(k.ipEmbedded()).as(name + ": " + k.reason()).isTrue();
        }
    }

    @Property
    void googleOutboundNamesNeverLookGeneric(@ForAll("googlePrefixes") String prefix, @ForAll @IntRange(min = 1, max = 254) int octet3,
            @ForAll @IntRange(min = 1, max = 254) int octet4) throws UnknownHostException {
        InetAddress ip = InetAddress.getByAddress(new byte[] {(byte) 209, 85, (byte) octet3, (byte) octet4});
        String name = "mail-" + prefix + "-f" + octet4 + ".google.com";
        assertThat(CLASSIFIER.classify(name, ip).generic()).as(name).isFalse();
        assertThat(CLASSIFIER.classify(name, null).generic()).as(name).isFalse();
    }

    @Provide
    Arbitrary<String> googlePrefixes() {
        return Arbitraries.of("wr1", "ej1", "qk1", "pl1", "pf1", "lf1", "wm1", "ed1", "io1", "oi1", "yw1", "qt1", "pj1", "ua1", "lj1", "vk1");
    }

    /** Only the host part is judged: dressing up the registrable domain changes nothing. */
    @Property
    void theRegistrableDomainDoesNotChangeTheVerdict(@ForAll("hostParts") String hostPart, @ForAll("ips") InetAddress ip) {
        Classification plain = CLASSIFIER.classify(hostPart + ".example.com", ip);
        Classification dressed = CLASSIFIER.classify(hostPart + ".dynamic-dsl-pool.com", ip);
        assertThat(dressed.generic()).as(hostPart).isEqualTo(plain.generic());
        assertThat(dressed.dynamicWord()).as(hostPart).isEqualTo(plain.dynamicWord());
    }

    @Property
    void caseAndTrailingDotDoNotMatter(@ForAll("hostParts") String hostPart, @ForAll("ips") InetAddress ip) {
        String name = hostPart + ".example.net";
        assertThat(CLASSIFIER.classify(name.toUpperCase(java.util.Locale.ROOT) + ".", ip)).isEqualTo(CLASSIFIER.classify(name, ip));
    }

    /** Arbitrary junk never throws and always explains itself; the scanners are linear, so long names stay cheap. */
    @Property(tries = 2000)
    void anyNameGetsAVerdictWithAReason(@ForAll("junk") String name, @ForAll("ips") InetAddress ip) {
        Classification k = CLASSIFIER.classify(name, ip);
        assertThat(k.reason()).isNotBlank().hasSizeLessThan(300);
        if (k.generic()) {
            // a generic verdict always rests on an address, an address-shaped pattern or a dynamic word
            assertThat(k.ipEmbedded() || k.dynamicWord() || k.reason().contains("IP-like")).as(k.reason()).isTrue();
        }
    }

    @Provide
    Arbitrary<String> hostParts() {
        Arbitrary<String> piece = Arbitraries.oneOf(
                Arbitraries.integers().between(0, 255).map(String::valueOf),
                Arbitraries.of("mail", "mx", "smtp", "out", "dsl", "pool", "dyn", "cable", "host", "ip", "static", "cust", "c", "p",
                        "ppp", "client", "abo", "relay", "www", "srv", "a", "b"),
                Arbitraries.strings().withCharRange('a', 'z').numeric().ofMinLength(1).ofMaxLength(10));
        Arbitrary<String> label = piece.list().ofMinSize(1).ofMaxSize(5).map(l -> String.join("-", l));
        return label.list().ofMinSize(1).ofMaxSize(3).map(l -> String.join(".", l));
    }

    @Provide
    Arbitrary<InetAddress> ips() {
        Arbitrary<InetAddress> v4 = Arbitraries.bytes().array(byte[].class).ofSize(4).map(GenericNameClassifierPropertiesTest::address);
        Arbitrary<InetAddress> v6 = Arbitraries.bytes().array(byte[].class).ofSize(16).map(GenericNameClassifierPropertiesTest::address);
        return Arbitraries.oneOf(v4, v6).injectNull(0.2);
    }

    @Provide
    Arbitrary<String> junk() {
        return Arbitraries.strings().withChars("abcdefx0123456789.-_:ABCDEF ").ofMaxLength(300);
    }

    private static InetAddress address(byte[] bytes) {
        try {
            return InetAddress.getByAddress(bytes);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }
}
