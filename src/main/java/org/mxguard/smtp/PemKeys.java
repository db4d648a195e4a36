package org.mxguard.smtp;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECKey;
import java.security.interfaces.RSAKey;
import java.security.spec.AlgorithmParameterSpec;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.PSSParameterSpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.mxguard.smtp.TlsFilesException.Problem;

/**
 * Reads the PEM files of the STARTTLS certificate and key, as OpenSSL writes them, with the JDK
 * alone:
 * <ul>
 * <li>certificates: one or more {@code -----BEGIN CERTIFICATE-----} blocks, the server's own
 *     first, then its issuers; other blocks (a key, EC parameters) and text between blocks are
 *     ignored, so one file may hold both certificate and key;</li>
 * <li>private keys: PKCS#8 ({@code BEGIN PRIVATE KEY}: RSA, RSASSA-PSS, EC, Ed25519, Ed448),
 *     PKCS#1 RSA ({@code BEGIN RSA PRIVATE KEY}) and SEC1 EC ({@code BEGIN EC PRIVATE KEY}, on a
 *     named curve); the last two are wrapped into PKCS#8 here. Encrypted keys are refused:
 *     a mail server starts unattended and cannot ask for a passphrase.</li>
 * </ul>
 * Every failure is a {@link TlsFilesException} that names the file and says what is wrong, and
 * where OpenSSL can fix it, how.
 */
public final class PemKeys {
    /** Certificate chains and keys are a few kilobytes; anything this large is the wrong file. */
    static final int MAX_FILE_BYTES = 1 << 20;

    private static final Pattern BEGIN = Pattern.compile("-----BEGIN ([^-]+(?:-[^-]+)*)-----");
    private static final Pattern END = Pattern.compile("-----END ([^-]+(?:-[^-]+)*)-----");

    /** A UTF-8 byte order mark, as some editors write it, read as ISO-8859-1. */
    private static final String UTF8_BOM = "\u00ef\u00bb\u00bf";

    static final String RSA_OID = "1.2.840.113549.1.1.1";
    static final String RSA_PSS_OID = "1.2.840.113549.1.1.10";
    static final String EC_OID = "1.2.840.10045.2.1";
    private static final Map<String, String> KEY_ALGORITHMS = Map.of(RSA_OID, "RSA", RSA_PSS_OID, "RSASSA-PSS",
            EC_OID, "EC", "1.3.101.112", "Ed25519", "1.3.101.113", "Ed448", "1.2.840.10040.4.1", "DSA");
    private static final Map<String, String> NO_SIGNING = Map.of("1.3.101.110", "X25519", "1.3.101.111", "X448",
            "1.2.840.113549.1.3.1", "DH", "1.2.840.10046.2.1", "X9.42 DH");
    /** The curves the JDK's TLS signs with (RFC 8446 ecdsa_secp256r1_sha256 and the like). */
    private static final Set<String> TLS_CURVES = Set.of("1.2.840.10045.3.1.7", "1.3.132.0.34", "1.3.132.0.35");
    private static final Map<String, String> CURVES = Map.of("1.2.840.10045.3.1.7", "prime256v1 (P-256)",
            "1.3.132.0.34", "secp384r1 (P-384)", "1.3.132.0.35", "secp521r1 (P-521)", "1.3.132.0.10", "secp256k1",
            "1.2.840.10045.3.1.1", "prime192v1 (P-192)", "1.3.132.0.33", "secp224r1 (P-224)",
            "1.3.36.3.3.2.8.1.1.7", "brainpoolP256r1", "1.3.36.3.3.2.8.1.1.11", "brainpoolP384r1",
            "1.3.36.3.3.2.8.1.1.13", "brainpoolP512r1");

    private PemKeys() {
    }

