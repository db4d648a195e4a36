package org.mxguard.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;
import org.mxguard.queue.SpoolLock;

/**
 * The running server's process id, in its spool's {@code requests/.serve.pid} (a dot-file, like
 * the lock, so that it is never taken for a queue request): how
 * {@code mxguard reload} finds the server to send SIGHUP to. Only a live process counts: a file left
 * by a server that was killed names nobody.
 */
final class ServerPidFile {
    static final String NAME = ".serve.pid";

    private ServerPidFile() {
    }

    static Path path(Path spool) {
        return spool.resolve(SpoolLock.DIRECTORY).resolve(NAME);
    }

    /** Records this process as the spool's server. */
    static void write(Path spool) throws IOException {
        Path file = path(spool);
        Path temporary = file.resolveSibling(NAME + ".tmp");
        Files.writeString(temporary, ProcessHandle.current().pid() + "\n", StandardCharsets.US_ASCII);
        Files.move(temporary, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE,
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    static void remove(Path spool) {
        try {
            Files.deleteIfExists(path(spool));
        } catch (IOException e) {
            // a stale file names a dead process, which read() ignores
        }
    }

    /** The server process of {@code spool}, if one is alive. */
    static Optional<ProcessHandle> read(Path spool) throws IOException {
        String text;
        try {
            text = Files.readString(path(spool), StandardCharsets.US_ASCII).strip();
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
        long pid;
        try {
            pid = Long.parseLong(text);
        } catch (NumberFormatException e) {
            throw new IOException(path(spool) + " does not hold a process id: " + text);
        }
        return ProcessHandle.of(pid).filter(ProcessHandle::isAlive);
    }
}
