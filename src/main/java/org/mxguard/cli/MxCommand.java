package org.mxguard.cli;

import java.util.concurrent.Callable;
import org.mxguard.config.MxguardConfig;
import org.mxguard.dns.DnsNames;
import org.mxguard.dns.MailHosts;
import org.mxguard.dns.MailRoute;
import org.mxguard.dns.MailRouteLookup;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code mxguard mx}: where mail for a domain goes, per RFC 5321 §5.1. */
@Command(name = "mx", mixinStandardHelpOptions = true,
        description = "Show the delivery route for a domain: MX hosts by preference with their addresses.",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:a route (or a definitive 'no mail') was found", "75:temporary DNS failure"})
public final class MxCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @CommandLine.Mixin
    ConfigOptions options;

    @Parameters(index = "0", paramLabel = "DOMAIN")
    String domain;

    @Option(names = "--json", description = "print one JSON object")
    boolean json;

    @Override
    public Integer call() {
        CommandLine cmd = spec.commandLine();
        MxguardConfig cfg = options.load(cmd);
        MailRoute route = MailRouteLookup.find(DnsNames.normalize(domain), Wiring.resolver(cfg.dns())).join();
        cmd.getOut().println(json ? MxOutput.json(route) : MxOutput.text(route));
        cmd.getOut().flush();
        return route.hosts() instanceof MailHosts.Unknown || route.mxHosts().stream().anyMatch(h -> h.hasTempFail()) ? 75 : 0;
    }
}
