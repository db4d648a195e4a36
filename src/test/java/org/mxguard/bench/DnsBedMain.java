package org.mxguard.bench;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import org.mxguard.testbed.DnsTestBed;

/**
 * The real DNS test bed (NSD serving {@code TestZones}, Unbound in front of it, all on loopback) as
 * a process, for the shell benchmarks: starts a private bed, prints what it is, and stays up until
 * its stdin closes (so it dies with the script that started it), then stops the servers and
 * deletes their directory.
 *
 * <pre>
 * java -cp ... org.mxguard.bench.DnsBedMain [--port53 127.0.53.53]... [--control]
 * </pre>
 * {@code --port53 ADDR} makes Unbound also listen on ADDR port 53 (needs root), for libc's resolver,
 * which a resolv.conf cannot give a port; {@code --control} enables nsd-control and unbound-control
 * on unix sockets in the work directory. Prints, one per line and then {@code ready}:
 * {@code resolver=127.0.0.1:PORT}, {@code authoritative=127.0.0.1:PORT}, {@code workdir=DIR} (with
 * {@code unbound.conf} and {@code nsd.conf}, to pass to the control tools with {@code -c}).
 */
public final class DnsBedMain {
    private DnsBedMain() {
    }

    public static void main(String[] args) throws IOException {
        List<String> port53 = new ArrayList<>();
        boolean control = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--port53" -> port53.add(args[++i]);
                case "--control" -> control = true;
                default -> {
                    System.err.println("usage: DnsBedMain [--port53 127.X.Y.Z]... [--control]");
                    System.exit(2);
                }
            }
        }
        try (DnsTestBed bed = DnsTestBed.startPrivate(new DnsTestBed.Options(port53, control))) {
            System.out.println("resolver=" + bed.resolverHostPort());
            System.out.println("authoritative=" + bed.authoritativeHostPort());
            System.out.println("workdir=" + bed.workDir());
            System.out.println("ready");
            System.out.flush();
            InputStream in = System.in;
            byte[] buffer = new byte[256];
            while (in.read(buffer) >= 0) {
                // anything written is ignored; only the end of input matters
            }
        }
        System.exit(0); // the bed's endpoint threads are daemons, but say so plainly
    }
}
