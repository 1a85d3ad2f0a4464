package dev.frost.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import dev.frost.data.ArrayDataset;
import dev.frost.data.SyntheticData;
import dev.frost.freeze.cache.CacheConfig;
import dev.frost.freeze.optim.AdamW;
import dev.frost.train.FitResult;
import dev.frost.train.TrainConfig;
import dev.frost.train.Trainer;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Map;
import java.util.Random;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A frozen prefix gives an example the same bits whatever the size of the batch it comes in. */
class SmallBatchRowsTest {
    @Test
    void everyBatchSizeGivesAnExampleTheSameRow() {
        check(() -> Models.mlp(4, new int[] {16, 8}, 3, 7), new Shape(4));
        check(() -> Models.cnn(new int[] {4, 8, 8}, 10, 5), new Shape(1, 28, 28));
    }

    private static void check(Supplier<FrostModel> build, Shape example) {
        try (FrostModel m = build.get(); NDManager nd = NDManager.newBaseManager()) {
            m.freezeTo(-1);
            int prefix = m.frozenPrefixLength();
            Random r = new Random(3);
            float[] values = new float[Math.toIntExact(16 * example.size())];
            for (int i = 0; i < values.length; i++) {
                values[i] = (float) r.nextGaussian();
            }
            NDArray x = nd.create(values, new Shape(16).addAll(example));
            float[] full = m.runFrozen(x, 0, prefix).toFloatArray();
            int len = full.length / 16;
            for (int n = 1; n <= 7; n++) {
                float[] part = m.runFrozen(x.get(new NDIndex("0:{}", n)), 0, prefix).toFloatArray();
                assertEquals(n * len, part.length, "rows out for " + n + " in");
                // float arrays compare by their bits (floatToIntBits)
                assertArrayEquals(Arrays.copyOf(full, n * len), part, "a batch of " + n);
            }
        }
    }

    @Test
    void aOneRowTailBatchTrainsTheSameWeightsCachedAndUncached() {
        ArrayDataset data = SyntheticData.classification("tail", 33, new Shape(4), 3, 2); // 16 + 16 + 1
        Map<String, float[]> plain = train(data, null);
        Map<String, float[]> cached = train(data, CacheConfig.defaults());
        plain.forEach((k, v) -> assertArrayEquals(v, cached.get(k), k));
    }

    private static Map<String, float[]> train(ArrayDataset data, CacheConfig cache) {
        try (FrostModel m = Models.mlp(4, new int[] {16, 8}, 3, 7)) {
            m.freezeTo(-1);
            TrainConfig c = TrainConfig.builder().setEpochs(3).optBatchSize(16).optLearningRate(1e-2).optSeed(4)
                    .optProgressBar(false).optMeasureFullStep(false).optCache(cache).build();
            FitResult r = new Trainer(m, new AdamW(), c).fit(data, null);
            assertTrue(cache == null || r.cache().hits() == 2L * data.size(), "epochs 2 and 3 read the cache");
            return Snapshots.of(m);
        }
    }
}
