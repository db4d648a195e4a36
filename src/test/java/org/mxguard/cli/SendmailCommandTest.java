package org.mxguard.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mxguard.queue.Envelope;
import org.mxguard.queue.NioSpoolFiles;
import org.mxguard.queue.QueueId;
import org.mxguard.queue.Recipient;
import org.mxguard.queue.Spool;
import org.mxguard.queue.SpoolFiles;

class SendmailCommandTest {
    @TempDir
    Path directory;

    private Path spoolDir() {
        return directory.resolve("spool");
    }

    private QueueCli.Run sendmail(String stdin, String... args) {
        String[] all = Stream.concat(Stream.of("sendmail", "--spool", spoolDir().toString()), Stream.of(args)).toArray(String[]::new);
        return QueueCli.run(stdin, all);
    }

    /** The one message in the spool, with its stored bytes as text. */
    private record Queued(Envelope envelope, String message) {
        List<String> recipients() {
            return envelope.recipients().stream().map(Recipient::address).toList();
        }

        String header() {
            return message.substring(0, message.indexOf("\r\n\r\n") + 2);
        }

        String body() {
            return message.substring(message.indexOf("\r\n\r\n") + 4);
        }
    }

    private Queued onlyMessage() throws IOException {
        Spool spool = QueueCli.spool(spoolDir(), QueueCli.T0);
        assertThat(spool.list()).hasSize(1);
        Envelope envelope = spool.list().getFirst();
        return new Queued(envelope, Files.readString(spool.body(envelope.id()), UTF_8));
    }

    private static void assertSilentSuccess(QueueCli.Run run) {
        assertThat(run.err()).isEmpty();
        assertThat(run.out()).isEmpty();
        assertThat(run.exit()).isZero();
    }

    @Test
    void queuesStandardInputForTheArgumentsSilentlyAndAddsTheMissingFields() throws IOException {
        QueueCli.Run run = sendmail("Subject: Grüße\nX-Long: a\n  folded\n\nhello\nworld\n",
                "-f", "alice@example.org", "bob@example.net", "Carol <carol@example.com>, dave@example.com");

        assertSilentSuccess(run);
        Queued queued = onlyMessage();
        assertThat(queued.envelope().sender()).isEqualTo("alice@example.org");
        assertThat(queued.recipients()).containsExactly("bob@example.net", "carol@example.com", "dave@example.com");
        assertThat(queued.header())
                .startsWith("Subject: Grüße\r\nX-Long: a\r\n  folded\r\nDate: ")
                .containsPattern("\r\nDate: [A-Z][a-z]{2}, \\d{1,2} [A-Z][a-z]{2} 20\\d\\d \\d\\d:\\d\\d:\\d\\d [+-]\\d{4}\r\n")
                .containsPattern("\r\nMessage-ID: <20250101\\d{6}\\.[0-9a-f]{16}@host\\.example>\r\n")
                .endsWith("\r\nFrom: alice@example.org\r\n");
        assertThat(queued.body()).isEqualTo("hello\r\nworld\r\n");
    }

    @Test
    void keepsTheFieldsTheMessageHas() throws IOException {
        String message = "From: Alice <alice@example.org>\r\nDate: Tue, 31 Dec 2024 09:00:00 +0000\r\n"
                + "Message-ID: <x@example.org>\r\n\r\nhi\r\n";
        assertSilentSuccess(sendmail(message, "-f", "alice@example.org", "bob@example.net"));

        assertThat(onlyMessage().message()).isEqualTo(message);
    }

    @Test
    void takesRecipientsFromToCcAndBccWithDashTAndRemovesBcc() throws IOException {
        QueueCli.Run run = sendmail("From: alice@example.org\nTo: \"Bob, B.\" <bob@example.net>,\n carol@example.com (Carol)\n"
                + "Cc: undisclosed-recipients:;\nBcc: dave@example.org\nSubject: s\n\nbody\n",
                "-t", "-f", "alice@example.org", "erin@example.net");

        assertSilentSuccess(run);
        Queued queued = onlyMessage();
        assertThat(queued.recipients()).containsExactly("erin@example.net", "bob@example.net", "carol@example.com", "dave@example.org");
        assertThat(queued.header()).doesNotContainIgnoringCase("bcc").doesNotContain("dave@example.org")
                .contains("To: \"Bob, B.\" <bob@example.net>,\r\n carol@example.com (Carol)\r\nCc: undisclosed-recipients:;\r\n");
    }

