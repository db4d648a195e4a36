package org.mxguard.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.mxguard.smtp.ForgedAuthenticationResults.Span;

class AuthenticationResultsForgeryTest {
    private static final String US = "mx.example.org";

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String removed(String message) {
        return new String(ForgedAuthenticationResults.remove(bytes(message), US), StandardCharsets.UTF_8);
    }

    @Test
    void dropsEveryFieldClaimingOurIdAndKeepsTheRest() {
        String message = String.join("\r\n",
                "Received: from a.example (a.example [192.0.2.1])",
                "\tby b.example with ESMTP; Tue, 3 Jun 2025 12:00:00 +0000",
                "Authentication-Results: mx.example.org; iprev=pass policy.iprev=192.0.2.1",
                "authentication-RESULTS:",
                "  MX.Example.ORG;",
                "\tspf=pass smtp.mailfrom=example.net",
                "Authentication-Results: other.example; dkim=pass header.d=example.net",
                "Authentication-Results: (forged) \"mx.example.org\"; none",
                "Authentication-Results : mx.example.org. 1; helo=pass",
                "Authentication-Results: mx.example.org.evil.example; none",
                "ARC-Authentication-Results: i=1; mx.example.org; iprev=pass",
                "X-Authentication-Results: mx.example.org; none",
                "Subject: Authentication-Results: mx.example.org; none",
                "",
                "Authentication-Results: mx.example.org; in the body, not a header",
                "");
        assertThat(removed(message)).isEqualTo(String.join("\r\n",
                "Received: from a.example (a.example [192.0.2.1])",
                "\tby b.example with ESMTP; Tue, 3 Jun 2025 12:00:00 +0000",
                "Authentication-Results: other.example; dkim=pass header.d=example.net",
                "Authentication-Results: mx.example.org.evil.example; none",
                "ARC-Authentication-Results: i=1; mx.example.org; iprev=pass",
                "X-Authentication-Results: mx.example.org; none",
                "Subject: Authentication-Results: mx.example.org; none",
                "",
                "Authentication-Results: mx.example.org; in the body, not a header",
                ""));
        List<Span> spans = ForgedAuthenticationResults.find(bytes(message), "MX.EXAMPLE.ORG.");
        assertThat(spans).hasSize(4);
        String folded = message.substring(spans.get(1).start(), spans.get(1).end());
        assertThat(folded).isEqualTo("authentication-RESULTS:\r\n  MX.Example.ORG;\r\n\tspf=pass smtp.mailfrom=example.net\r\n");
    }

    @Test
    void bareLfLineEndsAndAMissingBodyAreHandled() {
        String lf = "Subject: hi\nAuthentication-Results: mx.example.org;\n none\nTo: b@example.org\n";
        assertThat(removed(lf)).isEqualTo("Subject: hi\nTo: b@example.org\n");
        String last = "Subject: hi\r\nAuthentication-Results: mx.example.org; none";
        assertThat(removed(last)).isEqualTo("Subject: hi\r\n");
    }

    @Test
    void nothingToDropReturnsTheMessageAsItWas() {
        byte[] message = bytes("Subject: hi\r\n\r\nbody\r\n");
        assertThat(ForgedAuthenticationResults.remove(message, US)).isSameAs(message);
        assertThat(ForgedAuthenticationResults.find(new byte[0], US)).isEmpty();
        assertThat(ForgedAuthenticationResults.find(bytes("\r\nAuthentication-Results: mx.example.org; none\r\n"), US)).isEmpty();
    }

    @Test
    void fieldsWithoutAnAuthservIdAreNotOurs() {
        assertThat(ForgedAuthenticationResults.find(bytes("Authentication-Results:\r\nAuthentication-Results: ;none\r\n"), US)).isEmpty();
    }

    @Test
    void theAuthservIdIsReadPastCommentsAndOutOfQuotes() {
        assertThat(ForgedAuthenticationResults.authservId(" (a (nested) comment \\) ) mx.example.org;none")).contains(US);
        assertThat(ForgedAuthenticationResults.authservId(" \"mx.exa\\mple.org\" ; none")).contains(US);
        assertThat(ForgedAuthenticationResults.authservId("mx.example.org(c); none")).contains(US);
        assertThat(ForgedAuthenticationResults.authservId("  ")).isEqualTo(Optional.empty());
    }

    @Test
    void ourOwnFieldIsFoundInAMessageItHeads() {
        String ours = AuthenticationResultsHeader.none(US);
        String message = ours + "Subject: hi\r\n\r\nbody\r\n";
        assertThat(ForgedAuthenticationResults.find(bytes(message), US)).containsExactly(new Span(0, ours.length()));
    }
}
