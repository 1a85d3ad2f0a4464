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

    private static FrostException refusedIdx(Path images, Path labels) {
        FrostException e = assertThrows(FrostException.class, () -> IdxReader.read("t", images, labels, 10, ""));
        assertTrue(e.getMessage().length() < 300 && !e.getMessage().contains("\n"), e.getMessage());
        return e;
    }

    @Test
    void hostileIdxHeadersFailInOneLineWithoutLargeAllocations(@TempDir Path dir) throws IOException {
        gzip(dir.resolve("lab.gz"), idx(0x801, new int[] {1}, new byte[] {3}));
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean)
                java.lang.management.ManagementFactory.getThreadMXBean();
        long before = mx.getCurrentThreadAllocatedBytes();
        // 16 bytes announcing one 46340x46340 image: refused from the file size, plain or gzipped
        Files.write(dir.resolve("big.idx"), idx(0x803, new int[] {1, 46340, 46340}, new byte[0]));
        FrostException e = refusedIdx(dir.resolve("big.idx"), dir.resolve("lab.gz"));
        assertTrue(e.getMessage().contains("big.idx is truncated") && e.getMessage().contains("holds 0"),
                e.getMessage());
        gzip(dir.resolve("big.idx.gz"), idx(0x803, new int[] {1, 46340, 46340}, new byte[100]));
        e = refusedIdx(dir.resolve("big.idx.gz"), dir.resolve("lab.gz"));
        assertTrue(e.getMessage().contains("truncated") && e.getMessage().contains("holds 100"), e.getMessage());
        assertTrue(mx.getCurrentThreadAllocatedBytes() - before < 8 << 20, "allocated for tiny files");

        Files.write(dir.resolve("neg.idx"), idx(0x803, new int[] {-5, 2, 2}, new byte[0]));
        assertTrue(refusedIdx(dir.resolve("neg.idx"), dir.resolve("lab.gz")).getMessage()
                .contains("implausible header: -5 images"));
        Files.write(dir.resolve("over.idx"), idx(0x803, new int[] {6, 0x5061DF69, 0x4C016500}, new byte[0]));
        assertTrue(refusedIdx(dir.resolve("over.idx"), dir.resolve("lab.gz")).getMessage()
                .contains("implausible header"));
        Files.write(dir.resolve("neglab.idx"), idx(0x801, new int[] {-1}, new byte[0]));
        assertTrue(refusedIdx(dir.resolve("over.idx"), dir.resolve("neglab.idx")).getMessage()
                .contains("neglab.idx has an implausible header: -1 labels"));
        Files.write(dir.resolve("head.idx"), new byte[] {0, 0, 8, 3, 0, 0});
        assertTrue(refusedIdx(dir.resolve("head.idx"), dir.resolve("lab.gz")).getMessage()
                .contains("header is incomplete"));
        Files.write(dir.resolve("extra.idx"), idx(0x803, new int[] {1, 2, 2}, new byte[5]));
        assertTrue(refusedIdx(dir.resolve("extra.idx"), dir.resolve("lab.gz")).getMessage()
                .contains("data after the 4 pixels"));
        Files.write(dir.resolve("lab11.idx"), idx(0x801, new int[] {1}, new byte[] {11}));
        assertTrue(refusedIdx(dir.resolve("extra.idx"), dir.resolve("lab11.idx")).getMessage()
                .contains("lab11.idx holds label 11"));
        Files.write(dir.resolve("notgz.gz"), new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10});
        assertTrue(refusedIdx(dir.resolve("extra.idx"), dir.resolve("notgz.gz")).getMessage()
                .contains("notgz.gz is not a readable gzip file"));
    }
}
