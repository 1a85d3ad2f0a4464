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

    public static void write(Path target, byte[] bytes) {
        Path dir = target.toAbsolutePath().getParent();
        Path tmp = dir.resolve(target.getFileName() + ".tmp");
        try {
            Files.createDirectories(dir);
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer buf = ByteBuffer.wrap(bytes);
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
                ch.force(true);
            }
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
            try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
                d.force(true);
            } catch (IOException ignored) {
                // Some file systems cannot sync a directory; the file itself is already durable.
            }
        } catch (IOException e) {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // best effort: the target was not touched
            }
            throw new FrostException("cannot write " + target + ": " + e.getMessage(), e);
        }
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
