package dev.frost.layers;

import ai.djl.ndarray.types.Shape;
import dev.frost.data.ArrayDataset;
import dev.frost.data.SyntheticData;
import dev.frost.freeze.optim.AdamW;
import dev.frost.model.FrostModel;
import dev.frost.model.Snapshots;
import dev.frost.train.Callback;
import dev.frost.train.TrainConfig;
import dev.frost.train.Trainer;
import dev.frost.train.callbacks.CollectBeforeBackward;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/** The affine layer's constants survive a garbage collection between forward and backward (they sit above a trained layer). */
class AffineLayerTest {
    @Test
    void trainingThroughAnAffineLayerIsTheSameWithACollectionBeforeEachBackward() {
        ArrayDataset data = SyntheticData.classification("vec", 64, new Shape(6), 3, 5);
        Map<String, float[]>[] weights = new Map[2];
        for (int run = 0; run < 2; run++) {
            try (FrostModel m = FrostModel.builder(new Shape(6))
                    .addGroup("in", Layers.affine("norm", new float[] {2, 1, 0.5f, 3, 1, 1}, new float[] {0, 1, 0, -1, 0, 2}),
                            Layers.linear("fc", 8), Layers.relu("act"))
                    .addGroup("head", Layers.linear("out", 3), Layers.affine("scale", new float[] {4, 0.25f, 2},
                            new float[] {1, -1, 0.5f}))
                    .build()) {
                TrainConfig cfg = TrainConfig.builder().setEpochs(3).optBatchSize(8).optLearningRate(1e-2).optSeed(3)
                        .optProgressBar(false).optMeasureFullStep(false).build();
                List<Callback> callbacks = run == 0 ? List.of() : List.of(new CollectBeforeBackward());
                new Trainer(m, new AdamW(), cfg, callbacks).fit(data, null);
                weights[run] = Snapshots.of(m);
            }
        }
        weights[0].forEach((k, v) -> assertArrayEquals(v, weights[1].get(k), k));
    }
}
