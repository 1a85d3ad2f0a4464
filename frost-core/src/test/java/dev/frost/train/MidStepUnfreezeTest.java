package dev.frost.train;

import ai.djl.ndarray.types.Shape;
import dev.frost.data.ArrayDataset;
import dev.frost.data.SyntheticData;
import dev.frost.freeze.optim.AdamW;
import dev.frost.model.FrostModel;
import dev.frost.model.Models;
import dev.frost.model.Snapshots;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * A callback that unfreezes a group after backward (or before forward, inside the prefix that runs without autograd)
 * gives it no update that step, since it got no gradient: no weight decay, no Adam step counted.
 */
class MidStepUnfreezeTest {
    private static final ArrayDataset DATA = SyntheticData.classification("mid", 16, new Shape(8), 3, 3);

    private static void unfreezeAt(String event) {
        try (FrostModel m = Models.mlp(8, new int[] {12}, 3, 4)) {
            m.group(0).freeze();
            Map<String, float[]> before = Snapshots.of(m);
            AdamW opt = new AdamW(0.9, 0.999, 1e-8, 0.5); // strong decay: any update would show
            Callback unfreeze = new Callback() {
                private void go(TrainingContext ctx) {
                    ctx.model().group(0).unfreeze();
                }

                @Override
                public void beforeForward(TrainingContext ctx) {
                    if (event.equals("beforeForward")) {
                        go(ctx);
                    }
                }

                @Override
                public void afterBackward(TrainingContext ctx) {
                    if (event.equals("afterBackward")) {
                        go(ctx);
                    }
                }
            };
            TrainConfig cfg = TrainConfig.builder().setEpochs(1).optBatchSize(16).optLearningRate(0.1)
                    .optProgressBar(false).optMeasureFullStep(false).build();
            new Trainer(m, opt, cfg, List.of(unfreeze)).fit(DATA, null); // one step
            Map<String, float[]> after = Snapshots.of(m);
            String first = m.group(0).layers().get(0).name();
            after.forEach((k, v) -> {
                if (k.startsWith(first + ".")) {
                    assertArrayEquals(before.get(k), v, event + ": " + k + " got an update without a gradient");
                }
            });
            assertFalse(java.util.Arrays.equals(before.get("out.weight"), after.get("out.weight")), "the head trained");
            assertEquals(0, opt.stepCounts().keySet().stream().filter(k -> k.startsWith(first + ".")).count(),
                    event + ": no optimizer state for it yet");
        }
    }

    @Test
    void unfreezingAfterBackwardOrInsideThePrefixUpdatesNothingThatStep() {
        unfreezeAt("afterBackward");
        unfreezeAt("beforeForward");
    }
}