    /** One PEM block: its label, whether an RFC 1421 header marks it encrypted, its base64 text. */
    record Block(String label, int line, boolean procTypeEncrypted, String base64) {
        /** The decoded content; fails with {@code damaged} when the base64 is broken. */
        byte[] der(Path file, Problem damaged, String what) throws TlsFilesException {
            try {
                byte[] der = Base64.getDecoder().decode(base64);
                if (der.length == 0) {
                    throw new TlsFilesException(file, damaged, what + " (line " + line + ") is empty");
                }
                return der;
            } catch (IllegalArgumentException e) {
                throw new TlsFilesException(file, damaged, what + " (line " + line + ") is not valid base64: "
                        + e.getMessage());
            }
        }
    }

    // ---- certificates ----

    /**
     * The certificate chain in {@code file}, in file order: the server's own certificate first.
     *
     * @throws TlsFilesException MISSING, UNREADABLE, NO_CERTIFICATE or BAD_CERTIFICATE
     */
    public static List<X509Certificate> certificates(Path file) throws TlsFilesException {
        return certificates(read(file), file);
    }

    static List<X509Certificate> certificates(String text, Path file) throws TlsFilesException {
        List<Block> blocks = blocks(text, file, Problem.BAD_CERTIFICATE);
        CertificateFactory factory;
        try {
            factory = CertificateFactory.getInstance("X.509");
        } catch (CertificateException e) {
            throw new IllegalStateException("this JDK reads no X.509 certificates", e);
        }
        List<X509Certificate> chain = new ArrayList<>();
        for (Block block : blocks) {
            if (!block.label().equals("CERTIFICATE")) {
                continue;
            }
            String what = "certificate #" + (chain.size() + 1);
            byte[] der = block.der(file, Problem.BAD_CERTIFICATE, what);
            try {
                Certificate certificate = factory.generateCertificate(new ByteArrayInputStream(der));
                if (!(certificate instanceof X509Certificate x509)) {
                    throw new TlsFilesException(file, Problem.BAD_CERTIFICATE, what + " (line " + block.line()
                            + ") is not an X.509 certificate");
                }
                chain.add(x509);
            } catch (CertificateException e) {
                throw new TlsFilesException(file, Problem.BAD_CERTIFICATE, what + " (line " + block.line()
                        + ") cannot be read: " + e.getMessage(), e);
            }
        }
        if (chain.isEmpty()) {
            throw new TlsFilesException(file, Problem.NO_CERTIFICATE, "holds no PEM certificate "
                    + "(no '-----BEGIN CERTIFICATE-----' block)" + found(blocks, text));
        }
        return List.copyOf(chain);
    }

    // ---- private keys ----

    /**
     * The one private key in {@code file}.
     *
     * @throws TlsFilesException MISSING, UNREADABLE, NO_KEY, ENCRYPTED_KEY, UNSUPPORTED_KEY or BAD_KEY
     */
    public static PrivateKey privateKey(Path file) throws TlsFilesException {
        return privateKey(read(file), file);
    }

