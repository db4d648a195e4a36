package org.mxguard.cli;

import java.io.IOException;
import java.net.InetAddress;
import java.time.Duration;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.mxguard.audit.AuditReport;
import org.mxguard.audit.Auditor;
import org.mxguard.audit.Severity;
import org.mxguard.check.GenericNameClassifier;
import org.mxguard.config.MxguardConfig;
import org.mxguard.dns.InetAddresses;
import org.mxguard.web.AuditPage;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code mxguard audit}: will a domain's mail pass other people's reverse-DNS and reverse-MX checks? */
@Command(name = "audit", mixinStandardHelpOptions = true,
        description = "Audit a domain's own mail DNS as receivers see it: MX set, PTR of every MX and egress"
                + " address, HELO names, egress coverage, and with --probe what the MX hosts say over SMTP; each problem"
                + " with the records that fix it.",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:no failure (warnings allowed)", "1:at least one failure", "2:usage error",
                "74:the --html file cannot be written", "75:no failure found, but a DNS lookup failed temporarily"})
public final class AuditCommand implements Callable<Integer> {
    /** Some finding failed: the domain's mail fails some receiver's check. */
    public static final int EXIT_FAIL = 1;
    /** sysexits.h EX_TEMPFAIL, as {@code mx}: nothing failed, but the audit is incomplete. */
    public static final int EXIT_TEMPFAIL = 75;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @CommandLine.Mixin
    ConfigOptions options;

    @Parameters(index = "0", paramLabel = "DOMAIN", description = "the domain whose mail to audit")
    String domain;

    @Option(names = "--egress", paramLabel = "IP", arity = "1..*",
            description = "an address your mail leaves from (give every WAN address)")
    List<String> egress = new ArrayList<>();

    @Option(names = "--helo", paramLabel = "NAME", arity = "1..*",
            description = "the HELO name your MTA says: one for every --egress, or one per --egress in order")
    List<String> helo = new ArrayList<>();

    @Option(names = "--probe", description = "also connect to every MX address over SMTP: greeting, banner name,"
            + " STARTTLS, nolisting and trap-MX layouts")
    boolean probe;

    @Option(names = "--port", paramLabel = "PORT", description = "with --probe: the SMTP port to probe (default: 25)")
    Integer port;

    @Option(names = "--timeout-s", paramLabel = "SECONDS",
            description = "with --probe: the time each address gets to connect, greet and answer EHLO (default: 10)")
    Integer timeoutSeconds;

    @Option(names = "--json", description = "print one JSON object (schema in the README)")
    boolean json;

    @Option(names = "--zone-snippet", description = "print only the zone-file lines that fix the failures and warnings found")
    boolean zoneSnippet;

    @Option(names = "--html", paramLabel = "FILE",
            description = "also write the report as one self-contained HTML page (the page mxguard web shows)")
    Path html;

    @Option(names = "--color", paramLabel = "WHEN", defaultValue = "auto",
            description = "colour the text report: auto (on a terminal, unless NO_COLOR is set), always, never")
    AuditOutput.Color color;

    @Override
    public Integer call() {
        CommandLine cmd = spec.commandLine();
        if (json && zoneSnippet) {
            throw new CommandLine.ParameterException(cmd, "--json and --zone-snippet: choose one");
        }
        List<InetAddress> addresses = new ArrayList<>();
        for (String e : egress) {
            addresses.add(InetAddresses.parse(e)
                    .orElseThrow(() -> new CommandLine.ParameterException(cmd, "--egress " + e + ": not an IP address")));
        }
        if (!probe && (port != null || timeoutSeconds != null)) {
            throw new CommandLine.ParameterException(cmd, "--port and --timeout-s go with --probe");
        }
        Optional<Auditor.Probe> probing;
        try {
            probing = probe ? Optional.of(new Auditor.Probe(port == null ? 25 : port,
                    Duration.ofSeconds(timeoutSeconds == null ? 10 : timeoutSeconds), Auditor.Probe.EHLO_NAME)) : Optional.empty();
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(cmd, e.getMessage());
        }
        MxguardConfig cfg = options.load(cmd);
        Auditor auditor = new Auditor(Wiring.resolver(cfg.dns()), GenericNameClassifier.standard());
        AuditReport report;
        try {
            report = auditor.audit(domain, addresses, helo, probing).join();
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(cmd, e.getMessage());
        }
        if (html != null) {
            try {
                Files.writeString(html, AuditPage.report(report, AuditOutput.zoneSnippet(report), Optional.empty(), Optional.empty()));
            } catch (IOException e) {
                cmd.getErr().println("mxguard: cannot write " + html + ": " + e.getMessage());
                return ServeCommand.EXIT_IO_ERROR;
            }
        }
        cmd.getOut().println(json ? AuditOutput.json(report)
                : zoneSnippet ? AuditOutput.zoneSnippet(report)
                : AuditOutput.text(report, color.enabled()));
        cmd.getOut().flush();
        return exitCode(report);
    }

    static int exitCode(AuditReport report) {
        if (report.has(Severity.FAIL)) {
            return EXIT_FAIL;
        }
        return report.has(Severity.TEMPERROR) ? EXIT_TEMPFAIL : 0;
    }
}
