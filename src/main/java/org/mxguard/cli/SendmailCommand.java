package org.mxguard.cli;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.security.SecureRandom;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import org.mxguard.queue.NotQueuedException;
import org.mxguard.queue.Spool;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code mxguard sendmail}: the sendmail interface, for cron jobs and applications to queue mail. */
@Command(name = "sendmail", mixinStandardHelpOptions = true, exitCodeOnInvalidInput = SendmailCommand.EX_USAGE,
        description = {
                "Queue the message on standard input for RCPT... (sendmail-compatible). It is written to the spool"
                        + " directory, whether or not the server is running, and nothing is printed when it is queued.",
                "Input ends at end of file, or at a line holding a single '.' unless -i or -oi is given. Line ends"
                        + " are stored as CRLF. Like sendmail, this adds a Date: and a Message-ID: field when the message"
                        + " has none, and a From: field (the sender; with -F, its full name) when it has none; it always"
                        + " removes Bcc: fields, so that the other recipients do not see them.",
                "An address without a domain (e.g. root) gets this machine's host name, as the default sender does."},
        exitCodeListHeading = "%nExit codes (sysexits.h):%n",
        exitCodeList = {
                " 0:queued",
                "64:usage: no recipients, a bad address or an unknown option",
                "65:-t found a bad address in To:, Cc: or Bcc:",
                "74:standard input or the spool directory could not be read",
                "75:not queued (e.g. the disk is full); nothing of it is left in the spool, try again later"})
public final class SendmailCommand implements Callable<Integer> {
    static final int EX_USAGE = 64;
    static final int EX_DATAERR = 65;
    static final int EX_TEMPFAIL = 75;

    private static final DateTimeFormatter RFC5322_DATE = DateTimeFormatter.ofPattern("EEE, d MMM yyyy HH:mm:ss Z", Locale.ENGLISH);
    private static final DateTimeFormatter ID_STAMP = DateTimeFormatter.ofPattern("yyyyMMddHHmmss", Locale.ROOT);

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    QueueSpool spool;

    @Option(names = {"-f", "-r"}, paramLabel = "SENDER",
            description = "the envelope sender; '' or '<>' is the null sender (default: the invoking user at this machine's host name)")
    String sender;

    @Option(names = "-F", paramLabel = "NAME", description = "the sender's full name, for the From: field this adds")
    String fullName;

    @Option(names = "-t", description = "also take recipients from the To:, Cc: and Bcc: fields (added to RCPT..., as Postfix does)")
    boolean fromHeaders;

    @Option(names = "-i", description = "a line holding a single '.' does not end the input")
    boolean dotsNotSpecial;

    @Option(names = "-o", paramLabel = "OPTION",
            description = "sendmail option: -oi is -i; others (-odi, -oem, ...) are accepted and ignored")
    List<String> sendmailOptions = new ArrayList<>();

    @Option(names = "-B", paramLabel = "TYPE", description = "body type (7BIT, 8BITMIME): accepted and ignored")
    String bodyType;

    @Parameters(paramLabel = "RCPT", arity = "0..*", description = "recipient addresses (an argument may hold a comma-separated list)")
    List<String> recipientArguments = new ArrayList<>();

    /** Standard input; tests give their own. */
    InputStream stdin;

    Supplier<String> hostName = SendmailCommand::localHostName;

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        String host = hostName.get();
        String envelopeSender;
        List<String> recipients = new ArrayList<>();
        try {
            envelopeSender = sender == null ? defaultSender(host) : envelopeSender(sender, host);
            for (String argument : recipientArguments) {
                recipients.addAll(qualified(SendmailAddresses.parse(argument), host));
            }
        } catch (IllegalArgumentException e) {
            err.println("mxguard sendmail: " + e.getMessage());
            return EX_USAGE;
        }
        if (recipients.isEmpty() && !fromHeaders) {
            return noRecipients(err);
        }

