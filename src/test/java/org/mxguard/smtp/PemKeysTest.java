package org.mxguard.smtp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.RSAPrivateCrtKey;
import java.util.List;
import java.util.stream.Stream;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.mxguard.smtp.TlsFilesException.Problem;

/** Reading the STARTTLS certificate chain and private key from PEM files as openssl writes them. */
class PemKeysTest {
    @TempDir
    static Path dir;
    static TlsTestFiles files;
    static List<TlsTestFiles.Pair> pairs;

    @BeforeAll
    static void keys() {
        files = new TlsTestFiles(dir);
        pairs = files.allFormats();
    }

    static Stream<TlsTestFiles.Pair> pairs() {
        return pairs.stream();
    }

    static TlsTestFiles.Pair pair(String name) {
        return pairs.stream().filter(p -> p.name().equals(name)).findFirst().orElseThrow();
    }

    @ParameterizedTest
    @MethodSource("pairs")
    void readsEachFormatAndTheKeyMatchesItsCertificate(TlsTestFiles.Pair pair) throws TlsFilesException {
        List<X509Certificate> chain = PemKeys.certificates(pair.certificate());
        PrivateKey key = PemKeys.privateKey(pair.key());

        assertThat(chain).hasSize(1);
        assertThat(chain.get(0).getSubjectX500Principal().getName()).isEqualTo("CN=" + pair.name() + ".test");
        assertThat(key.getAlgorithm()).isEqualTo(pair.algorithm());
        PemKeys.checkPair(chain, pair.certificate(), key, pair.key());
    }

    @Test
    void pkcs1IsWrappedIntoTheSameKeyAsOpensslsPkcs8() throws TlsFilesException {
        Path pkcs1 = pair("rsa-pkcs1").key();
        files.openssl("pkey", "-in", pkcs1.toString(), "-out", "rsa-pkcs1-as-pkcs8.key");

        RSAPrivateCrtKey wrapped = (RSAPrivateCrtKey) PemKeys.privateKey(pkcs1);
        RSAPrivateCrtKey converted = (RSAPrivateCrtKey) PemKeys.privateKey(dir.resolve("rsa-pkcs1-as-pkcs8.key"));

        assertThat(wrapped.getModulus()).isEqualTo(converted.getModulus());
        assertThat(wrapped.getPrivateExponent()).isEqualTo(converted.getPrivateExponent());
        assertThat(wrapped.getCrtCoefficient()).isEqualTo(converted.getCrtCoefficient());
    }

    @ParameterizedTest
    @MethodSource("sec1Pairs")
    void sec1IsWrappedWithTheCurveItNames(String name, int fieldBits) throws TlsFilesException {
        Path sec1 = pair(name).key();
        files.openssl("pkey", "-in", sec1.toString(), "-out", name + "-as-pkcs8.key");

        ECPrivateKey wrapped = (ECPrivateKey) PemKeys.privateKey(sec1);
        ECPrivateKey converted = (ECPrivateKey) PemKeys.privateKey(dir.resolve(name + "-as-pkcs8.key"));

        assertThat(wrapped.getS()).isEqualTo(converted.getS());
        assertThat(wrapped.getParams().getCurve()).isEqualTo(converted.getParams().getCurve());
        assertThat(wrapped.getParams().getCurve().getField().getFieldSize()).isEqualTo(fieldBits);
    }

    static Stream<Arguments> sec1Pairs() {
        return Stream.of(Arguments.of("ec-sec1", 256),
                Arguments.of("ec-sec1-p384-with-parameters", 384),
                Arguments.of("ec-sec1-p521", 521));
    }

    @Test
    void aChainKeepsItsOrderAndTextAroundBlocksIsIgnored() throws Exception {
        files.openssl("x509", "-in", pair("rsa-pkcs8").certificate().toString(), "-text", "-out", "leaf-text.crt");
        String leaf = Files.readString(dir.resolve("leaf-text.crt"));
        assertThat(leaf).startsWith("Certificate:");
        String issuer = Files.readString(pair("ec-pkcs8").certificate());
        Path chainFile = files.write("chain.crt", leaf + "\nsome comment\n" + issuer);

        List<X509Certificate> chain = PemKeys.certificates(chainFile);

        assertThat(chain).extracting(c -> c.getSubjectX500Principal().getName())
                .containsExactly("CN=rsa-pkcs8.test", "CN=ec-pkcs8.test");
        PemKeys.checkPair(chain, chainFile, PemKeys.privateKey(pair("rsa-pkcs8").key()), pair("rsa-pkcs8").key());
    }

