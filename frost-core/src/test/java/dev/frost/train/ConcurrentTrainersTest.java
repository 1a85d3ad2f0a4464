package dev.frost.train;

import ai.djl.ndarray.types.Shape;
import dev.frost.data.ArrayDataset;
import dev.frost.data.SyntheticData;
import dev.frost.freeze.optim.AdamW;
import dev.frost.layers.Layers;
import dev.frost.model.FrostModel;
import dev.frost.model.Snapshots;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Two trainers in one JVM (folds in parallel threads) do not interfere: each ends as it would alone. */
class ConcurrentTrainersTest {
    private static final ArrayDataset DATA = SyntheticData.classification("folds", 192, new Shape(16), 3, 11);

    /** Dropout makes the result depend on libtorch's generator, which is process-wide. */
    private static FrostModel model(long seed) {
        return FrostModel.builder(new Shape(16)).optSeed(seed)
                .addGroup("body", Layers.linear("fc1", 32), Layers.relu("relu1"), Layers.dropout("drop", 0.3f))
                .addGroup("head", Layers.linear("out", 3))
                .build();
    }

    private static Map<String, float[]> train(long seed) {
        try (FrostModel m = model(seed)) {
            TrainConfig cfg = TrainConfig.builder().setEpochs(3).optBatchSize(16).optLearningRate(1e-2).optSeed(seed)
                    .optProgressBar(false).optMeasureFullStep(false).build();
            new Trainer(m, new AdamW(), cfg).fit(DATA, null);
            return Snapshots.of(m);
        }
    }

    @Test
    void parallelFitsEqualTheSameFitsRunAlone() throws Exception {
        long[] seeds = {1, 2, 3};
        List<Map<String, float[]>> alone = new ArrayList<>();
        for (long s : seeds) {
            alone.add(train(s));
        }
        ExecutorService pool = Executors.newFixedThreadPool(seeds.length);
        try {
            List<Future<Map<String, float[]>>> parallel = new ArrayList<>();
            for (long s : seeds) {
                parallel.add(pool.submit(() -> train(s)));
            }
            for (int i = 0; i < seeds.length; i++) {
                Map<String, float[]> got = parallel.get(i).get();
                for (Map.Entry<String, float[]> e : alone.get(i).entrySet()) {
                    assertTrue(Arrays.equals(e.getValue(), got.get(e.getKey())),
                            "seed " + seeds[i] + ": " + e.getKey() + " differs when trained in parallel");
                }
            }
        } finally {
            pool.shutdownNow();
        }
        // the seeds really give different runs, so the equality above is not trivial
        assertEquals(false, Arrays.equals(alone.get(0).get("out.weight"), alone.get(1).get("out.weight")));
    }
}