        QueueMessage message;
        try {
            boolean dotEnds = !dotsNotSpecial && !sendmailOptions.contains("i");
            message = QueueMessage.parse(SendmailInput.read(stdin == null ? System.in : stdin, dotEnds));
        } catch (IOException e) {
            err.println("mxguard sendmail: cannot read standard input: " + e.getMessage());
            return QueueSpool.EXIT_IO;
        }
        if (fromHeaders) {
            try {
                for (String field : List.of("To", "Cc", "Bcc")) {
                    for (String value : message.values(field)) {
                        recipients.addAll(qualified(SendmailAddresses.parse(value), host));
                    }
                }
            } catch (IllegalArgumentException e) {
                err.println("mxguard sendmail: -t: " + e.getMessage());
                return EX_DATAERR;
            }
            if (recipients.isEmpty()) {
                return noRecipients(err);
            }
        }
        message = completed(message.without("Bcc"), envelopeSender, host);

        Spool queue;
        try {
            queue = spool.open(err);
        } catch (IOException e) {
            err.println("mxguard sendmail: cannot open the spool " + spool.directory + ": " + e);
            return QueueSpool.EXIT_IO;
        }
        try {
            queue.accept(envelopeSender, recipients, message.bytes());
        } catch (NotQueuedException e) {
            err.println("mxguard sendmail: not queued, try again later: " + e.getMessage());
            return EX_TEMPFAIL;
        }
        return 0;
    }

    private int noRecipients(PrintWriter err) {
        err.println("mxguard sendmail: no recipients: name them as arguments"
                + (fromHeaders ? " or in To:, Cc: or Bcc:" : ", or give -t to take them from To:, Cc: and Bcc:"));
        return EX_USAGE;
    }

    /** The fields sendmail adds to a message that lacks them. */
    private QueueMessage completed(QueueMessage message, String envelopeSender, String host) {
        ZonedDateTime now = ZonedDateTime.now(spool.clock.withZone(ZoneId.systemDefault()));
        if (!message.has("Date")) {
            message = message.with("Date", RFC5322_DATE.format(now));
        }
        if (!message.has("Message-ID")) {
            byte[] random = new byte[8];
            new SecureRandom().nextBytes(random);
            message = message.with("Message-ID", "<" + ID_STAMP.format(now.withZoneSameInstant(ZoneOffset.UTC)) + "." + HexFormat.of().formatHex(random) + "@" + host + ">");
        }
        if (!message.has("From")) {
            String address = envelopeSender.isEmpty() ? defaultSender(host) : envelopeSender;
            String from = fullName == null ? address : quoted(fullName) + " <" + address + ">";
            message = message.with("From", latin1(from));
        }
        return message;
    }

    private String defaultSender(String host) {
        return System.getProperty("user.name") + "@" + host;
    }

    private static String envelopeSender(String given, String host) {
        String address = given.strip();
        if (address.startsWith("<") && address.endsWith(">")) {
            address = address.substring(1, address.length() - 1).strip();
        }
        if (address.isEmpty()) {
            return "";
        }
        List<String> parsed = SendmailAddresses.parse(address);
        if (parsed.size() != 1) {
            throw new IllegalArgumentException("-f " + given + ": not one address");
        }
        return qualified(parsed, host).getFirst();
    }

    private static List<String> qualified(List<String> addresses, String host) {
        return addresses.stream().map(a -> a.contains("@") ? a : a + "@" + host).toList();
    }

    private static String quoted(String name) {
        String clean = name.replaceAll("[\\r\\n]+", " ").strip();
        return "\"" + clean.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    /** UTF-8 text as the ISO-8859-1 string of its octets, the form {@link QueueMessage} works in. */
    private static String latin1(String text) {
        return new String(text.getBytes(UTF_8), ISO_8859_1);
    }

    /** This machine's name as sendmail would use it: the canonical (DNS) name when there is one. */
    static String localHostName() {
        try {
            InetAddress local = InetAddress.getLocalHost();
            String canonical = local.getCanonicalHostName();
            // without a reverse-DNS name the canonical name is the address itself, not usable after '@'
            return canonical.contains(":") || canonical.chars().allMatch(c -> Character.isDigit(c) || c == '.')
                    ? local.getHostName() : canonical;
        } catch (UnknownHostException e) {
            return "localhost";
        }
    }
}
