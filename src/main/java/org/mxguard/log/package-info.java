/**
 * Where the log lines go: {@link org.mxguard.log.BatchedConsoleAppender}, the Logback appender of
 * the shipped configuration, writes stdout's transaction log and stderr's diagnostics in batches.
 */
package org.mxguard.log;