    static PrivateKey privateKey(String text, Path file) throws TlsFilesException {
        List<Block> blocks = blocks(text, file, Problem.BAD_KEY);
        List<Block> keys = blocks.stream().filter(b -> b.label().endsWith("PRIVATE KEY")).toList();
        if (keys.isEmpty()) {
            throw new TlsFilesException(file, Problem.NO_KEY, "holds no PEM private key "
                    + "(no '-----BEGIN PRIVATE KEY-----' block or the like)" + found(blocks, text));
        }
        if (keys.size() > 1) {
            throw new TlsFilesException(file, Problem.BAD_KEY, "holds " + keys.size() + " private keys (lines "
                    + keys.stream().map(b -> String.valueOf(b.line())).reduce((a, b) -> a + ", " + b).orElse("")
                    + "); it must hold exactly one");
        }
        Block block = keys.get(0);
        String label = block.label();
        if (label.equals("ENCRYPTED PRIVATE KEY") || block.procTypeEncrypted()) {
            throw new TlsFilesException(file, Problem.ENCRYPTED_KEY, "the private key is encrypted ('" + label
                    + "'" + (block.procTypeEncrypted() ? " with Proc-Type: 4,ENCRYPTED" : "") + "); mxguard starts "
                    + "unattended and cannot ask for a passphrase. Write it unencrypted, readable only by mxguard: "
                    + "openssl pkey -in " + file + " -out key.pem");
        }
        return switch (label) {
            case "PRIVATE KEY" -> pkcs8(block.der(file, Problem.BAD_KEY, "the private key"), file, "PKCS#8");
            case "RSA PRIVATE KEY" -> pkcs1(block.der(file, Problem.BAD_KEY, "the RSA private key"), file);
            case "EC PRIVATE KEY" -> sec1(block.der(file, Problem.BAD_KEY, "the EC private key"), file);
            case "OPENSSH PRIVATE KEY" -> throw new TlsFilesException(file, Problem.UNSUPPORTED_KEY,
                    "an OpenSSH private key is not a TLS key format; write it as PKCS#8 PEM: "
                            + "ssh-keygen -p -N '' -m PKCS8 -f " + file);
            default -> throw new TlsFilesException(file, Problem.UNSUPPORTED_KEY, "a '" + label + "' block is not "
                    + "a key format mxguard reads (PKCS#8 'PRIVATE KEY', PKCS#1 'RSA PRIVATE KEY', SEC1 "
                    + "'EC PRIVATE KEY'); write it as PKCS#8: openssl pkey -in " + file + " -out key.pem");
        };
    }

    /**
     * PKCS#8 (RFC 5208 PrivateKeyInfo, or RFC 5958 OneAsymmetricKey): the algorithm OID picks the
     * {@code KeyFactory}.
     */
    private static PrivateKey pkcs8(byte[] der, Path file, String format) throws TlsFilesException {
        String oid;
        String curve = null;
        try {
            Der.Reader info = Der.single(der, Der.SEQUENCE, "PrivateKeyInfo").children();
            int version = info.next(Der.INTEGER, "the version").smallInteger();
            if (version != 0 && version != 1) {
                throw new Der.DerException("unknown PrivateKeyInfo version " + version);
            }
            Der.Reader algorithm = info.next(Der.SEQUENCE, "the algorithm").children();
            oid = Der.oidText(algorithm.next(Der.OID, "the algorithm OID").content());
            if (oid.equals(EC_OID)) {
                if (algorithm.peekTag() == Der.OID) {
                    curve = Der.oidText(algorithm.next().content());
                } else {
                    throw new TlsFilesException(file, Problem.UNSUPPORTED_KEY, explicitCurve(file));
                }
            }
            info.next(Der.OCTET_STRING, "the private key");
        } catch (Der.DerException e) {
            throw new TlsFilesException(file, Problem.BAD_KEY, "the " + format + " private key is damaged: "
                    + e.getMessage());
        }
        String algorithm = KEY_ALGORITHMS.get(oid);
        if (algorithm == null) {
            String name = NO_SIGNING.get(oid);
            throw new TlsFilesException(file, Problem.UNSUPPORTED_KEY, name != null
                    ? "a " + name + " key cannot sign, so it cannot serve TLS; use an RSA or EC key"
                    : "the key's algorithm (OID " + oid + ") is not one mxguard knows; use an RSA or EC key");
        }
        if (curve != null && !TLS_CURVES.contains(curve)) {
            throw new TlsFilesException(file, Problem.UNSUPPORTED_KEY, "the EC key is on curve " + curveName(curve)
                    + ", which Java's TLS does not sign with; use prime256v1, secp384r1 or secp521r1");
        }
        try {
            return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
        } catch (GeneralSecurityException e) {
            throw new TlsFilesException(file, Problem.BAD_KEY, "the " + format + " " + algorithm
                    + (curve != null ? " (" + curveName(curve) + ")" : "") + " private key is damaged: "
                    + e.getMessage(), e);
        }
    }

