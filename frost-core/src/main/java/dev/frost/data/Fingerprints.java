package dev.frost.data;

import dev.frost.FrostException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import java.util.zip.CRC32;
import java.util.zip.CRC32C;

/**
 * Content fingerprints of files and folders, hashed once and remembered beside the data in a small text sidecar
 * ({@code <file>.frost-fingerprint}, {@code <folder>/.frost-fingerprint}) together with the sizes and modification
 * times they were computed from. A later run that finds the same sizes and times reads the sidecar instead of the
 * data, so a large set is not read again; any change of a size, a modification time or (for a folder) the set of
 * files hashes again. A rewrite that keeps both the size and the modification time is not noticed. Where the sidecar
 * cannot be written (a read-only folder) the value is remembered in memory for this process only.
 */
public final class Fingerprints {
    /** Suffix of a file's sidecar; a folder's sidecar is {@code .frost-fingerprint} inside it. */
    public static final String SUFFIX = ".frost-fingerprint";
    private static final String HEADER = "frost-fingerprint v1";
    private static final Logger LOG = LoggerFactory.getLogger(Fingerprints.class);
    private static final Map<Path, Entry> MEMORY = new ConcurrentHashMap<>();
    /** Bytes of data hashed by this process: a hook for tests that check the sidecar spared a read. */
    static final AtomicLong HASHED_BYTES = new AtomicLong();

    private record Entry(String stamp, long fingerprint) {}

    private record Listed(String relative, Path path, long size, long mtime) {}

    private Fingerprints() {}

    /** The fingerprint of one file's bytes. */
    public static long ofFile(Path file) {
        BasicFileAttributes a = attributes(file);
        if (!a.isRegularFile()) {
            throw new FrostException("cannot fingerprint " + file + ": not a regular file");
        }
        String stamp = "size=" + a.size() + " mtime=" + a.lastModifiedTime().to(TimeUnit.NANOSECONDS);
        Path sidecar = file.resolveSibling(file.getFileName() + SUFFIX);
        return remembered(file, sidecar, stamp, () -> {
            Hasher h = new Hasher();
            hashContent(file, h);
            return h.value();
        });
    }

    /**
     * The fingerprint of every regular file under {@code folder} (recursively; sidecars excluded): their relative
     * paths, sizes and bytes, in path order.
     */
    public static long ofFolder(Path folder) {
        if (!Files.isDirectory(folder)) {
            throw new FrostException("cannot fingerprint " + folder + ": not a folder");
        }
        List<Listed> files = list(folder);
        Hasher listing = new Hasher();
        long bytes = 0;
        for (Listed f : files) {
            listing.update(f.relative() + "\t" + f.size() + "\t" + f.mtime() + "\n");
            bytes += f.size();
        }
        String stamp = "files=" + files.size() + " bytes=" + bytes + " listing=" + Long.toHexString(listing.value());
        return remembered(folder, folder.resolve(SUFFIX), stamp, () -> {
            Hasher h = new Hasher();
            for (Listed f : files) {
                h.update(f.relative() + "\0" + f.size() + "\0");
                hashContent(f.path(), h);
            }
            return h.value();
        });
    }

    /** Drops what this process remembers, so the next call must use the sidecar or hash (for tests). */
    static void forgetMemory() {
        MEMORY.clear();
    }

    /** Folds {@code value} into {@code hash} (order matters); never returns 0. */
    public static long mix(long hash, long value) {
        long z = hash * 0x9E3779B97F4A7C15L + value + 0x632BE59BD9B4E019L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        z ^= z >>> 31;
        return z == 0 ? 1 : z;
    }

    /** Folds a string into {@code hash}. */
    public static long mix(long hash, String value) {
        Hasher h = new Hasher();
        h.update(value);
        return mix(hash, h.value());
    }

    private interface Compute {
        long hash();
    }

