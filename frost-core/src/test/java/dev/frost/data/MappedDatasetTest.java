package dev.frost.data;

import ai.djl.ndarray.types.Shape;
import dev.frost.FrostException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MappedDatasetTest {
    private static final Shape SHAPE = new Shape(2, 3);

    private static float[] values(SplittableRandom rng, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (rng.nextDouble() * 20 - 10);
        }
        return v;
    }

    /** Three label kinds, each with a side input and awkward float values (-0, NaN, extremes). */
    private static ArrayDataset source(LabelKind kind, int n, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        float[] x = values(rng, n * 6);
        x[0] = -0f;
        x[1] = Float.NaN;
        x[2] = Float.MAX_VALUE;
        x[3] = Float.MIN_VALUE;
        ArrayDataset base = switch (kind) {
            case CLASS -> new ArrayDataset("c", x, rng.ints(n, 0, 5).toArray(), SHAPE, 5);
            case MULTI_LABEL -> {
                float[] y = new float[n * 4];
                for (int i = 0; i < y.length; i++) {
                    y[i] = rng.nextBoolean() ? 1 : 0;
                }
                yield ArrayDataset.multiLabel("m", x, SHAPE, y, 4);
            }
            case REGRESSION -> ArrayDataset.regression("r", x, SHAPE, values(rng, n * 2), 2);
        };
        return base.withSideInput("mask", new Shape(4), values(rng, n * 4));
    }

    private static void assertSameBits(Dataset a, Dataset b) {
        assertEquals(a.size(), b.size());
        assertEquals(a.exampleShape(), b.exampleShape());
        assertEquals(a.sideInputShapes(), b.sideInputShapes());
        assertEquals(a.labelKind(), b.labelKind());
        assertEquals(a.labelWidth(), b.labelWidth());
        for (int i = 0; i < a.size(); i++) {
            float[] fa = new float[(int) a.exampleShape().size()];
            float[] fb = new float[fa.length];
            a.readFeatures(i, fa, 0);
            b.readFeatures(i, fb, 0);
            assertArrayEquals(bits(fa), bits(fb), "features of " + i);
            for (Map.Entry<String, Shape> e : a.sideInputShapes().entrySet()) {
                float[] sa = new float[(int) e.getValue().size()];
                float[] sb = new float[sa.length];
                a.readSideInput(e.getKey(), i, sa, 0);
                b.readSideInput(e.getKey(), i, sb, 0);
                assertArrayEquals(bits(sa), bits(sb), e.getKey() + " of " + i);
            }
            float[] la = new float[a.labelValues()];
            float[] lb = new float[la.length];
            a.readLabel(i, la, 0);
            b.readLabel(i, lb, 0);
            assertArrayEquals(bits(la), bits(lb), "label of " + i);
        }
    }

    private static int[] bits(float[] v) {
        int[] out = new int[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = Float.floatToRawIntBits(v[i]);
        }
        return out;
    }

    @Test
    void writeThenOpenGivesTheSourceBitForBitForEveryLabelKind(@TempDir Path dir) {
        for (LabelKind kind : LabelKind.values()) {
            ArrayDataset src = source(kind, 37, kind.ordinal());
            Path file = dir.resolve(kind + ".frostds");
            MappedDataset written = MappedDataset.write(file, src);
            assertSameBits(src, written);
            // many small mapped buffers (3 records each) read the same as one
            MappedDataset chunked = MappedDataset.open(file, "chunked", 3 * (6 + 4 + src.labelValues()) * 4);
            assertEquals(13, chunked.chunkCount());
            assertSameBits(src, chunked);
            assertEquals(written.fingerprint(), chunked.fingerprint());
        }
    }

    @Test
    void concurrentReadsOfDifferentExamplesAgree(@TempDir Path dir) throws Exception {
        ArrayDataset src = source(LabelKind.REGRESSION, 400, 9);
        MappedDataset m = MappedDataset.open(MappedDataset.write(dir.resolve("r.frostds"), src).file(), "r", 4096);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            Future<?>[] fs = new Future<?>[4];
            for (int t = 0; t < 4; t++) {
                int start = t;
                fs[t] = pool.submit(() -> {
                    float[] a = new float[6];
                    float[] b = new float[6];
                    for (int rep = 0; rep < 20; rep++) {
                        for (int i = start; i < 400; i += 4) {
                            src.readFeatures(i, a, 0);
                            m.readFeatures(i, b, 0);
                            if (!Arrays.equals(bits(a), bits(b))) {
                                throw new AssertionError("example " + i + " differs");
                            }
                        }
                    }
                });
            }
            for (Future<?> f : fs) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void streamingWriterValidatesAndPublishesAtomically(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("s.frostds");
        MappedDatasetWriter w = MappedDataset.writer(file, new Shape(3), LabelKind.CLASS, 4);
        w.add(new float[] {1, 2, 3}, 2).add(new float[] {4, 5, 6}, new float[] {3});
        assertFalse(Files.exists(file), "nothing at the target before close");
        FrostException e = assertThrows(FrostException.class, () -> w.add(new float[] {1, 2}, 0));
        assertTrue(e.getMessage().contains("s.frostds") && e.getMessage().contains("2 feature values"), e.getMessage());
        e = assertThrows(FrostException.class, () -> w.add(new float[] {1, 2, 3}, 4));
        assertTrue(e.getMessage().contains("not a class id in 0..3"), e.getMessage());
        e = assertThrows(FrostException.class, () -> w.add(new float[] {1, 2, 3}, new float[] {0.5f}));
        assertTrue(e.getMessage().contains("0.5"), e.getMessage());
        w.close();
        assertEquals(2, w.count());
        MappedDataset m = MappedDataset.open(file);
        assertEquals(2, m.size());
        assertEquals("s", m.name());
        float[] y = new float[1];
        m.readLabel(1, y, 0);
        assertEquals(3f, y[0]);
        float[] x = new float[3];
        m.readFeatures(1, x, 0);
        assertArrayEquals(new float[] {4, 5, 6}, x);
        long fp = m.fingerprint();

        // a discarded rewrite leaves the published file alone and no temporary file behind
        MappedDatasetWriter again = MappedDataset.writer(file, new Shape(3), LabelKind.CLASS, 4);
        again.add(new float[] {0, 0, 0}, 1);
        again.discard();
        assertEquals(2, MappedDataset.open(file).size());
        try (var s = Files.list(dir)) {
            assertFalse(s.anyMatch(p -> p.getFileName().toString().endsWith(".tmp")));
        }
        // a finished rewrite replaces it, and the fingerprint follows the new content
        try (MappedDatasetWriter w3 = MappedDataset.writer(file, new Shape(3), LabelKind.CLASS, 4)) {
            w3.add(new float[] {1, 2, 3}, 2).add(new float[] {4, 5, 7}, 3);
        }
        assertNotEquals(fp, MappedDataset.open(file).fingerprint());
    }

    private static void patch(Path file, long at, ByteBuffer bytes) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.write(bytes, at);
        }
    }

    private static ByteBuffer le(int v) {
        return ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(0, v);
    }

    @Test
    void damagedFilesAreRefusedWithOneLineErrors(@TempDir Path dir) throws IOException {
        Path good = MappedDataset.write(dir.resolve("good.frostds"), source(LabelKind.CLASS, 10, 1)).file();
        byte[] bytes = Files.readAllBytes(good);

        Path cut = dir.resolve("cut.frostds");
        Files.write(cut, Arrays.copyOf(bytes, bytes.length - 5));
        assertError(cut, "truncated");
        Files.write(cut, Arrays.copyOf(bytes, 20));
        assertError(cut, "truncated");

        Path longer = dir.resolve("long.frostds");
        Files.write(longer, Arrays.copyOf(bytes, bytes.length + 8));
        assertError(longer, "8 bytes after its 10 examples");

        Path magic = dir.resolve("magic.frostds");
        Files.write(magic, bytes);
        patch(magic, 0, ByteBuffer.wrap("NOTFROST".getBytes()));
        assertError(magic, "not a Frost dataset file");

        Path rank = dir.resolve("rank.frostds");
        Files.write(rank, bytes);
        patch(rank, 32, le(1000));
        assertError(rank, "implausible rank 1000");

        Path dim = dir.resolve("dim.frostds");
        Files.write(dim, bytes);
        patch(dim, 36, ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, 1L << 40));
        assertError(dim, "implausible dimension");

        Path kind = dir.resolve("kind.frostds");
        Files.write(kind, bytes);
        patch(kind, 24, le(7));
        assertError(kind, "unknown label kind 7");

        Path version = dir.resolve("version.frostds");
        Files.write(version, bytes);
        patch(version, 8, le(2));
        assertError(version, "format version 2");

        assertError(dir.resolve("absent.frostds"), "missing dataset file");
    }

    private static void assertError(Path file, String expected) {
        FrostException e = assertThrows(FrostException.class, () -> MappedDataset.open(file));
        String m = e.getMessage();
        assertTrue(m.contains(expected) && m.contains(file.getFileName().toString()), m);
        assertFalse(m.contains("\n"), m);
        assertTrue(m.length() < 300, m);
    }
}