    @Test
    void oneFileMayHoldKeyAndCertificateWithCrlfLineEnds() throws Exception {
        String both = Files.readString(pair("ec-sec1").key()) + Files.readString(pair("ec-sec1").certificate());
        Path combined = files.write("combined.pem", both.replace("\n", "\r\n"));

        List<X509Certificate> chain = PemKeys.certificates(combined);
        PrivateKey key = PemKeys.privateKey(combined);

        assertThat(chain).hasSize(1);
        assertThat(key.getAlgorithm()).isEqualTo("EC");
        PemKeys.checkPair(chain, combined, key, combined);
    }

    @Test
    void aByteOrderMarkAndIndentedBlocksAreRead() throws Exception {
        String key = Files.readString(pair("ec-pkcs8").key()).replace("\n", "\n    ");
        Path indented = files.write("bom.key", "\u00ef\u00bb\u00bf" + key);

        assertThat(PemKeys.privateKey(indented).getAlgorithm()).isEqualTo("EC");
    }

    @Test
    void encryptedPkcs8IsRefused() {
        files.openssl("pkey", "-in", pair("rsa-pkcs8").key().toString(), "-aes256", "-passout", "pass:secret",
                "-out", "encrypted-pkcs8.key");
        Path key = dir.resolve("encrypted-pkcs8.key");

        TlsFilesException e = problem(() -> PemKeys.privateKey(key), Problem.ENCRYPTED_KEY);

        assertThat(e).hasMessageStartingWith(key + ": the private key is encrypted ('ENCRYPTED PRIVATE KEY')")
                .hasMessageContaining("cannot ask for a passphrase").hasMessageContaining("openssl pkey -in " + key);
    }

    @Test
    void encryptedTraditionalKeysAreRefused() {
        files.openssl("rsa", "-in", pair("rsa-pkcs1").key().toString(), "-traditional", "-aes256", "-passout",
                "pass:secret", "-out", "encrypted-pkcs1.key");
        files.openssl("ec", "-in", pair("ec-sec1").key().toString(), "-aes256", "-passout", "pass:secret",
                "-out", "encrypted-sec1.key");

        assertThat(problem(() -> PemKeys.privateKey(dir.resolve("encrypted-pkcs1.key")), Problem.ENCRYPTED_KEY))
                .hasMessageContaining("('RSA PRIVATE KEY' with Proc-Type: 4,ENCRYPTED)");
        assertThat(problem(() -> PemKeys.privateKey(dir.resolve("encrypted-sec1.key")), Problem.ENCRYPTED_KEY))
                .hasMessageContaining("('EC PRIVATE KEY' with Proc-Type: 4,ENCRYPTED)");
    }

    @Test
    void garbageIsNeitherCertificateNorKey() throws IOException {
        Path garbage = files.write("garbage.pem", "this is not a certificate\nnor a key\n");

        assertThat(problem(() -> PemKeys.certificates(garbage), Problem.NO_CERTIFICATE))
                .hasMessage(garbage + ": holds no PEM certificate (no '-----BEGIN CERTIFICATE-----' block)");
        assertThat(problem(() -> PemKeys.privateKey(garbage), Problem.NO_KEY))
                .hasMessage(garbage + ": holds no PEM private key (no '-----BEGIN PRIVATE KEY-----' block or the like)");
    }

    @Test
    void emptyAndBinaryFiles() throws IOException {
        Path empty = files.write("empty.pem", "");
        Path der = dir.resolve("key.der");
        files.openssl("pkey", "-in", pair("ec-pkcs8").key().toString(), "-outform", "DER", "-out", "key.der");

        assertThat(problem(() -> PemKeys.privateKey(empty), Problem.NO_KEY)).hasMessageEndingWith("; it is empty");
        assertThat(problem(() -> PemKeys.privateKey(der), Problem.NO_KEY)).hasMessageContaining("binary DER");
    }