    /** PKCS#1 RSAPrivateKey (RFC 8017 A.1.2), wrapped into PKCS#8 with rsaEncryption and NULL parameters. */
    private static PrivateKey pkcs1(byte[] der, Path file) throws TlsFilesException {
        try {
            Der.Reader key = Der.single(der, Der.SEQUENCE, "RSAPrivateKey").children();
            int version = key.next(Der.INTEGER, "the version").smallInteger();
            if (version != 0 && version != 1) {
                throw new Der.DerException("unknown RSAPrivateKey version " + version);
            }
            key.next(Der.INTEGER, "the modulus");
            key.next(Der.INTEGER, "the public exponent");
            key.next(Der.INTEGER, "the private exponent");
        } catch (Der.DerException e) {
            throw new TlsFilesException(file, Problem.BAD_KEY, "the PKCS#1 RSA private key is damaged: "
                    + e.getMessage());
        }
        byte[] pkcs8 = Der.sequence(Der.smallInteger(0), Der.sequence(Der.oid(RSA_OID), Der.nullValue()),
                Der.octetString(der));
        return pkcs8(pkcs8, file, "PKCS#1");
    }

    /**
     * SEC1 ECPrivateKey (RFC 5915): {@code SEQUENCE { 1, OCTET STRING key, [0] curve OID, [1] public
     * key }}, wrapped into PKCS#8 with id-ecPublicKey and the curve OID it names.
     */
    private static PrivateKey sec1(byte[] der, Path file) throws TlsFilesException {
        byte[] curve;
        try {
            Der.Reader key = Der.single(der, Der.SEQUENCE, "ECPrivateKey").children();
            int version = key.next(Der.INTEGER, "the version").smallInteger();
            if (version != 1) {
                throw new Der.DerException("unknown ECPrivateKey version " + version);
            }
            key.next(Der.OCTET_STRING, "the private key");
            if (key.peekTag() != Der.CONTEXT_0) {
                throw new TlsFilesException(file, Problem.BAD_KEY, "the SEC1 EC private key does not name its "
                        + "curve (no parameters); write it as PKCS#8: openssl pkey -in " + file + " -out key.pem");
            }
            Der.Reader parameters = key.next().children();
            if (parameters.peekTag() != Der.OID) {
                throw new TlsFilesException(file, Problem.UNSUPPORTED_KEY, explicitCurve(file));
            }
            curve = parameters.next().encoded();
            parameters.expectEnd("the curve");
        } catch (Der.DerException e) {
            throw new TlsFilesException(file, Problem.BAD_KEY, "the SEC1 EC private key is damaged: " + e.getMessage());
        }
        byte[] pkcs8 = Der.sequence(Der.smallInteger(0), Der.sequence(Der.oid(EC_OID), curve), Der.octetString(der));
        return pkcs8(pkcs8, file, "SEC1");
    }

    private static String explicitCurve(Path file) {
        return "the EC key spells out its curve's parameters instead of naming the curve, which Java does not "
                + "support; write it with a named curve: openssl ec -in " + file + " -param_enc named_curve -out key.pem";
    }

    private static String curveName(String oid) {
        String name = CURVES.get(oid);
        return name == null ? "OID " + oid : name + ", OID " + oid;
    }

    // ---- the pair ----

