/**
 * What mxguard tells over HTTP.
 * <ul>
 *   <li>The gateway's Prometheus metrics ({@link org.mxguard.web.GatewayMetrics}, served by
 *       {@link org.mxguard.web.MetricsServer} at {@code /metrics} on the JDK's HTTP server). They depend on
 *       {@code policy}, {@code check} and {@code dns} for the vocabularies of their labels; nothing here knows
 *       SMTP, so that {@code smtp} may report to it.</li>
 *   <li>The audit's pages ({@code mxguard web}): {@link org.mxguard.web.AuditServer} on Javalin (Jetty), the
 *       input checks of {@link org.mxguard.web.AuditQuery}, and {@link org.mxguard.web.AuditPage}, the one HTML
 *       renderer, which also writes {@code mxguard audit --html}. They read {@code audit}'s report; the JSON and
 *       zone snippet come from the command line's renderers, passed in, so the web shows exactly what the CLI prints.</li>
 * </ul>
 */
package org.mxguard.web;
