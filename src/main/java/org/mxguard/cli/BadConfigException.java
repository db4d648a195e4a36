package org.mxguard.cli;

import org.mxguard.config.ConfigException;

/** Carries a config file error out of a command to {@link Main}'s handler, which prints it and exits 78. */
final class BadConfigException extends RuntimeException {
    BadConfigException(ConfigException cause) {
        super(cause.getMessage(), cause);
    }
}
