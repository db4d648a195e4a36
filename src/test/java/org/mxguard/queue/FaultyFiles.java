package org.mxguard.queue;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Real files with injected trouble. Operations are numbered from 1 as they happen, so a test can
 * <em>crash</em> at one (it and every later one fail, leaving the disk exactly as it was at that
 * moment, as if the process had died), <em>fail</em> one alone (a transient I/O error), or make the
 * disk run full after some bytes. Public for the gateway's tests, which fail the spool under an SMTP session.
 */
public final class FaultyFiles implements SpoolFiles {
    static final String NO_SPACE = "No space left on device";

    private final SpoolFiles real = new NioSpoolFiles();
    private final List<String> operations = new ArrayList<>();
    private int crashAt = Integer.MAX_VALUE;
    private int failAt = -1;
    private String failPrefix;
    /** Bytes the disk still takes; negative for no limit. */
    private long spaceLeft = -1;

    /** Operation {@code n} (counted from now on) and every one after it fail: the process died there. */
    public synchronized FaultyFiles crashAt(int n) {
        crashAt = operations.size() + n;
        return this;
    }

    /** Only operation {@code n} (counted from now on) fails. */
    public synchronized FaultyFiles failAt(int n) {
        failAt = operations.size() + n;
        return this;
    }

    /** Every operation whose description starts with {@code prefix} fails, e.g. "write". */
    public synchronized FaultyFiles failEvery(String prefix) {
        failPrefix = prefix;
        return this;
    }

    /** Writes beyond {@code bytes} more fail as on a full disk, after writing what fitted. */
    public synchronized FaultyFiles diskFullAfter(long bytes) {
        spaceLeft = bytes;
        return this;
    }

    public synchronized FaultyFiles heal() {
        crashAt = Integer.MAX_VALUE;
        failAt = -1;
        failPrefix = null;
        spaceLeft = -1;
        return this;
    }

    /** What was asked for, in order, as "write NAME", "move FROM TO", "sync DIR", "delete NAME", "space". */
    public synchronized List<String> operations() {
        return List.copyOf(operations);
    }

    @Override
    public long writeDurably(Path file, Content content) throws IOException {
        check("write " + name(file));
        long limit;
        synchronized (this) {
            limit = spaceLeft;
        }
        if (limit < 0) {
            return real.writeDurably(file, content);
        }
        long[] passed = {0};
        try {
            return real.writeDurably(file, out -> {
                LimitedStream limited = new LimitedStream(out, limit);
                try {
                    return content.writeTo(limited);
                } finally {
                    passed[0] = limited.passed;
                }
            });
        } finally {
            synchronized (this) {
                spaceLeft = Math.max(0, spaceLeft - passed[0]);
            }
        }
    }

    @Override
    public void moveAtomically(Path source, Path target) throws IOException {
        check("move " + name(source) + " " + name(target));
        real.moveAtomically(source, target);
    }

    @Override
    public void syncDirectory(Path directory) throws IOException {
        check("sync " + name(directory));
        real.syncDirectory(directory);
    }

    @Override
    public void deleteIfExists(Path file) throws IOException {
        check("delete " + name(file));
        real.deleteIfExists(file);
    }

    @Override
    public long usableSpace(Path directory) throws IOException {
        check("space");
        synchronized (this) {
            return spaceLeft >= 0 ? spaceLeft : real.usableSpace(directory);
        }
    }

    private synchronized void check(String operation) throws IOException {
        operations.add(operation);
        int n = operations.size();
        if (n >= crashAt) {
            throw new IOException("crashed before " + operation);
        }
        if (n == failAt || (failPrefix != null && operation.startsWith(failPrefix))) {
            throw new IOException("injected failure of " + operation);
        }
    }

    private static String name(Path file) {
        return file.getFileName().toString();
    }

    /** Takes at most {@code limit} bytes, writing what fits, then fails like a full disk. */
    private static final class LimitedStream extends FilterOutputStream {
        private final long limit;
        long passed;

        LimitedStream(OutputStream out, long limit) {
            super(out);
            this.limit = limit;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] buffer, int offset, int length) throws IOException {
            int fits = (int) Math.min(length, limit - passed);
            out.write(buffer, offset, fits);
            passed += fits;
            if (fits < length) {
                throw new IOException(NO_SPACE);
            }
        }
    }
}
