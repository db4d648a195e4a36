package org.mxguard.testbed;

import static org.mxguard.testbed.TestZones.GARBAGE_DOMAIN;
import static org.mxguard.testbed.TestZones.GARBAGE_PTR_IP;
import static org.mxguard.testbed.TestZones.GENERIC_CONFIRMED_HOST;
import static org.mxguard.testbed.TestZones.GENERIC_CONFIRMED_IP;
import static org.mxguard.testbed.TestZones.GOOD_HOST;
import static org.mxguard.testbed.TestZones.GOOD_IP;
import static org.mxguard.testbed.TestZones.NO_PTR_IP;
import static org.mxguard.testbed.TestZones.NULL_MX_DOMAIN;
import static org.mxguard.testbed.TestZones.NX_DOMAIN;
import static org.mxguard.testbed.TestZones.OUTSOURCED_HOST;
import static org.mxguard.testbed.TestZones.OUTSOURCED_IP;
import static org.mxguard.testbed.TestZones.SERVFAIL_DOMAIN;
import static org.mxguard.testbed.TestZones.SERVFAIL_PTR_IP;
import static org.mxguard.testbed.TestZones.UNCONFIRMED_HOST;
import static org.mxguard.testbed.TestZones.UNCONFIRMED_IP;

import java.util.stream.Stream;
import org.junit.jupiter.params.provider.Arguments;

/**
 * The clients of the test bed whose verdict every front end (the gateway, the policy service) must
 * give end to end, as {@code (scenario, client IP, HELO name, MAIL FROM)}: each check's outcomes,
 * and DNS failures that must never become a 5xx.
 */
public final class VerdictScenarios {
    private VerdictScenarios() {
    }

    public static Stream<Arguments> connectHeloMail() {
        return Stream.of(
                Arguments.of("all good", GOOD_IP, GOOD_HOST, "alice@good.test"),
                Arguments.of("no PTR", NO_PTR_IP, "client.example.net", "x@good.test"),
                Arguments.of("unconfirmed PTR", UNCONFIRMED_IP, UNCONFIRMED_HOST, "x@good.test"),
                Arguments.of("generic PTR", GENERIC_CONFIRMED_IP, GENERIC_CONFIRMED_HOST, "x@good.test"),
                Arguments.of("HELO not a name", GOOD_IP, "Mail-Server", "alice@good.test"),
                Arguments.of("sender domain does not exist", GOOD_IP, GOOD_HOST, "a@" + NX_DOMAIN),
                Arguments.of("sender domain has a null MX", GOOD_IP, GOOD_HOST, "a@" + NULL_MX_DOMAIN),
                Arguments.of("null sender", GOOD_IP, GOOD_HOST, ""),
                Arguments.of("ESP relay", OUTSOURCED_IP, OUTSOURCED_HOST, "news@outsourced.test"),
                Arguments.of("PTR lookup fails (SERVFAIL)", SERVFAIL_PTR_IP, "mail.servfail.test", "x@good.test"),
                Arguments.of("PTR answer is garbage", GARBAGE_PTR_IP, "mail.garbage.test", "x@good.test"),
                Arguments.of("MAIL FROM in a failing zone", GOOD_IP, GOOD_HOST, "a@" + SERVFAIL_DOMAIN),
                Arguments.of("MAIL FROM in a garbage zone", GOOD_IP, GOOD_HOST, "a@" + GARBAGE_DOMAIN));
    }
}
