package org.mxguard.smtp;

import java.nio.file.Path;
import java.util.Objects;

/**
 * The STARTTLS certificate or key file cannot be used. The message reads {@code FILE: what is
 * wrong}, so that it can be shown to the administrator as it is; {@link #problem()} says which
 * kind of trouble it is, for code and tests.
 */
public final class TlsFilesException extends Exception {
    /** What is wrong with the file. */
    public enum Problem {
        /** The file does not exist. */
        MISSING,
        /** The file exists but cannot be read: permissions, a directory, an I/O error, far too large. */
        UNREADABLE,
        /** The certificate file holds no PEM certificate. */
        NO_CERTIFICATE,
        /** A certificate block is damaged or not X.509. */
        BAD_CERTIFICATE,
        /** The key file holds no PEM private key. */
        NO_KEY,
        /** The private key is encrypted (mxguard reads no passphrases). */
        ENCRYPTED_KEY,
        /** A key format, algorithm or curve mxguard cannot use. */
        UNSUPPORTED_KEY,
        /** A private key block is damaged, or the file holds more than one key. */
        BAD_KEY,
        /** The private key does not belong to the (first) certificate. */
        KEY_MISMATCH
    }

    private final Path file;
    private final Problem problem;

    public TlsFilesException(Path file, Problem problem, String detail) {
        this(file, problem, detail, null);
    }

    public TlsFilesException(Path file, Problem problem, String detail, Throwable cause) {
        super(file + ": " + Objects.requireNonNull(detail, "detail"), cause);
        this.file = Objects.requireNonNull(file, "file");
        this.problem = Objects.requireNonNull(problem, "problem");
    }

    /** The file the message is about (the key file for a mismatch; the message names both). */
    public Path file() {
        return file;
    }

    public Problem problem() {
        return problem;
    }
}
