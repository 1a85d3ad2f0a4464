package dev.frost.data;

import dev.frost.FrostException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ReadersTest {

    private static byte[] idx(int magic, int[] dims, byte[] payload) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(magic);
            for (int d : dims) {
                out.writeInt(d);
            }
            out.write(payload);
        }
        return bytes.toByteArray();
    }

    private static void gzip(Path file, byte[] content) throws IOException {
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(file))) {
            out.write(content);
        }
    }

    @Test
    void idxImagesAndLabelsAreReadScaledAndValidated(@TempDir Path dir) throws IOException {
        byte[] pixels = new byte[3 * 2 * 2];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (byte) (i * 20);
        }
        pixels[0] = (byte) 255;
        gzip(dir.resolve("img.gz"), idx(0x803, new int[] {3, 2, 2}, pixels));
        gzip(dir.resolve("lab.gz"), idx(0x801, new int[] {3}, new byte[] {7, 0, 9}));
        ArrayDataset d = IdxReader.read("t", dir.resolve("img.gz"), dir.resolve("lab.gz"), 10, "");
        assertEquals(3, d.size());
        assertEquals(7, d.label(0));
        assertEquals(9, d.label(2));
        assertEquals(new ai.djl.ndarray.types.Shape(1, 2, 2), d.exampleShape());

        Files.write(dir.resolve("bad.idx"), idx(0x801, new int[] {3, 2, 2}, pixels));
        FrostException e = assertThrows(FrostException.class,
                () -> IdxReader.read("t", dir.resolve("bad.idx"), dir.resolve("lab.gz"), 10, ""));
        assertTrue(e.getMessage().contains("bad.idx") && e.getMessage().contains("not an IDX image file"), e.getMessage());

        Files.write(dir.resolve("short.idx"), Arrays.copyOf(idx(0x803, new int[] {3, 2, 2}, pixels), 20));
        e = assertThrows(FrostException.class,
                () -> IdxReader.read("t", dir.resolve("short.idx"), dir.resolve("lab.gz"), 10, ""));
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());

        gzip(dir.resolve("lab2.gz"), idx(0x801, new int[] {2}, new byte[] {1, 2}));
        e = assertThrows(FrostException.class,
                () -> IdxReader.read("t", dir.resolve("img.gz"), dir.resolve("lab2.gz"), 10, ""));
        assertTrue(e.getMessage().contains("3 images") && e.getMessage().contains("2 labels"), e.getMessage());
    }
}
