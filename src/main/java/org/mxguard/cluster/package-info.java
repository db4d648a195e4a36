/**
 * What gateway nodes learn about clients and may share: trap-MX hits, greeting-test passes,
 * per-client connection rates, the backup-MX primary's health, and the inputs of a client's
 * connect-time verdict (its reverse-DNS answers, {@link org.mxguard.cluster.ReverseDnsSharing}).
 * {@link org.mxguard.cluster.LocalState}
 * keeps it in the process (one node, the default); {@link org.mxguard.cluster.RedisState} shares it
 * between nodes through Redis and falls back to the node's own state while Redis is unreachable.
 * Each node's spool stays its own, as every MTA's does.
 */
package org.mxguard.cluster;
