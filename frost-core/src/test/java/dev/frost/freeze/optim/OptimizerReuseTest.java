package dev.frost.freeze.optim;

import ai.djl.ndarray.types.Shape;
import dev.frost.data.ArrayDataset;
import dev.frost.data.SyntheticData;
import dev.frost.model.FrostModel;
import dev.frost.model.Models;
import dev.frost.model.Snapshots;
import dev.frost.train.TrainConfig;
import dev.frost.train.Trainer;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/** One optimizer reused for a second model (folds, restarts) starts that model's parameters with fresh state. */
class OptimizerReuseTest {
    private static final ArrayDataset DATA = SyntheticData.classification("reuse", 64, new Shape(8), 3, 2);
    private static final TrainConfig CFG = TrainConfig.builder().setEpochs(2).optBatchSize(16).optLearningRate(0.01)
            .optShuffle(false).optProgressBar(false).optMeasureFullStep(false).build();

    private static Map<String, float[]> train(Optimizer opt) {
        try (FrostModel m = Models.mlp(8, new int[] {12}, 3, 5)) {
            new Trainer(m, opt, CFG).fit(DATA, null);
            return Snapshots.of(m);
        }
    }

    @Test
    void aSecondModelGetsFreshStateWhetherTheFirstIsOpenOrClosed() {
        Map<String, float[]> fresh = train(new AdamW());
        AdamW shared = new AdamW();
        try (FrostModel first = Models.mlp(8, new int[] {12}, 3, 9)) {
            new Trainer(first, shared, CFG).fit(DATA, null);
            Map<String, float[]> whileOpen = train(shared); // same names, another model's moments
            fresh.forEach((k, v) -> assertArrayEquals(v, whileOpen.get(k), "first model open: " + k));
        }
        Map<String, float[]> afterClose = train(shared); // the second model is closed, its state with it
        fresh.forEach((k, v) -> assertArrayEquals(v, afterClose.get(k), "previous model closed: " + k));
        shared.close();
    }
}
