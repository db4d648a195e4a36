package org.mxguard.config;

import java.nio.file.Path;

/**
 * A configuration file that cannot be used, located for the administrator: the message reads
 * {@code FILE:LINE: KEY: what is wrong}, the way compilers and editors expect. {@code LINE} is
 * left out when unknown (the file could not be read at all) and {@code KEY} when there is none.
 */
public final class ConfigException extends Exception {
    private final Path file;
    private final int line;
    private final String key;
    private final String problem;

    public ConfigException(Path file, int line, String key, String problem) {
        this(file, line, key, problem, null);
    }

    public ConfigException(Path file, int line, String key, String problem, Throwable cause) {
        super(format(file, line, key, problem), cause);
        this.file = file;
        this.line = Math.max(line, 0);
        this.key = key == null ? "" : key;
        this.problem = problem;
    }

    /** The file, or null when the text did not come from one. */
    public Path file() {
        return file;
    }

    /** 1-based line of the offending key, or 0 when unknown. */
    public int line() {
        return line;
    }

    /** Dotted key path such as {@code policy.iprev.temperror} or {@code allowlist[2].cidr}; "" for none. */
    public String key() {
        return key;
    }

    /** What is wrong, without the location. */
    public String problem() {
        return problem;
    }

    private static String format(Path file, int line, String key, String problem) {
        StringBuilder sb = new StringBuilder(file == null ? "<config>" : file.toString());
        if (line > 0) {
            sb.append(':').append(line);
        }
        sb.append(": ");
        if (key != null && !key.isEmpty()) {
            sb.append(key).append(": ");
        }
        return sb.append(problem).toString();
    }
}
