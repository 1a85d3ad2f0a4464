package dev.frost.io;

import dev.frost.FrostException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** An atomic write replaces the file it names and nothing else: not a link, not a file of the same name + .tmp. */
class AtomicFilesTest {
    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void writesThroughLinksAndLeavesNeighboursAlone(@TempDir Path dir) throws Exception {
        Path real = Files.writeString(dir.resolve("real.csv"), "old");
        Path link = Files.createSymbolicLink(dir.resolve("link.csv"), Path.of("real.csv")); // relative, as ln -s
        Path neighbour = Files.writeString(dir.resolve("link.csv.tmp"), "keep");
        AtomicFiles.write(link, utf8("new"));
        assertTrue(Files.isSymbolicLink(link));
        assertEquals("new", Files.readString(real));
        assertEquals("keep", Files.readString(neighbour));
        Path fresh = dir.resolve("sub/fresh.txt");
        AtomicFiles.write(fresh, utf8("x"));
        assertEquals("x", Files.readString(fresh));
        try (var files = Files.list(dir)) {
            assertEquals(4, files.count(), "no temporary file left: real, link, neighbour, sub");
        }
        Path plain = dir.resolve("plain.txt");
        Files.writeString(plain, "reference"); // written as any program writes: the umask decides its mode
        AtomicFiles.write(dir.resolve("atomic.txt"), utf8("x"));
        assertEquals(Files.getPosixFilePermissions(plain), Files.getPosixFilePermissions(dir.resolve("atomic.txt")));
        Files.delete(plain);
        Files.delete(dir.resolve("atomic.txt"));
        // a write killed half-way leaves its hidden temporary file and the old target; the next write replaces both
        Files.writeString(dir.resolve(".real.csv.frost-tmp"), "half a wri");
        AtomicFiles.write(real, utf8("newer"));
        assertEquals("newer", Files.readString(real));
        assertTrue(Files.notExists(dir.resolve(".real.csv.frost-tmp")));
        FrostException e = assertThrows(FrostException.class, () -> AtomicFiles.write(dir, utf8("x")));
        assertTrue(e.getMessage().contains("is a folder"), e.getMessage());
    }
}