    @Test
    void theFilesSwapped() {
        TlsFilesException noKey = problem(() -> PemKeys.privateKey(pair("rsa-pkcs8").certificate()), Problem.NO_KEY);
        TlsFilesException noCert = problem(() -> PemKeys.certificates(pair("ec-sec1-p384-with-parameters").key()),
                Problem.NO_CERTIFICATE);

        assertThat(noKey).hasMessageEndingWith("; it holds only 'CERTIFICATE'");
        assertThat(noCert).hasMessageEndingWith("; it holds only 'EC PARAMETERS', 'EC PRIVATE KEY'");
    }

    @Test
    void missingDirectoryAndHugeFiles() throws IOException {
        Path missing = dir.resolve("nope.pem");
        Path huge = files.write("huge.pem", "x".repeat(PemKeys.MAX_FILE_BYTES + 1));

        assertThat(problem(() -> PemKeys.certificates(missing), Problem.MISSING)).hasMessage(missing + ": does not exist");
        assertThat(problem(() -> PemKeys.privateKey(dir), Problem.UNREADABLE))
                .hasMessage(dir + ": is a directory, not a PEM file");
        assertThat(problem(() -> PemKeys.privateKey(huge), Problem.UNREADABLE))
                .hasMessage(huge + ": is larger than 1 MiB: not a PEM certificate or key");
    }

    @Test
    void aKeyOfAnotherCertificateIsAMismatchNamingBothFiles() throws TlsFilesException {
        Path key = pair("rsa-pkcs1").key();
        Path certificate = pair("rsa-pkcs8").certificate();
        List<X509Certificate> chain = PemKeys.certificates(certificate);
        PrivateKey wrong = PemKeys.privateKey(key);

        TlsFilesException e = problem(() -> PemKeys.checkPair(chain, certificate, wrong, key), Problem.KEY_MISMATCH);

        assertThat(e.file()).isEqualTo(key);
        assertThat(e).hasMessage(key + ": the private key (RSA 2048-bit) does not belong to the certificate in "
                + certificate + " (CN=rsa-pkcs8.test, RSA 2048-bit key)");
    }

    @Test
    void aKeyOfAnotherKindIsAMismatch() throws TlsFilesException {
        Path key = pair("ec-sec1").key();
        Path certificate = pair("rsa-pkcs8").certificate();
        List<X509Certificate> chain = PemKeys.certificates(certificate);
        PrivateKey wrong = PemKeys.privateKey(key);

        assertThat(problem(() -> PemKeys.checkPair(chain, certificate, wrong, key), Problem.KEY_MISMATCH))
                .hasMessage(key + ": the private key (EC 256-bit) does not belong to the certificate in "
                        + certificate + " (CN=rsa-pkcs8.test, RSA 2048-bit key)");
        Path ecCertificate = pair("ec-sec1-p384-with-parameters").certificate();
        assertThat(problem(() -> PemKeys.checkPair(PemKeys.certificates(ecCertificate), ecCertificate, wrong, key),
                Problem.KEY_MISMATCH)).hasMessageContaining("(CN=ec-sec1-p384-with-parameters.test, EC 384-bit key)");
    }

    @Test
    void theServersCertificateMustComeFirst() throws Exception {
        String own = Files.readString(pair("ec-pkcs8").certificate());
        String other = Files.readString(pair("rsa-pkcs8").certificate());
        Path reversed = files.write("reversed.crt", other + own);
        Path key = pair("ec-pkcs8").key();

        TlsFilesException e = problem(() -> PemKeys.checkPair(PemKeys.certificates(reversed), reversed,
                PemKeys.privateKey(key), key), Problem.KEY_MISMATCH);

        assertThat(e.file()).isEqualTo(reversed);
        assertThat(e).hasMessageContaining("belongs to certificate #2 (CN=ec-pkcs8.test), not to the first "
                + "(CN=rsa-pkcs8.test); the server's own certificate must come first");
    }

