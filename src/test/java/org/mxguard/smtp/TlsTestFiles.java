package org.mxguard.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Throwaway keys and self-signed certificates made with openssl, in every format the STARTTLS
 * files may come in, as {@code SmtpClientSessionTest} makes its own.
 */
final class TlsTestFiles {
    /** A private key file and a self-signed certificate for it. */
    record Pair(String name, Path key, Path certificate, String algorithm) {
        @Override
        public String toString() {
            return name;
        }
    }

    final Path dir;

    TlsTestFiles(Path dir) {
        this.dir = dir;
    }

    /** Runs openssl in the directory; fails the test with its output if it fails. */
    String openssl(String... args) {
        List<String> command = new ArrayList<>(List.of("openssl"));
        command.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("openssl %s timed out", command).isTrue();
            assertThat(p.exitValue()).as("%s: %s", command, output).isZero();
            return output;
        } catch (IOException e) {
            throw new AssertionError("cannot run " + command, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** PKCS#8 RSA: {@code BEGIN PRIVATE KEY}. */
    Path rsaPkcs8(String name) {
        openssl("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", name);
        return expect(name, "-----BEGIN PRIVATE KEY-----");
    }

    /** PKCS#1 RSA: {@code BEGIN RSA PRIVATE KEY}. */
    Path rsaPkcs1(String name) {
        openssl("genrsa", "-traditional", "-out", name, "2048");
        return expect(name, "-----BEGIN RSA PRIVATE KEY-----");
    }

    /** PKCS#8 EC on P-256. */
    Path ecPkcs8(String name) {
        openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", name);
        return expect(name, "-----BEGIN PRIVATE KEY-----");
    }

    /** SEC1 EC: {@code BEGIN EC PRIVATE KEY}, alone in its file. */
    Path ecSec1(String name, String curve) {
        openssl("ecparam", "-name", curve, "-genkey", "-noout", "-out", name);
        return expect(name, "-----BEGIN EC PRIVATE KEY-----");
    }

    /** SEC1 EC after an {@code EC PARAMETERS} block, as {@code ecparam -genkey} writes it without {@code -noout}. */
    Path ecSec1WithParameters(String name, String curve) {
        openssl("ecparam", "-name", curve, "-genkey", "-out", name);
        expect(name, "-----BEGIN EC PARAMETERS-----");
        return expect(name, "-----BEGIN EC PRIVATE KEY-----");
    }

    Path genpkey(String name, String algorithm) {
        openssl("genpkey", "-algorithm", algorithm, "-out", name);
        return expect(name, "-----BEGIN PRIVATE KEY-----");
    }

    /** A self-signed certificate for the key, valid for two days. */
    Path selfSigned(Path key, String name, String commonName) {
        openssl("req", "-x509", "-new", "-key", key.toString(), "-subj", "/CN=" + commonName, "-days", "2",
                "-out", name);
        return expect(name, "-----BEGIN CERTIFICATE-----");
    }

    /** A self-signed certificate for the key that expired on 2 January 2020. */
    Path expired(Path key, String name) throws IOException {
        Files.writeString(dir.resolve("ca.cnf"), """
                [ca]
                default_ca = ca
                database = index.txt
                new_certs_dir = .
                serial = serial
                default_md = sha256
                policy = any
                [any]
                commonName = supplied
                """);
        Files.writeString(dir.resolve("index.txt"), "");
        Files.writeString(dir.resolve("serial"), "01\n");
        openssl("req", "-new", "-key", key.toString(), "-subj", "/CN=expired.test", "-out", "expired.csr");
        openssl("ca", "-config", "ca.cnf", "-selfsign", "-keyfile", key.toString(), "-in", "expired.csr",
                "-startdate", "20200101000000Z", "-enddate", "20200102000000Z", "-batch", "-notext", "-out", name);
        return expect(name, "-----BEGIN CERTIFICATE-----");
    }

    Pair pair(String name, Path key, String algorithm) {
        return new Pair(name, key, selfSigned(key, name + ".crt", name + ".test"), algorithm);
    }

    /** The usual pairs: RSA as PKCS#8 and PKCS#1, EC as PKCS#8, SEC1 and SEC1 after EC PARAMETERS, Ed25519. */
    List<Pair> allFormats() {
        return List.of(
                pair("rsa-pkcs8", rsaPkcs8("rsa-pkcs8.key"), "RSA"),
                pair("rsa-pkcs1", rsaPkcs1("rsa-pkcs1.key"), "RSA"),
                pair("ec-pkcs8", ecPkcs8("ec-pkcs8.key"), "EC"),
                pair("ec-sec1", ecSec1("ec-sec1.key", "prime256v1"), "EC"),
                pair("ec-sec1-p384-with-parameters", ecSec1WithParameters("ec-sec1-p384.key", "secp384r1"), "EC"),
                pair("ec-sec1-p521", ecSec1("ec-sec1-p521.key", "secp521r1"), "EC"),
                pair("ed25519-pkcs8", genpkey("ed25519.key", "ED25519"), "EdDSA"),
                pair("rsa-pss-pkcs8", genpkey("rsa-pss.key", "RSA-PSS"), "RSASSA-PSS"));
    }

    Path write(String name, String content) throws IOException {
        return Files.writeString(dir.resolve(name), content, StandardCharsets.ISO_8859_1);
    }

    private Path expect(String name, String line) {
        Path file = dir.resolve(name);
        try {
            assertThat(Files.readString(file, StandardCharsets.ISO_8859_1)).as(name).contains(line);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        return file;
    }
}
