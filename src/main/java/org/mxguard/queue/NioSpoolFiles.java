package org.mxguard.queue;

import java.io.IOException;
import java.io.BufferedOutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@link SpoolFiles} on the local file system with NIO (fsync via {@link FileChannel#force}). Files
 * are readable by their owner only: they hold other people's mail.
 */
public final class NioSpoolFiles implements SpoolFiles {
    private static final Set<StandardOpenOption> CREATE = Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);

    /** Big enough for a typical message in one write; a new one per file, so not bigger. */
    private static final int WRITE_BUFFER = 16 * 1024;

    private final Map<Path, FileStore> stores = new ConcurrentHashMap<>();

    @Override
    public long writeDurably(Path file, Content content) throws IOException {
        try (FileChannel channel = FileChannel.open(file, CREATE, ownerOnly(file, "rw-------"))) {
            // buffered: a content may write in small pieces (an SMTP client's DATA, line by line)
            BufferedOutputStream out = new BufferedOutputStream(Channels.newOutputStream(channel), WRITE_BUFFER);
            long written = content.writeTo(out);
            out.flush();
            channel.force(true);
            return written;
        }
    }

    @Override
    public void moveAtomically(Path source, Path target) throws IOException {
        Files.move(source, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    @Override
    public void syncDirectory(Path directory) throws IOException {
        // Linux lets a directory be opened for reading and fsync'd; that is what makes a rename durable
        try (FileChannel channel = FileChannel.open(directory, StandardOpenOption.READ)) {
            channel.force(true);
        }
    }

    @Override
    public void deleteIfExists(Path file) throws IOException {
        Files.deleteIfExists(file);
    }

    @Override
    public long usableSpace(Path directory) throws IOException {
        FileStore store = stores.get(directory);
        if (store == null) {
            // finding the store reads the mount table: once per directory, not once per message
            store = Files.getFileStore(directory);
            stores.put(directory, store);
        }
        return store.getUsableSpace();
    }

    /** The POSIX permissions to create {@code path} with, where the file system has them. */
    static FileAttribute<?>[] ownerOnly(Path path, String permissions) {
        return path.getFileSystem().supportedFileAttributeViews().contains("posix")
                ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(permissions))}
                : new FileAttribute<?>[0];
    }
}
