package dev.frost.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FingerprintsTest {

    private static long hashedBy(Runnable r) {
        long before = Fingerprints.HASHED_BYTES.get();
        r.run();
        return Fingerprints.HASHED_BYTES.get() - before;
    }

    @Test
    void fileFingerprintIsReadFromTheSidecarUntilSizeOrTimeChanges(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("data.bin");
        Files.write(f, new byte[100_000]);
        long[] fp = new long[4];
        assertEquals(100_000, hashedBy(() -> fp[0] = Fingerprints.ofFile(f)));
        assertTrue(Files.isRegularFile(dir.resolve("data.bin" + Fingerprints.SUFFIX)), "sidecar written");

        Fingerprints.forgetMemory();
        assertEquals(0, hashedBy(() -> fp[1] = Fingerprints.ofFile(f)), "unchanged file must use the sidecar");
        assertEquals(fp[0], fp[1]);

        byte[] changed = new byte[100_001];
        changed[7] = 1;
        Files.write(f, changed);
        assertEquals(100_001, hashedBy(() -> fp[2] = Fingerprints.ofFile(f)), "changed size re-hashes");
        assertNotEquals(fp[0], fp[2]);

        // same content, new modification time: hashed again, same value
        Fingerprints.forgetMemory();
        Files.setLastModifiedTime(f, FileTime.fromMillis(Files.getLastModifiedTime(f).toMillis() - 60_000));
        assertEquals(100_001, hashedBy(() -> fp[3] = Fingerprints.ofFile(f)));
        assertEquals(fp[2], fp[3]);
    }

    @Test
    void unwritableSidecarFallsBackToMemory(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("x.bin");
        Files.write(f, new byte[] {1, 2, 3});
        // a non-empty folder where the sidecar would go: the sidecar cannot be written, even as root
        Path blocker = Files.createDirectories(dir.resolve("x.bin" + Fingerprints.SUFFIX));
        Files.write(blocker.resolve("keep"), new byte[1]);
        long[] fp = new long[2];
        assertEquals(3, hashedBy(() -> fp[0] = Fingerprints.ofFile(f)));
        assertEquals(0, hashedBy(() -> fp[1] = Fingerprints.ofFile(f)), "remembered in memory");
        assertEquals(fp[0], fp[1]);
        assertTrue(Files.isDirectory(blocker));
        try (var s = Files.list(dir)) {
            assertFalse(s.anyMatch(p -> p.getFileName().toString().endsWith(".tmp")), "no temporary file left");
        }
    }

    @Test
    void folderFingerprintFollowsTheFileSetAndContent(@TempDir Path dir) throws IOException {
        Path root = Files.createDirectories(dir.resolve("set"));
        Files.createDirectories(root.resolve("a"));
        Files.write(root.resolve("a/1.txt"), new byte[] {1, 2});
        Files.write(root.resolve("b.txt"), new byte[] {3});
        long[] fp = new long[5];
        assertEquals(3, hashedBy(() -> fp[0] = Fingerprints.ofFolder(root)));
        assertTrue(Files.isRegularFile(root.resolve(Fingerprints.SUFFIX)));
        Fingerprints.forgetMemory();
        assertEquals(0, hashedBy(() -> fp[1] = Fingerprints.ofFolder(root)), "unchanged folder uses the sidecar");
        assertEquals(fp[0], fp[1]);

        Files.write(root.resolve("a/2.txt"), new byte[] {4});
        assertEquals(4, hashedBy(() -> fp[2] = Fingerprints.ofFolder(root)), "a new file re-hashes");
        assertNotEquals(fp[0], fp[2]);

        Files.move(root.resolve("a/2.txt"), root.resolve("a/3.txt"));
        assertEquals(4, hashedBy(() -> fp[3] = Fingerprints.ofFolder(root)), "a renamed file re-hashes");
        assertNotEquals(fp[2], fp[3], "the fingerprint covers the paths");

        Files.delete(root.resolve("a/3.txt"));
        assertEquals(3, hashedBy(() -> fp[4] = Fingerprints.ofFolder(root)));
        assertEquals(fp[0], fp[4], "same files and bytes give the same fingerprint");
    }
}