    @Test
    void explicitCurveParametersAndUnsupportedCurvesAreRefused() {
        files.openssl("ecparam", "-name", "prime256v1", "-param_enc", "explicit", "-genkey", "-noout", "-out",
                "explicit.key");
        files.openssl("pkey", "-in", "explicit.key", "-out", "explicit-pkcs8.key");
        files.openssl("ecparam", "-name", "secp256k1", "-genkey", "-noout", "-out", "k1.key");

        assertThat(problem(() -> PemKeys.privateKey(dir.resolve("explicit.key")), Problem.UNSUPPORTED_KEY))
                .hasMessageContaining("spells out its curve's parameters")
                .hasMessageContaining("-param_enc named_curve");
        assertThat(problem(() -> PemKeys.privateKey(dir.resolve("explicit-pkcs8.key")), Problem.UNSUPPORTED_KEY))
                .hasMessageContaining("spells out its curve's parameters");
        assertThat(problem(() -> PemKeys.privateKey(dir.resolve("k1.key")), Problem.UNSUPPORTED_KEY))
                .hasMessageContaining("the EC key is on curve secp256k1, OID 1.3.132.0.10, which Java's TLS does not sign with");
    }

    @Test
    void keysThatCannotSignOrAreOtherFormatsAreUnsupported() throws IOException {
        Path x25519 = files.genpkey("x25519.key", "X25519");
        Path ssh = files.write("ssh.key", "-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----\n");
        Path dsa = files.write("dsa.key", "-----BEGIN DSA PRIVATE KEY-----\nAAAA\n-----END DSA PRIVATE KEY-----\n");

        assertThat(problem(() -> PemKeys.privateKey(x25519), Problem.UNSUPPORTED_KEY))
                .hasMessage(x25519 + ": a X25519 key cannot sign, so it cannot serve TLS; use an RSA or EC key");
        assertThat(problem(() -> PemKeys.privateKey(ssh), Problem.UNSUPPORTED_KEY)).hasMessageContaining("ssh-keygen");
        assertThat(problem(() -> PemKeys.privateKey(dsa), Problem.UNSUPPORTED_KEY))
                .hasMessageContaining("a 'DSA PRIVATE KEY' block is not a key format mxguard reads");
    }

    @Test
    void damagedBlocks() throws IOException {
        String key = Files.readString(pair("rsa-pkcs1").key());
        Path cut = files.write("cut.key", key.substring(0, key.length() / 2));
        Path badBase64 = files.write("bad-base64.key", key.replaceFirst("\n[A-Za-z0-9+/]{10}", "\n!!!!!!!!!!"));
        Path truncatedDer = files.write("truncated-der.key",
                "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIA==\n-----END EC PRIVATE KEY-----\n");
        Path two = files.write("two.key", key + Files.readString(pair("ec-sec1").key()));
        Path mismatchedEnd = files.write("end.key", key.replace("END RSA PRIVATE KEY", "END PRIVATE KEY"));
        String cert = Files.readString(pair("ec-sec1").certificate());
        Path badCert = files.write("bad.crt", cert.replaceFirst("\n[A-Za-z0-9+/]{8}", "\nAAAAAAAA"));

        assertThat(problem(() -> PemKeys.privateKey(cut), Problem.BAD_KEY))
                .hasMessage(cut + ": '-----BEGIN RSA PRIVATE KEY-----' at line 1 has no '-----END RSA PRIVATE KEY-----' "
                        + "line (is the file cut short?)");
        assertThat(problem(() -> PemKeys.privateKey(badBase64), Problem.BAD_KEY))
                .hasMessageContaining("the RSA private key (line 1) is not valid base64");
        assertThat(problem(() -> PemKeys.privateKey(truncatedDer), Problem.BAD_KEY))
                .hasMessageContaining("the SEC1 EC private key is damaged");
        assertThat(problem(() -> PemKeys.privateKey(two), Problem.BAD_KEY))
                .hasMessageContaining("holds 2 private keys (lines 1, ");
        assertThat(problem(() -> PemKeys.privateKey(mismatchedEnd), Problem.BAD_KEY))
                .hasMessageContaining("ends with '-----END PRIVATE KEY-----'");
        assertThat(problem(() -> PemKeys.certificates(badCert), Problem.BAD_CERTIFICATE))
                .hasMessageStartingWith(badCert + ": certificate #1 (line 1) cannot be read: ");
    }

    static TlsFilesException problem(ThrowingCallable call, Problem expected) {
        Throwable thrown = catchThrowable(call);
        assertThat(thrown).isInstanceOf(TlsFilesException.class);
        TlsFilesException e = (TlsFilesException) thrown;
        assertThat(e.problem()).as(e.getMessage()).isEqualTo(expected);
        assertThat(e.getMessage()).startsWith(e.file() + ": ");
        return e;
    }
}
