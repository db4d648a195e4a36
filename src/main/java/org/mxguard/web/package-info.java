/**
 * What the gateway tells over HTTP: its Prometheus metrics ({@link org.mxguard.web.GatewayMetrics},
 * served by {@link org.mxguard.web.MetricsServer} at {@code /metrics}). It depends on {@code policy},
 * {@code check} and {@code dns} for the vocabularies of its labels; nothing here knows SMTP, so that
 * {@code smtp} may report to it.
 */
package org.mxguard.web;
