package dev.frost.io;

import dev.frost.FrostException;
import dev.frost.Untrusted;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** Write-to-temp, fsync, rename: a reader sees the old file or the new one, never a torn one. */
public final class AtomicFiles {
    private AtomicFiles() {}

    /**
     * Writes {@code bytes} to {@code target} atomically. A symbolic link is written through (its target file is
     * replaced, the link stays); a device or a named pipe is written to directly, since renaming over it would
     * replace the device node or pipe with a plain file.
     */
    public static void write(Path target, byte[] bytes) {
        Path real = throughLinks(target);
        if (Files.isDirectory(real)) {
            throw new FrostException("cannot write " + target + ": it is a folder");
        }
        if (Files.exists(real) && !Files.isRegularFile(real)) {
            try {
                Files.write(real, bytes);
                return;
            } catch (IOException e) {
                throw new FrostException("cannot write " + target + ": " + Untrusted.reason(e), e);
            }
        }
        Path dir = real.toAbsolutePath().getParent();
        Path tmp = null;
        try {
            Files.createDirectories(dir);
            // a hidden name of Frost's own: a user's target.tmp is never touched, a write killed half-way leaves one
            // file that the next write replaces, and the umask sets the mode as for any new file
            tmp = dir.resolve("." + real.getFileName() + ".frost-tmp");
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer buf = ByteBuffer.wrap(bytes);
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
                ch.force(true);
            }
            try {
                Files.move(tmp, real, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, real, StandardCopyOption.REPLACE_EXISTING);
            }
            try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
                d.force(true);
            } catch (IOException ignored) {
                // Some file systems cannot sync a directory; the file itself is already durable.
            }
        } catch (IOException e) {
            try {
                if (tmp != null) {
                    Files.deleteIfExists(tmp);
                }
            } catch (IOException ignored) {
                // best effort: the target was not touched
            }
            throw new FrostException("cannot write " + target + ": " + Untrusted.reason(e), e);
        }
    }

    /** The file a chain of symbolic links ends at (which may not exist yet); {@code path} itself if it is none. */
    private static Path throughLinks(Path path) {
        Path p = path.toAbsolutePath();
        for (int hops = 0; Files.isSymbolicLink(p); hops++) {
            if (hops == 40) {
                throw new FrostException("cannot write " + path + ": too many levels of symbolic links");
            }
            try {
                p = p.getParent().resolve(Files.readSymbolicLink(p)).normalize();
            } catch (IOException e) {
                throw new FrostException("cannot write " + path + ": " + Untrusted.reason(e), e);
            }
        }
        return p;
    }

    public static byte[] read(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new FrostException("cannot read " + file + ": no such file");
        }
        try {
            long size = Files.size(file);
            if (size > Integer.MAX_VALUE - 8) {
                throw new FrostException("cannot read " + file + ": it holds " + size + " bytes, more than the 2 GiB"
                        + " that Frost reads into memory at once");
            }
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new FrostException("cannot read " + file + ": " + Untrusted.reason(e), e);
        }
    }

    public static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
