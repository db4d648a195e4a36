package org.mxguard.cli;

import java.net.InetSocketAddress;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.mxguard.audit.AuditReport;
import org.mxguard.audit.Auditor;
import org.mxguard.check.GenericNameClassifier;
import org.mxguard.config.DnsSettings;
import org.mxguard.config.HostPort;
import org.mxguard.config.MxguardConfig;
import org.mxguard.dns.DnsNames;
import org.mxguard.web.AuditServer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code mxguard web}: the audit as a web form and report pages with shareable URLs. */
@Command(name = "web", mixinStandardHelpOptions = true,
        description = "Serve the audit as web pages: GET / is the form, GET /audit?domain=D&egress=IP... the report"
                + " (its URL is the one to share), GET /audit.json?... the report as mxguard audit --json prints it.")
public final class WebCommand implements Callable<Integer> {
    static final int DEFAULT_PORT = 8025;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @CommandLine.Mixin
    ConfigOptions options;

    @Option(names = "--listen", paramLabel = "HOST:PORT", defaultValue = "127.0.0.1:" + DEFAULT_PORT,
            description = "address to serve on (default: ${DEFAULT-VALUE}); anyone who reaches it can make the server ask DNS")
    String listen;

    /** The audit server wired as {@code mxguard web} wires it: the real auditor, the CLI's JSON and zone snippet. */
    public static AuditServer server(DnsSettings dns, AuditServer.Limits limits) {
        Auditor auditor = new Auditor(Wiring.resolver(dns), GenericNameClassifier.standard());
        AuditServer.ReportText text = new AuditServer.ReportText() {
            @Override
            public String json(AuditReport report) {
                return AuditOutput.json(report);
            }

            @Override
            public String zoneSnippet(AuditReport report) {
                return AuditOutput.zoneSnippet(report);
            }
        };
        return new AuditServer(q -> auditor.audit(q.domain(), q.egress(), q.helo()), text, limits);
    }

    @Override
    public Integer call() throws InterruptedException {
        CommandLine cmd = spec.commandLine();
        InetSocketAddress address;
        try {
            address = HostPort.parseIp(listen, DEFAULT_PORT);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(cmd, "--listen " + listen + ": " + e.getMessage());
        }
        MxguardConfig cfg = options.load(cmd);
        AuditServer server = server(cfg.dns(), AuditServer.Limits.DEFAULT);
        try {
            server.start(address);
        } catch (RuntimeException e) {
            // Javalin reports a port in use or an address not local as an unchecked exception
            cmd.getErr().println("mxguard: cannot listen on " + DnsNames.text(address) + ": " + e.getMessage());
            return ServeCommand.EXIT_IO_ERROR;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            stopped.countDown();
        }, "mxguard-shutdown"));
        cmd.getErr().printf("mxguard: audit pages at http://%s/%n", DnsNames.text(server.address()));
        cmd.getErr().flush();
        stopped.await();
        return 0;
    }
}
