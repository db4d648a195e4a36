package org.mxguard.cli;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import org.mxguard.config.ConfigException;
import org.mxguard.config.ConfigLoader;
import org.mxguard.config.DnsSettings;
import org.mxguard.config.HostPort;
import org.mxguard.config.MxguardConfig;
import org.mxguard.dns.CachingResolver;
import org.mxguard.dns.DnsClient;
import org.mxguard.dns.DnsObserver;
import org.mxguard.dns.Resolver;
import picocli.CommandLine;

/** Wiring shared by the commands: the config file with flag overrides, and the resolver it asks for. */
final class Wiring {
    private Wiring() {
    }

    /** The config from {@code --config} (or the defaults), with {@code --dns} laid over it. */
    static MxguardConfig config(Path file, String dns, CommandLine cmd) {
        MxguardConfig config;
        try {
            config = file == null ? MxguardConfig.defaults() : ConfigLoader.load(file);
        } catch (ConfigException e) {
            throw new BadConfigException(e);
        }
        if (dns == null) {
            return config;
        }
        InetSocketAddress server;
        try {
            server = HostPort.parse(dns, 53);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(cmd, "--dns " + dns + ": " + e.getMessage());
        }
        return config.withDns(config.dns().withServers(List.of(server)));
    }

    /** A listener flag's addresses ({@code --listen}): IP, IP:PORT or [IPv6]:PORT each, {@code defaultPort} when none. */
    static List<InetSocketAddress> listenAddresses(List<String> texts, int defaultPort, String flag, CommandLine cmd) {
        List<InetSocketAddress> parsed = new java.util.ArrayList<>();
        for (String address : texts) {
            try {
                parsed.add(HostPort.parseIp(address, defaultPort));
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(cmd, flag + " " + address + ": " + e.getMessage());
            }
        }
        return parsed;
    }

    static Resolver resolver(DnsSettings dns) {
        return resolver(dns, DnsObserver.NONE);
    }

    /** @param observer sees the queries that go to the network, not the cache's answers */
    static Resolver resolver(DnsSettings dns, DnsObserver observer) {
        List<InetSocketAddress> servers = dns.servers().isEmpty() ? DnsClient.systemServers() : dns.servers();
        DnsClient client = new DnsClient(servers, dns.timeout(), dns.retries(), Runnable::run, observer);
        return new CachingResolver(client, dns.cacheSize());
    }
}
