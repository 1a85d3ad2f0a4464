package dev.frost.examples;

import dev.frost.FrostException;
import dev.frost.data.ArrayDataset;
import dev.frost.data.Splits;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ExampleDataTest {
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

    @Test
    void aPngAnnouncingAHugeImageIsRefusedBeforeDecoding(@TempDir Path dir) throws IOException {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        javax.imageio.ImageIO.write(new java.awt.image.BufferedImage(20, 10,
                java.awt.image.BufferedImage.TYPE_BYTE_GRAY), "png", out);
        byte[] png = out.toByteArray();
        java.nio.ByteBuffer.wrap(png).putInt(16, 100_000).putInt(20, 100_000); // IHDR width and height
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update(png, 12, 17);
        java.nio.ByteBuffer.wrap(png).putInt(29, (int) crc.getValue());
        Path f = dir.resolve("huge.png");
        java.nio.file.Files.write(f, png);
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean)
                java.lang.management.ManagementFactory.getThreadMXBean();
        long before = mx.getCurrentThreadAllocatedBytes();
        FrostException e = assertThrows(FrostException.class, () -> DigitsGrid.read(f));
        assertTrue(e.getMessage().contains("huge.png is 100000x100000"), e.getMessage());
        assertTrue(mx.getCurrentThreadAllocatedBytes() - before < 16 << 20, "decoded a 10-gigapixel raster");
        java.nio.file.Files.write(f, java.util.Arrays.copyOf(png, 30));
        e = assertThrows(FrostException.class, () -> DigitsGrid.read(f));
        assertTrue(e.getMessage().contains("huge.png") && !e.getMessage().contains("\n"), e.getMessage());
    }
}