    /**
     * Checks that {@code key} belongs to the first certificate of {@code chain}: a signature made
     * with it over a random nonce must verify with the certificate's public key.
     *
     * @throws TlsFilesException KEY_MISMATCH naming both files (on the certificate file when the key
     *     belongs to a later certificate, i.e. the chain is out of order), or BAD_KEY when the key
     *     cannot sign at all
     */
    public static void checkPair(List<X509Certificate> chain, Path certificateFile, PrivateKey key, Path keyFile)
            throws TlsFilesException {
        if (chain.isEmpty()) {
            throw new TlsFilesException(certificateFile, Problem.NO_CERTIFICATE, "holds no certificate");
        }
        byte[] nonce = new byte[32];
        new SecureRandom().nextBytes(nonce);
        byte[] signature;
        String signatureAlgorithm = signatureAlgorithm(key);
        try {
            Signature signer = signature(key, signatureAlgorithm);
            signer.initSign(key);
            signer.update(nonce);
            signature = signer.sign();
        } catch (GeneralSecurityException e) {
            throw new TlsFilesException(keyFile, Problem.BAD_KEY, "cannot sign with the " + key.getAlgorithm()
                    + " private key: " + e.getMessage(), e);
        }
        X509Certificate leaf = chain.get(0);
        if (verifies(leaf.getPublicKey(), key, signatureAlgorithm, nonce, signature)) {
            return;
        }
        for (int i = 1; i < chain.size(); i++) {
            if (verifies(chain.get(i).getPublicKey(), key, signatureAlgorithm, nonce, signature)) {
                throw new TlsFilesException(certificateFile, Problem.KEY_MISMATCH, "the private key in " + keyFile
                        + " belongs to certificate #" + (i + 1) + " (" + chain.get(i).getSubjectX500Principal()
                        + "), not to the first (" + leaf.getSubjectX500Principal() + "); the server's own "
                        + "certificate must come first, then the certificates that issued it");
            }
        }
        throw new TlsFilesException(keyFile, Problem.KEY_MISMATCH, "the private key (" + describe(key)
                + ") does not belong to the certificate in " + certificateFile + " ("
                + leaf.getSubjectX500Principal() + ", " + describe(leaf.getPublicKey()) + " key)");
    }

    private static boolean verifies(PublicKey publicKey, PrivateKey key, String algorithm, byte[] nonce,
            byte[] signature) {
        if (!family(publicKey.getAlgorithm()).equals(family(key.getAlgorithm()))) {
            return false;
        }
        try {
            Signature verifier = signature(key, algorithm);
            verifier.initVerify(publicKey);
            verifier.update(nonce);
            return verifier.verify(signature);
        } catch (GeneralSecurityException | RuntimeException e) {
            return false; // a key of another kind or curve: not this certificate's
        }
    }