    @Test
    void theNullSenderAndTheDefaultSender() throws IOException {
        assertSilentSuccess(sendmail("Subject: x\n\nx\n", "-f", "<>", "bob@example.net"));
        Queued queued = onlyMessage();
        String user = System.getProperty("user.name");
        assertThat(queued.envelope().isNullSender()).isTrue();
        assertThat(queued.header()).contains("From: " + user + "@host.example\r\n");

        Files.delete(Spool.messageDirectory(spoolDir(), queued.envelope().id()).resolve(queued.envelope().id() + ".env"));
        Files.delete(Spool.messageDirectory(spoolDir(), queued.envelope().id()).resolve(queued.envelope().id() + ".eml"));
        assertSilentSuccess(sendmail("x\n", "-f", "", "-F", "Cron Daemon", "root"));
        queued = onlyMessage();
        assertThat(queued.envelope().isNullSender()).isTrue();
        assertThat(queued.recipients()).containsExactly("root@host.example");

        Files.delete(Spool.messageDirectory(spoolDir(), queued.envelope().id()).resolve(queued.envelope().id() + ".env"));
        Files.delete(Spool.messageDirectory(spoolDir(), queued.envelope().id()).resolve(queued.envelope().id() + ".eml"));
        assertSilentSuccess(sendmail("x\n", "-FCron Daemon", "root"));
        queued = onlyMessage();
        assertThat(queued.envelope().sender()).isEqualTo(user + "@host.example");
        assertThat(queued.header()).contains("From: \"Cron Daemon\" <" + user + "@host.example>\r\n");
        // no field at all: what was given is the body
        assertThat(queued.body()).isEqualTo("x\r\n");
    }

    @Test
    void withoutRecipientsExits64AndQueuesNothing() {
        QueueCli.Run none = sendmail("Subject: x\n\nx\n");
        assertThat(none.exit()).isEqualTo(64);
        assertThat(none.err()).contains("no recipients").contains("-t");

        QueueCli.Run noneInHeaders = sendmail("Subject: x\nCc: group:;\n\nx\n", "-t");
        assertThat(noneInHeaders.exit()).isEqualTo(64);
        assertThat(noneInHeaders.err()).contains("no recipients");

        QueueCli.Run badArgument = sendmail("x\n", "bob smith");
        assertThat(badArgument.exit()).isEqualTo(64);
        assertThat(badArgument.err()).contains("not an address: bob smith");

        assertThat(spoolDir()).doesNotExist();
    }

    @Test
    void aLoneDotEndsTheInputUnlessDashI() throws IOException {
        String input = "Subject: dots\n\n..stuffed stays\n.\nafter the dot\n";

        assertSilentSuccess(sendmail(input, "bob@example.net"));
        Queued queued = onlyMessage();
        assertThat(queued.body()).isEqualTo("..stuffed stays\r\n");

        for (String flag : List.of("-i", "-oi")) {
            Files.delete(Spool.messageDirectory(spoolDir(), queued.envelope().id()).resolve(queued.envelope().id() + ".env"));
            Files.delete(Spool.messageDirectory(spoolDir(), queued.envelope().id()).resolve(queued.envelope().id() + ".eml"));
            assertSilentSuccess(sendmail(input, flag, "-odi", "-oem", "bob@example.net"));
            queued = onlyMessage();
            assertThat(queued.body()).as(flag).isEqualTo("..stuffed stays\r\n.\r\nafter the dot\r\n");
        }
    }

    @Test
    void aFullDiskExits75AndLeavesNothingBehind() throws IOException {
        QueueCli.Run run = QueueCli.run(QueueCli.T0, "Subject: x\n\nx\n", new FullDisk(new NioSpoolFiles()),
                "sendmail", "--spool", spoolDir().toString(), "bob@example.net");

        assertThat(run.exit()).isEqualTo(75);
        assertThat(run.err()).contains("not queued").contains("spool full");
        assertThat(run.out()).isEmpty();
        try (Stream<Path> files = Files.walk(spoolDir())) {
            assertThat(files.filter(Files::isRegularFile)).isEmpty();
        }
    }

    @Test
    void leavesTheFilesOfAnAcceptInProgressAlone() throws IOException {
        // what a running server has on disk between renaming a body into place and renaming its envelope
        QueueId inFlight = QueueId.parse("0123456789abcdefg");
        QueueId writing = QueueId.parse("0123456789abcdefh");
        Files.createDirectories(Spool.messageDirectory(spoolDir(), inFlight));
        Files.createDirectories(Spool.messageDirectory(spoolDir(), writing));
        Path body = Files.writeString(Spool.messageDirectory(spoolDir(), inFlight).resolve(inFlight + ".eml"),
                "Subject: in flight\r\n\r\n");
        Path temporary = Files.writeString(Spool.messageDirectory(spoolDir(), writing).resolve(writing + ".env.tmp"), "{");

        assertSilentSuccess(sendmail("x\n", "bob@example.net"));

        assertThat(body).exists();
        assertThat(temporary).exists();
    }

    /** The real file operations on a file system without free space. */
    private record FullDisk(SpoolFiles files) implements SpoolFiles {
        @Override
        public long writeDurably(Path file, Content content) throws IOException {
            return files.writeDurably(file, content);
        }

        @Override
        public void moveAtomically(Path source, Path target) throws IOException {
            files.moveAtomically(source, target);
        }

        @Override
        public void syncDirectory(Path directory) throws IOException {
            files.syncDirectory(directory);
        }

        @Override
        public void deleteIfExists(Path file) throws IOException {
            files.deleteIfExists(file);
        }

        @Override
        public long usableSpace(Path directory) {
            return 0;
        }
    }
}
