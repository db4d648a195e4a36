package org.mxguard.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import org.mxguard.check.Classification;
import org.mxguard.check.GenericNameClassifier;
import org.mxguard.dns.InetAddresses;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code mxguard ptr-class}: batch evaluation of the name-based generic-PTR classifier (no DNS). */
@Command(name = "ptr-class", mixinStandardHelpOptions = true,
        description = {"Read lines NAME<TAB>IP (IP may be '-') on standard input and print one line each:",
                "'generic' or 'mailserver' (with --reason, a tab and the reason). Judges name and IP alone, without DNS."})
public final class PtrClassCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--reason", description = "append a tab and the classifier's reason")
    boolean reason;

    @Override
    public Integer call() throws IOException {
        GenericNameClassifier classifier = GenericNameClassifier.standard();
        PrintWriter out = spec.commandLine().getOut();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String line = in.readLine(); line != null; line = in.readLine()) {
            String[] fields = line.split("\t", -1);
            String name = fields[0].trim();
            if (name.isEmpty()) {
                out.println();
                continue;
            }
            InetAddress ip = fields.length > 1 ? InetAddresses.parse(fields[1]).orElse(null) : null;
            Classification c = classifier.classify(name, ip);
            out.println((c.generic() ? "generic" : "mailserver") + (reason ? "\t" + c.reason() : ""));
        }
        out.flush();
        return 0;
    }
}
