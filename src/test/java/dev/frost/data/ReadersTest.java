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

    @Test
    void missingFashionMnistNamesTheFileAndTheFetchCommand(@TempDir Path dir) {
        FrostException e = assertThrows(FrostException.class, () -> FashionMnist.train(dir));
        assertTrue(e.getMessage().contains("train-") && e.getMessage().contains("scripts/fetch-data.sh"), e.getMessage());
    }

    @Test
    void embeddedDigitsHave500PerClassInGridOrder() {
        ArrayDataset d = DigitsGrid.embedded();
        assertEquals(5000, d.size());
        assertEquals(new ai.djl.ndarray.types.Shape(1, 28, 28), d.exampleShape());
        int[] counts = new int[10];
        for (int i = 0; i < d.size(); i++) {
            counts[d.label(i)]++;
        }
        int[] expected = new int[10];
        Arrays.fill(expected, 500);
        assertArrayEquals(expected, counts);
        assertEquals(0, d.label(499));
        assertEquals(1, d.label(500), "row 5 starts digit 1");
        assertEquals(9, d.label(4999));
    }

    @Test
    void digitsOfTheWrongSizeAreRefused(@TempDir Path dir) throws IOException {
        java.awt.image.BufferedImage img = new java.awt.image.BufferedImage(100, 50,
                java.awt.image.BufferedImage.TYPE_BYTE_GRAY);
        Path f = dir.resolve("small.png");
        javax.imageio.ImageIO.write(img, "png", f.toFile());
        FrostException e = assertThrows(FrostException.class, () -> DigitsGrid.read(f));
        assertTrue(e.getMessage().contains("100x50"), e.getMessage());
        e = assertThrows(FrostException.class, () -> DigitsGrid.read(dir.resolve("none.png")));
        assertTrue(e.getMessage().contains("fetch-data.sh --digits"), e.getMessage());
    }

    @Test
    void stratifiedSplitIsDisjointBalancedAndSeeded() {
        ArrayDataset d = DigitsGrid.embedded();
        Splits.Split a = Splits.stratified(d, 50, 20, 7);
        Splits.Split b = Splits.stratified(d, 50, 20, 7);
        assertEquals(500, a.train().size());
        assertEquals(200, a.valid().size());
        assertEquals(4300, a.test().size());
        assertEquals(a.train().fingerprint(), b.train().fingerprint());
        assertTrue(a.train().fingerprint() != Splits.stratified(d, 50, 20, 8).train().fingerprint());
        int[] perClass = new int[10];
        for (int i = 0; i < a.train().size(); i++) {
            perClass[a.train().label(i)]++;
        }
        for (int c : perClass) {
            assertEquals(50, c);
        }
        // disjoint: no training image appears in the test set
        Set<Integer> train = new HashSet<>();
        float[] buf = new float[784];
        for (int i = 0; i < a.train().size(); i++) {
            train.add(hash(a.train(), i, buf));
        }
        int overlap = 0;
        for (int i = 0; i < a.test().size(); i++) {
            overlap += train.contains(hash(a.test(), i, buf)) ? 1 : 0;
        }
        assertTrue(overlap <= 2, "only identical-looking digits may collide, found " + overlap);
    }

    private static int hash(ArrayDataset d, int i, float[] unused) {
        return Arrays.hashCode(d.example(i));
    }
}
