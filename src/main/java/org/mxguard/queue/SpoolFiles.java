package org.mxguard.queue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;

/**
 * The few file operations the spool's durability rests on, behind an interface so that tests can
 * fail or "crash" any one of them ({@link NioSpoolFiles} is the real thing).
 */
public interface SpoolFiles {
    /** What goes into a file, written by whoever has it: a byte array, a stream, an SMTP client's DATA. */
    @FunctionalInterface
    interface Content {
        /** Writes the content to {@code out}; returns the number of bytes written. */
        long writeTo(OutputStream out) throws IOException;
    }

    /**
     * Creates {@code file}, which must not exist, writes {@code content} into it and forces data and
     * metadata to the device before returning.
     *
     * @return the number of bytes written
     */
    long writeDurably(Path file, Content content) throws IOException;

    default long writeDurably(Path file, InputStream content) throws IOException {
        return writeDurably(file, content::transferTo);
    }

    /** Renames {@code source} to {@code target} in one step, replacing {@code target} if it exists. */
    void moveAtomically(Path source, Path target) throws IOException;

    /** Forces a directory's entries (the names created, renamed or deleted in it) to the device. */
    void syncDirectory(Path directory) throws IOException;

    void deleteIfExists(Path file) throws IOException;

    /** Bytes this process may still write on the file system holding {@code directory}. */
    long usableSpace(Path directory) throws IOException;
}