    private static long remembered(Path data, Path sidecar, String stamp, Compute compute) {
        Path key = data.toAbsolutePath().normalize();
        Entry known = MEMORY.get(key);
        if (known != null && known.stamp().equals(stamp)) {
            return known.fingerprint();
        }
        Long fromSidecar = readSidecar(sidecar, stamp);
        long fp = fromSidecar != null ? fromSidecar : compute.hash();
        MEMORY.put(key, new Entry(stamp, fp));
        if (fromSidecar == null) {
            writeSidecar(sidecar, stamp, fp);
        }
        return fp;
    }

    private static Long readSidecar(Path sidecar, String stamp) {
        try {
            if (!Files.isRegularFile(sidecar)) {
                return null;
            }
            List<String> lines = Files.readAllLines(sidecar, StandardCharsets.UTF_8);
            if (lines.size() < 3 || !lines.get(0).equals(HEADER) || !lines.get(1).equals("stamp " + stamp)
                    || !lines.get(2).startsWith("fingerprint ")) {
                return null;
            }
            return Long.parseUnsignedLong(lines.get(2).substring("fingerprint ".length()).trim(), 16);
        } catch (IOException | RuntimeException e) {
            LOG.debug("ignoring unreadable fingerprint sidecar {}: {}", sidecar, e.toString());
            return null;
        }
    }

    private static void writeSidecar(Path sidecar, String stamp, long fp) {
        Path tmp = null;
        try {
            tmp = Files.createTempFile(sidecar.getParent(), sidecar.getFileName().toString(), ".tmp");
            Files.writeString(tmp, HEADER + "\nstamp " + stamp + "\nfingerprint " + Long.toHexString(fp) + "\n");
            try {
                Files.move(tmp, sidecar, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, sidecar, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException | RuntimeException e) {
            LOG.debug("cannot write fingerprint sidecar {} ({}); keeping the fingerprint in memory", sidecar,
                    e.toString());
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // best effort
                }
            }
        }
    }

    private static BasicFileAttributes attributes(Path p) {
        try {
            return Files.readAttributes(p, BasicFileAttributes.class);
        } catch (IOException e) {
            throw new FrostException("cannot read " + p + ": " + e.getMessage(), e);
        }
    }

    private static List<Listed> list(Path folder) {
        List<Listed> out = new ArrayList<>();
        try (Stream<Path> walk = Files.walk(folder)) {
            for (Path p : (Iterable<Path>) walk::iterator) {
                String name = p.getFileName().toString();
                if (name.contains(SUFFIX)) {
                    continue;
                }
                BasicFileAttributes a = attributes(p);
                if (a.isRegularFile()) {
                    String rel = folder.relativize(p).toString().replace('\\', '/');
                    out.add(new Listed(rel, p, a.size(), a.lastModifiedTime().to(TimeUnit.NANOSECONDS)));
                }
            }
        } catch (IOException | java.io.UncheckedIOException e) {
            throw new FrostException("cannot list " + folder + ": " + e.getMessage(), e);
        }
        out.sort((x, y) -> x.relative().compareTo(y.relative()));
        return out;
    }

    private static void hashContent(Path file, Hasher h) {
        ByteBuffer buf = ByteBuffer.allocateDirect(1 << 20);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            while (ch.read(buf.clear()) > 0) {
                buf.flip();
                HASHED_BYTES.addAndGet(buf.remaining());
                h.update(buf);
            }
        } catch (IOException e) {
            throw new FrostException("cannot read " + file + " to fingerprint it: " + e.getMessage(), e);
        }
    }

    /** A 64-bit content hash of a byte stream: CRC32C and CRC32 side by side (both are hardware-accelerated). */
    static final class Hasher {
        private final CRC32C a = new CRC32C();
        private final CRC32 b = new CRC32();
        private long bytes;

        void update(ByteBuffer buf) {
            bytes += buf.remaining();
            a.update(buf.duplicate());
            b.update(buf);
        }

        void update(String s) {
            update(ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8)));
        }

        long value() {
            return mix((a.getValue() << 32) | b.getValue(), bytes);
        }
    }
}
