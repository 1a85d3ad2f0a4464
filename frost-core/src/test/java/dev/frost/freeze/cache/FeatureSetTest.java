package dev.frost.freeze.cache;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.frost.FrostException;
import dev.frost.data.ArrayDataset;
import dev.frost.model.FrostModel;
import dev.frost.model.Models;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A {@link FeatureSet} fills the cache entry of its key; another key or missing rows are refused in one line. */
class FeatureSetTest {
    static final Map<Path, FeatureSet> SETS = new ConcurrentHashMap<>();

    /** The in-memory sets of this test, found through ServiceLoader as frost-spark's Parquet reader is. */
    public static final class MemoryReader implements FeatureSet.Reader {
        @Override
        public boolean accepts(Path dir) {
            return SETS.containsKey(dir);
        }

        @Override
        public FeatureSet open(Path dir) {
            return SETS.get(dir);
        }
    }

    private record Memory(String key, float[][] data, String location) implements FeatureSet {
        public long rows() {
            return data.length;
        }

        public int rowLength() {
            return data[0].length;
        }

        public void forEachRow(RowConsumer c) {
            for (int i = data.length - 1; i >= 0; i--) { // any order
                if (data[i] != null) {
                    c.accept(i, data[i]);
                }
            }
        }
    }

    private static ArrayDataset data() {
        Random r = new Random(3);
        float[] x = new float[40 * 4];
        int[] y = new int[40];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextGaussian();
        }
        for (int i = 0; i < y.length; i++) {
            y[i] = i % 2;
        }
        return new ArrayDataset("toy", x, y, new Shape(4), 2);
    }

    private static FrostModel model(long seed) {
        FrostModel m = Models.mlp(4, new int[] {6}, 2, seed);
        m.freeze();
        m.applyFreezeState();
        return m;
    }

    /** Rows computed by the cache itself, to stand for what a featurizer wrote. */
    private static float[][] rows(FrostModel m, ArrayDataset d, int boundary) {
        try (ActivationCache c = new ActivationCache(CacheConfig.defaults()); NDManager nd = NDManager.newBaseManager()) {
            float[] all = c.activations(m, d, IntStream.range(0, d.size()).toArray(), boundary, 0, 1, null, 0, nd)
                    .toFloatArray();
            int len = all.length / d.size();
            float[][] out = new float[d.size()][];
            for (int i = 0; i < out.length; i++) {
                out[i] = java.util.Arrays.copyOfRange(all, i * len, (i + 1) * len);
            }
            return out;
        }
    }

    @Test
    void aMatchingSetServesEveryRowAndAnotherKeyOrAMissingRowIsRefused() {
        ArrayDataset d = data();
        try (FrostModel m = model(1); FrostModel other = model(2); NDManager nd = NDManager.newBaseManager()) {
            int b = m.frozenPrefixLength();
            assertTrue(b > 0);
            float[][] rows = rows(m, d, b);
            String key = ActivationCache.keyOf(m, d, b, Precision.FLOAT32, 1);
            int[] all = IntStream.range(0, d.size()).toArray();

            Path good = Path.of("mem-good");
            SETS.put(good, new Memory(key, rows, "mem-good"));
            try (ActivationCache c = new ActivationCache(CacheConfig.defaults().withFeatures(good))) {
                float[] served = c.activations(m, d, all, b, 0, 1, null, 0, nd).toFloatArray();
                assertEquals(0, c.stats().misses(), "no row was computed");
                float[] expected = new float[served.length];
                for (int i = 0; i < rows.length; i++) {
                    System.arraycopy(rows[i], 0, expected, i * rows[i].length, rows[i].length);
                }
                assertArrayEquals(expected, served);
            }

            try (ActivationCache c = new ActivationCache(CacheConfig.defaults().withFeatures(good))) {
                FrostException e = assertThrows(FrostException.class,
                        () -> c.activations(other, d, all, b, 0, 1, null, 0, nd));
                assertFalse(e.getMessage().contains("\n"), e.getMessage());
                assertTrue(e.getMessage().startsWith("feature set mem-good was written for another key: weights"),
                        e.getMessage());
            }

            float[][] holes = rows.clone();
            holes[7] = null;
            Path partial = Path.of("mem-partial");
            SETS.put(partial, new Memory(key, holes, "mem-partial"));
            try (ActivationCache c = new ActivationCache(CacheConfig.defaults().withFeatures(partial))) {
                FrostException e = assertThrows(FrostException.class,
                        () -> c.activations(m, d, all, b, 0, 1, null, 0, nd));
                assertTrue(e.getMessage().contains("incomplete"), e.getMessage());
            }

            try (ActivationCache c = new ActivationCache(CacheConfig.defaults().withFeatures(Path.of("nowhere")))) {
                FrostException e = assertThrows(FrostException.class,
                        () -> c.activations(m, d, all, b, 0, 1, null, 0, nd));
                assertTrue(e.getMessage().contains("no reader"), e.getMessage());
            }
        }
    }
}
