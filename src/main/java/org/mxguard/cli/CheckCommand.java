package org.mxguard.cli;

import java.net.InetAddress;
import java.util.concurrent.Callable;
import org.mxguard.check.CheckSuite;
import org.mxguard.check.GenericNameClassifier;
import org.mxguard.check.SessionFacts;
import org.mxguard.config.MxguardConfig;
import org.mxguard.dns.InetAddresses;
import org.mxguard.policy.Evaluator;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code mxguard check}: every check for one client, the verdict and the reply it would get. */
@Command(name = "check", mixinStandardHelpOptions = true,
        description = "Run every sender-identity check for a client and show the verdict and SMTP reply.")
public final class CheckCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @CommandLine.Mixin
    ConfigOptions options;

    @Option(names = "--ip", required = true, paramLabel = "IP", description = "the connecting client's address (IPv4 or IPv6)")
    String ip;

    @Option(names = "--helo", paramLabel = "NAME", description = "the HELO/EHLO argument")
    String helo;

    @Option(names = "--mail-from", paramLabel = "ADDR", description = "the MAIL FROM address (\"\" or <> for the null reverse-path)")
    String mailFrom;

    @Option(names = "--from", paramLabel = "ADDR", description = "the address in the From: header")
    String from;

    @Option(names = "--reply-to", paramLabel = "ADDR", description = "the address in the Reply-To: header")
    String replyTo;

    @Option(names = "--json", description = "print one JSON object")
    boolean json;

    @Override
    public Integer call() {
        CommandLine cmd = spec.commandLine();
        InetAddress client = InetAddresses.parse(ip)
                .orElseThrow(() -> new CommandLine.ParameterException(cmd, "--ip " + ip + ": not an IP address"));
        MxguardConfig cfg = options.load(cmd);
        Evaluator evaluator = new Evaluator(
                CheckSuite.standard(cfg.identity(), GenericNameClassifier.standard()),
                cfg.policy(),
                Wiring.resolver(cfg.dns()),
                cfg.dns().queryBudget());
        String mailFromArg = mailFrom == null ? null : mailFrom.equals("<>") ? "" : mailFrom;
        SessionFacts facts = new SessionFacts(client, helo, mailFromArg, from, replyTo);
        Evaluator.Evaluation evaluation = evaluator.evaluate(facts).join();
        cmd.getOut().println(json ? CheckOutput.json(evaluation) : CheckOutput.text(evaluation));
        cmd.getOut().flush();
        return 0;
    }
}