    private static String signatureAlgorithm(PrivateKey key) {
        return switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "RSASSA-PSS" -> "RSASSA-PSS";
            case "EC" -> "SHA256withECDSA";
            case "DSA" -> "SHA256withDSA";
            default -> key.getAlgorithm(); // EdDSA, Ed25519, Ed448: the algorithm is its own signature
        };
    }

    private static Signature signature(PrivateKey key, String algorithm) throws GeneralSecurityException {
        Signature signature = Signature.getInstance(algorithm);
        if (algorithm.equals("RSASSA-PSS")) {
            AlgorithmParameterSpec params = ((RSAKey) key).getParams();
            signature.setParameter(params instanceof PSSParameterSpec pss ? pss
                    : new PSSParameterSpec("SHA-256", "MGF1", MGF1ParameterSpec.SHA256, 32, 1));
        }
        return signature;
    }

    private static String family(String algorithm) {
        return switch (algorithm) {
            case "RSA", "RSASSA-PSS" -> "RSA";
            case "EdDSA", "Ed25519", "Ed448" -> "EdDSA";
            default -> algorithm;
        };
    }

    private static String describe(Key key) {
        if (key instanceof RSAKey rsa) {
            return key.getAlgorithm() + " " + rsa.getModulus().bitLength() + "-bit";
        }
        if (key instanceof ECKey ec) {
            return "EC " + ec.getParams().getCurve().getField().getFieldSize() + "-bit";
        }
        return key.getAlgorithm();
    }

    // ---- files and PEM ----

    /** The file's text, each octet one char (PEM is ASCII; anything else only has to survive). */
    static String read(Path file) throws TlsFilesException {
        if (Files.isDirectory(file)) {
            throw new TlsFilesException(file, Problem.UNREADABLE, "is a directory, not a PEM file");
        }
        byte[] bytes;
        try (InputStream in = Files.newInputStream(file)) {
            bytes = in.readNBytes(MAX_FILE_BYTES + 1);
        } catch (NoSuchFileException e) {
            throw new TlsFilesException(file, Problem.MISSING, "does not exist", e);
        } catch (AccessDeniedException e) {
            throw new TlsFilesException(file, Problem.UNREADABLE, "cannot be read: permission denied (mxguard runs "
                    + "as user " + System.getProperty("user.name") + ")", e);
        } catch (IOException e) {
            throw new TlsFilesException(file, Problem.UNREADABLE, "cannot be read: " + e.getMessage(), e);
        }
        if (bytes.length > MAX_FILE_BYTES) {
            throw new TlsFilesException(file, Problem.UNREADABLE, "is larger than " + (MAX_FILE_BYTES >> 20)
                    + " MiB: not a PEM certificate or key");
        }
        String text = new String(bytes, StandardCharsets.ISO_8859_1);
        return text.startsWith(UTF8_BOM) ? text.substring(UTF8_BOM.length()) : text;
    }

    /**
     * The PEM blocks (RFC 7468; RFC 1421 headers allowed) in order. Text outside blocks is
     * ignored, as OpenSSL ignores it; a block without its END line, or ending with another
     * label's, is {@code damaged}.
     */
    static List<Block> blocks(String text, Path file, Problem damaged) throws TlsFilesException {
        List<Block> blocks = new ArrayList<>();
        String[] lines = text.split("\r?\n|\r", -1);
        String label = null;
        int beginLine = 0;
        boolean inHeaders = false;
        boolean encrypted = false;
        boolean sawHeader = false;
        StringBuilder base64 = new StringBuilder();
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            if (label == null) {
                Matcher begin = BEGIN.matcher(line);
                if (begin.matches()) {
                    label = begin.group(1);
                    beginLine = i + 1;
                    inHeaders = true;
                    encrypted = false;
                    sawHeader = false;
                    base64.setLength(0);
                }
                continue;
            }
            Matcher end = END.matcher(line);
            if (end.matches()) {
                if (!end.group(1).equals(label)) {
                    throw new TlsFilesException(file, damaged, "'-----BEGIN " + label + "-----' at line " + beginLine
                            + " ends with '-----END " + end.group(1) + "-----' at line " + (i + 1));
                }
                blocks.add(new Block(label, beginLine, encrypted, base64.toString()));
                label = null;
                continue;
            }
            if (BEGIN.matcher(line).matches()) {
                throw new TlsFilesException(file, damaged, "'-----BEGIN " + label + "-----' at line " + beginLine
                        + " has no END line before the next BEGIN at line " + (i + 1));
            }
            if (inHeaders && line.indexOf(':') > 0) {
                sawHeader = true;
                if (line.regionMatches(true, 0, "Proc-Type:", 0, 10) && line.toUpperCase(Locale.ROOT).contains("ENCRYPTED")) {
                    encrypted = true;
                }
                continue;
            }
            if (inHeaders && sawHeader && !line.isEmpty() && Character.isWhitespace(lines[i].charAt(0))) {
                continue; // a folded header line
            }
            if (!line.isEmpty()) {
                inHeaders = false;
            }
            base64.append(line);
        }
        if (label != null) {
            throw new TlsFilesException(file, damaged, "'-----BEGIN " + label + "-----' at line " + beginLine
                    + " has no '-----END " + label + "-----' line (is the file cut short?)");
        }
        return blocks;
    }

    /** For a "no certificate/key" message: what the file holds instead. */
    private static String found(List<Block> blocks, String text) {
        if (!blocks.isEmpty()) {
            Set<String> labels = new LinkedHashSet<>();
            blocks.forEach(b -> labels.add("'" + b.label() + "'"));
            return "; it holds only " + String.join(", ", labels);
        }
        if (text.isEmpty()) {
            return "; it is empty";
        }
        if (text.charAt(0) == 0x30) {
            return "; it looks like binary DER: convert it to PEM with openssl (x509 or pkey) -inform DER";
        }
        return "";
    }
}
